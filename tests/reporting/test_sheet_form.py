"""一表填报's check cleans each row with ``SheetReportForm``: the task page's report form with
its common fields shared by the rows rather than copied for each. Its verdicts must be the
form's own, row for row."""

from decimal import Decimal

import pytest

from tasks.forms import ReportForm, SheetReportForm
from tasks.models import Target

ROWS = [
    {"text": "本周已完成", "percent": "40", "version": "3"},
    {"text": "", "percent": "40", "version": "3"},  # text required
    {"text": "已办", "percent": "140", "version": "3"},  # over 100
    {"text": "已办", "percent": "四十", "version": "3"},  # not a number
    {"text": "已办", "percent": "-1", "obstacles": "缺人", "next_steps": "补人", "version": "3"},
    {"text": "  有空格  ", "percent": "100", "next_steps": " 下周 ", "version": "x"},
    {"text": "已办", "percent": "50", "version": "3", "target_7": "12.5", "target_8": "abc"},
    {"text": "已办", "percent": "50", "version": "3", "target_7": "", "target_8": "1e3"},
    {"text": "已办", "percent": "50", "version": "3", "target_7": "123456789012345"},
]


def _targets() -> list[Target]:
    return [
        Target(pk=7, metric="办结率", target_value=Decimal("90"), current_value=Decimal("50")),
        Target(pk=8, metric="户数", target_value=Decimal("1000")),
    ]


def _verdict(form) -> tuple:
    valid = form.is_valid()
    cleaned = {k: v for k, v in form.cleaned_data.items() if k != "files"}
    values = form.target_values() if valid else None
    return valid, {k: [str(m) for m in v] for k, v in form.errors.items()}, cleaned, values


@pytest.mark.parametrize("data", ROWS)
def test_a_row_is_judged_as_the_task_pages_form_judges_it(data):
    with_targets = "target_7" in data
    targets = _targets() if with_targets else []
    assert _verdict(SheetReportForm(data, targets=targets)) == _verdict(
        ReportForm(data, targets=targets)
    )


def test_the_rows_share_the_common_fields_and_keep_their_own_targets():
    first = SheetReportForm(ROWS[6], targets=_targets())
    second = SheetReportForm(ROWS[0], targets=[])
    assert first.fields["text"] is second.fields["text"]
    assert first.fields["text"] is not ReportForm.base_fields["text"]  # never the class's own
    assert list(first.fields) == list(ReportForm(ROWS[6], targets=_targets()).fields)
    assert "target_7" not in second.fields
    assert not first.is_valid() and second.is_valid()
    assert "target_8" in first.errors and "target_8" not in second.errors
