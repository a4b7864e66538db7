"""The preview rows' documents written as JSON text (``rowtexts``) are the very text that
encoding ``preview_row_data``'s and ``checked_drafts``' documents gives, byte for byte, so the
page and the confirm read them as before."""

from __future__ import annotations

import pytest

from campaigns.importing.drafts import DraftTask
from campaigns.services.copying import json_text
from campaigns.services.import_steps import rowtexts, storing
from campaigns.services.import_steps.checked import checked_drafts
from campaigns.services.import_steps.comparing import ImportPlan, import_plan
from campaigns.services.import_steps.reading import import_read
from campaigns.services.imports import tasklist_import
from tasks.models import Task
from tests.campaigns.conftest import PLAN_CHOICES, SAMPLES, sample, xlsx

pytestmark = pytest.mark.django_db


def _plan(campaign, data: bytes, filename: str, **kwargs) -> ImportPlan:
    source = import_read(data=data, filename=filename)
    return import_plan(source=source, campaign=campaign, **kwargs)


def _encoded(plan: ImportPlan) -> tuple[list[tuple], dict[str, int]]:
    """The rows as the documents encoded gave them, and their counts."""
    _checked, drafts = checked_drafts(plan.source, plan.campaign.year)
    counts = dict.fromkeys(storing.COUNTED, 0)
    rows = [
        (*row[:5], json_text(row[5]), json_text(row[6]))
        for row in storing._rows(7, plan, drafts, counts)
    ]
    return rows, counts


def _written(plan: ImportPlan) -> tuple[list[tuple], dict[str, int]]:
    checked, drafts = checked_drafts(plan.source, plan.campaign.year)
    counts = dict.fromkeys(storing.COUNTED, 0)
    return list(rowtexts.preview_texts(7, plan, checked, drafts, counts)), counts


def _same(plan: ImportPlan) -> list[tuple]:
    written, written_counts = _written(plan)
    encoded, encoded_counts = _encoded(plan)
    assert len(written) == len(encoded) == len(plan.rows)
    for mine, theirs in zip(written, encoded, strict=True):
        assert mine == theirs
    assert written_counts == encoded_counts
    return written


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_every_sample_files_rows_are_written_as_their_documents_encode(campaign, name):
    _same(_plan(campaign, sample(name), name))


def test_a_plan_documents_rows_are_written_as_their_documents_encode(campaign):
    plan = _plan(
        campaign, sample("plan-document.txt"), "plan-document.txt", unit_choices=PLAN_CHOICES
    )
    _same(plan)


def test_a_reimport_with_changes_and_errors_is_written_as_its_documents_encode(
    campaign, coordinator
):
    report = tasklist_import(
        campaign=campaign,
        data=sample("reform-tasks.xlsx"),
        filename="reform-tasks.xlsx",
        by=coordinator,
        list_name="攻坚清单",
        publish=True,
    )
    assert not report.errors, report.errors
    task_list = report.result.task_list
    tasks = list(Task.objects.filter(task_list=task_list).order_by("pk")[:6])
    for number, task in enumerate(tasks):
        task.title = f"改过的任务 {number}"
        task.deadline = None if number % 2 else task.deadline
        task.extra = {"备注": "旧的\\备注"} if number == 3 else task.extra
    Task.objects.bulk_update(tasks, ["title", "deadline", "extra"])
    plan = _plan(campaign, sample("reform-tasks.xlsx"), "reform-tasks.xlsx", task_list=task_list)
    written = _same(plan)
    actions = {row[2] for row in written}
    assert "update" in actions and "unchanged" in actions, actions
    assert any(row[5].count('"changes":[[') for row in written)


AWKWARD = [
    ["序号", "工作任务", "牵头单位", "配合单位", "完成时限", "难度系数", "备注", "具体责任人"],
    [
        1,
        'a "quoted" \\ task\twith\ttabs',
        "区财政局",
        "区教育和体育局、区残联",
        "年底前",
        2.5,
        "line\nbreak",
        "张三",
    ],
    [
        2,
        "emoji 🎉 and \u2028 \x7f\r\n end",
        "区财政局（牵头）、区科技局（牵头）",
        None,
        "2020.3.31",
        "1.25",
        None,
        None,
    ],
    [3, "无牵头单位", None, "区科技局", "看情况吧", "九", 3, "李四"],
    [4, "x" * 600, "不存在的单位", "区财政局", 44000, None, 1.5, "王" * 80],
    [5, "长期任务", "区科技局", "区科技局", "长期坚持", 1, True, ""],
    [5, "重复序号", "区科技局", None, None, None, None, None],
]


def test_awkward_values_are_written_as_their_documents_encode(campaign):
    written = _same(_plan(campaign, xlsx(AWKWARD), "awkward.xlsx"))
    assert any(row[3] for row in written)  # some rows have problems
    assert any(row[2] == "error" for row in written)


def test_an_unknown_draft_field_falls_back_to_the_encoded_draft(campaign, monkeypatch):
    """A field added to DraftTask that this module does not write: the drafts come from
    ``checked_drafts``, encoded, as before."""
    plan = _plan(campaign, sample("reform-tasks.xlsx"), "reform-tasks.xlsx")
    monkeypatch.setattr(rowtexts, "FIELDS", (*rowtexts.FIELDS, "new_field"))
    assert DraftTask.__slots__  # the real class is unchanged: only the module's view of it
    _same(plan)
