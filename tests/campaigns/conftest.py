import io
from pathlib import Path

import openpyxl
import pytest

from accounts.models import Role, Unit, UnitAlias
from campaigns.models import Category, ListImport, TaskList
from tasks.models import Target, Task, TaskEvent, TaskSupport
from tests.factories import CampaignFactory, UnitFactory, UserFactory
from tests.fixtures.directory import load_directory

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


@pytest.fixture
def directory(db):
    return load_directory()


@pytest.fixture
def coordinator(db):
    office = UnitFactory(name="区营商环境建设办公室")
    return UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])


@pytest.fixture
def campaign(directory, coordinator):
    campaign = CampaignFactory(
        name="打造精简高效政务新生态改革攻坚行动",
        slug="new-area",
        year=2020,
        organiser=directory["区营商环境建设办公室"],
    )
    campaign.coordinators.add(coordinator)
    return campaign


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# Decisions on the vague names of plan-document.txt (groups of units, not units).
PLAN_CHOICES = {
    "区政府有关部门": {"create": True},
    "各街道": {"create": True},
    "区司法局等有关部门": {"ignore": True},
}


def counts() -> dict[str, int]:
    """Rows of everything an import writes, to show that a refused one wrote nothing."""
    models = (Task, TaskSupport, Target, TaskEvent, Category, TaskList, Unit, UnitAlias, ListImport)
    return {model.__name__: model.objects.count() for model in models}


def xlsx(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    """A one-sheet workbook with these rows (and merged ranges), as bytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
