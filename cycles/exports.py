"""Bulletins as .xlsx. Cells that a spreadsheet would run as formulas are escaped."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from cycles.models import DispatchRound, MonthlyReview, Rating
from cycles.ranking.exports import ranking_sheets
from cycles.ranking.exports import write_sheet as _sheet


def _attainment_sheet(workbook: Workbook, rows: list[dict]) -> None:
    """Targets by unit, as the bulletin shows them (rows as ``AttainmentRow.as_json()``)."""
    _sheet(
        workbook,
        _("Targets by unit"),
        [_("Unit"), _("Targets"), _("met"), _("not met"), _("not measured"), _("of the way %")],
        [
            [r["name"], r["targets"], r["met"], r["not_met"], r["unmeasured"], r["share"]]
            for r in rows
        ],
    )


def _section_sheets(workbook: Workbook, sections) -> None:
    """The sheets other apps' bulletin sections carry (``cycles.hooks.BulletinSection``)."""
    for section in sections:
        if section.sheet:
            _sheet(workbook, *section.sheet)


def round_workbook(round_: DispatchRound, sections=()) -> Workbook:
    result = round_.result
    workbook = Workbook()
    workbook.remove(workbook.active)
    totals = result.get("totals", {})
    _sheet(
        workbook,
        _("Summary"),
        [
            _("Week"),
            _("Owed"),
            _("Reported"),
            _("Rate %"),
            _("Late"),
            _("Red"),
            _("Overdue"),
            _("Closed"),
        ],
        [
            [
                result.get("week", ""),
                totals.get("owed"),
                totals.get("reported"),
                totals.get("rate"),
                totals.get("late"),
                totals.get("red"),
                totals.get("overdue"),
                totals.get("closed"),
            ]
        ],
    )
    _sheet(
        workbook,
        _("Reporting by unit"),
        [_("Unit"), _("Owed"), _("Reported"), _("Late"), _("Rate %"), _("Not reported")],
        [
            [u["unit"], u["owed"], u["reported"], u["late"], u["rate"], "、".join(u["missing"])]
            for u in result.get("units", [])
        ],
    )
    for key, title in (
        ("late", _("Late")),
        ("red", _("Red")),
        ("overdue", _("Overdue")),
        ("closed", _("Closed")),
    ):
        _sheet(
            workbook,
            title,
            [_("No."), _("Task"), _("Lead unit")],
            [[t["code"], t["title"], t["unit"]] for t in result.get(key, [])],
        )
    if result.get("targets"):
        _attainment_sheet(workbook, result["targets"])
    _section_sheets(workbook, sections)
    return workbook


def review_workbook(
    review: MonthlyReview, tasks=None, attainment=(), ranking=None, detail_unit=None, sections=()
) -> Workbook:
    """The unit ranking with each term of the score (published to all) and what the terms
    come from (every unit's for ``detail_unit`` None, else that unit's only), the ratings
    (only of ``tasks`` when given) and the targets by unit (``attainment``: rows of
    ``cycles.selectors.review_attainment``)."""
    from cycles.ranking.selectors import review_ranking

    workbook = Workbook(write_only=True)
    labels = dict(Rating.choices)
    ranking_sheets(workbook, ranking or review_ranking(review=review), detail_unit=detail_unit)
    items = review.items.all() if tasks is None else review.items.filter(task__in=tasks)
    _sheet(
        workbook,
        _("Ratings"),
        [_("No."), _("Task"), _("Lead unit"), _("Rating"), _("Why")],
        [
            [i.task.code, i.task.title, i.lead_unit.name, str(labels.get(i.rating, "")), i.reason]
            for i in items.select_related("task", "lead_unit").order_by(
                "lead_unit__name", "task_id"
            )
        ],
    )
    if attainment:
        _attainment_sheet(workbook, [row.as_json() for row in attainment])
    _section_sheets(workbook, sections)
    return workbook


def ranking_workbook(ranking, detail_unit=None) -> Workbook:
    """The ranking's sheets alone (the ranking page's download, a draft's too)."""
    workbook = Workbook(write_only=True)
    ranking_sheets(workbook, ranking, detail_unit=detail_unit)
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
