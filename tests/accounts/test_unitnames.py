"""The one rule for "these two names look like one unit" (accounts.unitnames)."""

import pytest

from accounts.unitnames import lookalike_pairs, units_look_alike


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("区住房和城乡建设局", "区住房城乡建设局"),  # a joining word dropped
        ("区发展和改革委员会", "区发展改革局"),  # renamed after a reorganisation
        ("区卫生健康委员会", "区卫生健康局"),
        ("区医保局", "区医疗保障局"),  # shortened
        ("区住建局", "区住房城乡建设局"),
        ("区教育局", "区教育和体育局"),
    ],
)
def test_names_of_one_body_look_alike(a, b):
    assert units_look_alike(a, b) and units_look_alike(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("区财政局", "市财政局"),  # another level
        ("区大数据局", "区大数据管理中心"),  # a bureau and a centre under it
        ("各社区管委会", "落笔社区管委会"),
        ("区财政局", "区税务局"),
        ("区委政法委", "区委编办"),
        ("区住房城乡建设局", "区住房城乡建设局"),  # the same name is not two units
    ],
)
def test_names_of_different_bodies_do_not(a, b):
    assert not units_look_alike(a, b)


def test_pairs_are_found_once_each_among_many_names():
    names = ["区住房和城乡建设局", "区住房城乡建设局", "区财政局", "区医保局", "区医疗保障局"]

    pairs = lookalike_pairs(names, names)

    assert sorted(tuple(sorted(p)) for p in pairs) == [
        ("区住房和城乡建设局", "区住房城乡建设局"),
        ("区医保局", "区医疗保障局"),
    ]
