"""Build the samples' campaigns, open this week's rounds, and fill a downloaded 本周应报送
sheet the way a person would in Excel (openpyxl)."""

import datetime
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
from django.utils import timezone

from accounts.models import Role
from campaigns.services.imports import tasklist_import
from cycles.schedule import round_times, week_start
from cycles.services import round_open
from reporting.workbook import HEADER_ROW, KEY
from tests.factories import CampaignFactory, UserFactory
from tests.fixtures.directory import load_directory

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
# The unit the samples give most lines to lead, counted over the campaigns built below.
BUSY_UNIT = "区住房城乡建设局"


def open_round(campaign, now: datetime.datetime | None = None):
    """Open the round whose window holds ``now`` (this week's, or last week's before the
    dispatch time), as ``cycles_run`` would."""
    now = now or timezone.now()
    week = week_start(timezone.localtime(now).date())
    times = round_times(campaign, week)
    if times.opens_at > now:
        times = round_times(campaign, week - datetime.timedelta(days=7))
    return round_open(campaign=campaign, times=times, now=now)


def build_samples() -> dict:
    """The new-area campaign with its reform, policy and service lists, the district's action
    list, and the next year's new-area campaign with the reform list again; each imported
    through the import engine, each with this week's round open. Returns the directory and a
    staff member and head of the busiest unit."""
    directory = load_directory()
    office = directory["区营商环境建设办公室"]
    plan = {
        CampaignFactory(name="新生态改革攻坚行动", slug="new-area", year=2020, organiser=office): [
            "reform-tasks.xlsx",
            "policies.xlsx",
            "service-items.xlsx",
        ],
        CampaignFactory(name="制度执行年行动", slug="district", organiser=office): [
            "campaign-targets.xlsx"
        ],
        CampaignFactory(
            name="新生态改革攻坚行动（2021）", slug="new-area-2021", year=2021, organiser=office
        ): ["reform-tasks.xlsx"],
    }
    for campaign, names in plan.items():
        for name in names:
            report = tasklist_import(
                campaign=campaign,
                data=(SAMPLES / name).read_bytes(),
                filename=name,
                publish=True,
            )
            assert not report.errors, report.errors
        open_round(campaign)
    unit = directory[BUSY_UNIT]
    return {
        "directory": directory,
        "campaigns": list(plan),
        "unit": unit,
        "staff": UserFactory(username="zj_staff", unit=unit, roles=[Role.STAFF]),
        "head": UserFactory(username="zj_head", unit=unit, roles=[Role.HEAD]),
    }


def columns(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[HEADER_ROW] if isinstance(cell.value, str)}


def fill(data: bytes, fill_row: Callable[[dict, dict], dict | None]) -> bytes:
    """The sheet with each data row changed as ``fill_row(row, columns)`` says: it gets the
    row's cells by header and returns {header: new value} (None: leave the row)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    names = columns(sheet)
    for number in range(HEADER_ROW + 1, sheet.max_row + 1):
        row = {name: sheet.cell(row=number, column=col).value for name, col in names.items()}
        row["_row"] = number
        if row.get(KEY) is None:
            continue
        for name, value in (fill_row(row, names) or {}).items():
            sheet.cell(row=number, column=names[name]).value = value  # None empties it
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_everything(row: dict, names: dict) -> dict:
    """A plausible week's report for every row, with a value for each target it has."""
    filled = {
        "本周进展": f"{row['编号']}：完成本周计划工作，推进顺利",
        "进度（%）": min(100, (row["当前进度（%）"] or 0) + 10),
        "下步计划": "继续推进",
    }
    slot = 1
    while f"指标{slot}本次值" in names:
        if row.get(f"指标{slot}") and row.get(f"指标{slot}目标值") is not None:
            filled[f"指标{slot}本次值"] = row[f"指标{slot}目标值"]
        slot += 1
    return filled


def resave(data: bytes) -> bytes:
    """The same rows in other bytes, as Excel saving the file again makes them (here the
    title above the table changes, which no row reads)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active["A1"].value = f"{book.active['A1'].value}（已核对）"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
