"""django-import-export in /admin/: the unit directory with its aliases, a flat export of tasks."""

import pytest
import tablib

from accounts.models import Role, Unit, UnitAlias
from accounts.resources import UnitResource
from tasks.models import TaskSupport
from tasks.resources import TaskExportResource
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_units_export_with_their_parent_and_aliases():
    district = UnitFactory(name="青岛西海岸新区", kind=Unit.Kind.DISTRICT)
    unit = UnitFactory(name="区住房城乡建设局", parent=district)
    UnitAlias.objects.create(unit=unit, alias="区住建局")
    UnitAlias.objects.create(unit=unit, alias="区住房和城乡建设局")

    dataset = UnitResource().export()

    rows = {row["name"]: row for row in dataset.dict}
    assert dataset.headers == ["name", "kind", "parent", "active", "order", "aliases"]
    assert rows["区住房城乡建设局"]["parent"] == "青岛西海岸新区"
    assert set(rows["区住房城乡建设局"]["aliases"].split("、")) == {
        "区住房和城乡建设局",
        "区住建局",
    }


def test_importing_units_creates_them_and_makes_their_aliases_exactly_those_given():
    district = UnitFactory(name="青岛西海岸新区", kind=Unit.Kind.DISTRICT)
    unit = UnitFactory(name="区发展改革局")
    UnitAlias.objects.create(unit=unit, alias="旧别名")
    dataset = tablib.Dataset(headers=["name", "kind", "parent", "active", "order", "aliases"])
    dataset.append(["区发展改革局", "bureau", "青岛西海岸新区", "1", "3", "区发改局、发改委"])
    dataset.append(["区大数据局", "bureau", "青岛西海岸新区", "1", "4", "区大数据管理中心"])

    result = UnitResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    unit.refresh_from_db()
    assert unit.parent == district and unit.order == 3
    assert set(unit.aliases.values_list("alias", flat=True)) == {"区发改局", "发改委"}
    assert Unit.objects.get(name="区大数据局").aliases.get().alias == "区大数据管理中心"


def test_a_dry_run_of_the_unit_import_writes_nothing():
    dataset = tablib.Dataset(headers=["name", "kind", "parent", "active", "order", "aliases"])
    dataset.append(["区新局", "bureau", "", "1", "0", "新局"])

    UnitResource().import_data(dataset, dry_run=True)

    assert not Unit.objects.filter(name="区新局").exists()
    assert not UnitAlias.objects.exists()


def test_an_alias_of_another_unit_is_refused_on_its_row():
    other = UnitFactory(name="区财政局")
    UnitAlias.objects.create(unit=other, alias="财政")
    dataset = tablib.Dataset(headers=["name", "kind", "parent", "active", "order", "aliases"])
    dataset.append(["区税务局", "bureau", "", "1", "0", "财政"])

    result = UnitResource().import_data(dataset, dry_run=False)

    assert result.has_errors()
    assert UnitAlias.objects.get(alias="财政").unit == other


def test_tasks_export_flat_one_row_each():
    task = TaskFactory(title="推行容缺受理")
    TaskSupport.objects.create(task=task, unit=UnitFactory(name="区司法局"))

    dataset = TaskExportResource().export()

    (row,) = dataset.dict
    assert row["title"] == "推行容缺受理"
    assert row["lead_unit"] == task.lead_unit.name
    assert row["supporting_units"] == "区司法局"
    assert row["campaign"] == task.task_list.campaign.name


def test_the_system_administrator_finds_unit_import_and_export_in_admin(client, password):
    from accounts.services import user_admin_access_sync

    user = UserFactory(username="sysadmin", roles=[Role.SYSADMIN])
    user_admin_access_sync(user=user)
    client.login(username="sysadmin", password=password)

    assert client.get("/admin/accounts/unit/import/").status_code == 200
    assert client.get("/admin/accounts/unit/export/").status_code == 200
    assert client.get("/admin/tasks/task/export/").status_code in (302, 403)  # no task content
