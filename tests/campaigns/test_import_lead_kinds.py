"""The import refuses a supervisory body (纪委监委) as the lead unit of a line of work, by row
and column; it may support, and lead a checklist's question (which it then answers)."""

import pytest

from accounts.models import Unit
from campaigns.services.imports import tasklist_import
from demo.corrections import corrected
from tests.campaigns.conftest import counts, sample, xlsx
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_the_import_refuses_a_supervisory_body_as_lead_unit_by_row_and_column(campaign, directory):
    directory["区纪委监委"].kind = Unit.Kind.SUPERVISION
    directory["区纪委监委"].save()
    before = counts()

    report = tasklist_import(campaign=campaign, data=sample("reform-tasks.xlsx"), filename="r.xlsx")

    # Tasks 289 (alone) and 293 (marked 牵头) on sheet rows 309 and 313 make it lead; task 286
    # lists it second: supporting.
    assert [(e.row, e.column) for e in report.errors] == [(309, "责任单位"), (313, "责任单位")]
    assert all("区纪委监委" in e.message and "监督机关" in e.message for e in report.errors)
    assert counts() == before


def test_the_import_refuses_a_new_unit_named_as_a_supervisory_body_as_lead(campaign, directory):
    directory["区纪委监委"].delete()  # not in the directory: created, with its name's kind
    before = counts()

    report = tasklist_import(
        campaign=campaign,
        data=sample("reform-tasks.xlsx"),
        filename="r.xlsx",
        create_units=True,
    )

    assert [e.row for e in report.errors] == [309, 313]
    assert counts() == before


def test_corrected_the_way_the_demo_does_the_list_imports_with_the_body_supporting(
    campaign, directory
):
    directory["区纪委监委"].kind = Unit.Kind.SUPERVISION
    directory["区纪委监委"].save()

    report = tasklist_import(
        campaign=campaign,
        data=corrected("reform-tasks.xlsx", sample("reform-tasks.xlsx")),
        filename="r.xlsx",
    )

    assert report.errors == []
    tasks = report.result.task_list.tasks
    assert tasks.count() == 294
    assert not tasks.filter(lead_unit__name="区纪委监委").exists()
    assert tasks.filter(supports__unit__name="区纪委监委").count() == 3


def test_a_checklist_may_name_a_supervisory_body_first(campaign):
    """Questions and measures are not work: the unit a question names answers it."""
    UnitFactory(name="区纪委监委", kind=Unit.Kind.SUPERVISION)
    data = _one_row_list("区纪委监委")

    report = tasklist_import(
        campaign=campaign, data=data, filename="c.xlsx", list_name="督查清单", list_kind="checklist"
    )

    assert report.errors == []


def _one_row_list(unit: str) -> bytes:
    return xlsx([["序号", "检查内容", "责任单位"], [1, "是否建立容缺受理制度", unit]])
