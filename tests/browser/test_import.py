"""A coordinator imports a list in the browser: upload, preview, correct a column, confirm a
unit suggestion, confirm the import, review the draft, publish it — on a phone and a desktop."""

import pytest

from accounts.models import Role, UnitAlias
from tasks.models import Task
from tests.campaigns.conftest import xlsx
from tests.factories import CampaignFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[(390, 844), (1280, 800)], ids=["phone", "desktop"])
def screen(browser, request):
    """A page the size of a phone, then of a desktop."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_a_coordinator_imports_a_list_correcting_a_column_and_a_unit_name(
    live_server, screen, password, tmp_path
):
    phone = screen
    office = UnitFactory(name="区营商环境建设办公室")
    housing = UnitFactory(name="区住房城乡建设局")
    UnitFactory(name="区财政局")
    coordinator = UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])
    campaign = CampaignFactory(name="改革攻坚行动", slug="reform", year=2020, organiser=office)
    campaign.coordinators.add(coordinator)
    path = tmp_path / "攻坚任务.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["2020年改革攻坚任务清单"],
                ["序号", "工作任务", "主办处室", "完成时限"],
                ["一、工程建设"],
                [1, "推行联合验收", "区住建局", "6月底前"],
                [2, "推行告知承诺制", "区财政局", "长期坚持"],
            ],
            merges=("A1:D1", "A3:D3"),
        )
    )

    phone.goto(f"{live_server.url}/")
    phone.fill("#id_username", "coordinator")
    phone.fill("#id_password", password)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/campaigns/")
    phone.goto(f"{live_server.url}/campaigns/reform/")
    phone.get_by_role("button", name="导入清单").click()
    phone.wait_for_url("**/imports/")

    # Upload: the preview says what it found and that no column holds the lead unit.
    phone.set_input_files("#id_file", str(path))
    phone.get_by_role("button", name="上传并预览").click()
    phone.wait_for_url("**/imports/*/")
    assert phone.locator("h1").inner_text() == "导入预览"
    assert phone.get_by_text("没有填写牵头单位的列").first.is_visible()
    assert phone.locator("#confirm-import").is_disabled()

    # Correct the mapping of column C (主办处室) to the lead unit.
    phone.select_option("select[name=s0-col_2]", "lead_unit")
    phone.get_by_role("button", name="按此映射重新检查").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("列映射已修改，已重新检查文件。").is_visible()

    # 区住建局 is not in the directory: confirm the suggestion.
    assert phone.get_by_text("是否为“区住房城乡建设局”").first.is_visible()
    phone.select_option("#units select[name=choice]", f"unit:{housing.pk}")
    phone.get_by_role("button", name="确认单位名称").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("单位名称已确认，已重新检查文件。").is_visible()
    assert not phone.locator("#confirm-import").is_disabled()

    # Confirm the import: it lands as a draft; review its tasks, then publish it.
    phone.locator("#confirm-import").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("已导入为草稿：新建2项任务，更新0项。").is_visible()
    phone.get_by_role("button", name="审阅任务").click()
    phone.wait_for_url("**/lists/*/")
    assert phone.get_by_text("推行联合验收").is_visible()
    assert phone.get_by_text("推行告知承诺制").is_visible()
    assert phone.locator("h1").inner_text() == "2020年改革攻坚任务清单"
    assert phone.get_by_text("草稿，未发布").first.is_visible()
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.DRAFT}
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.get_by_role("button", name="发布清单").click()
    assert "此操作不可撤销" in phone.locator("dialog[open]").inner_text()
    phone.locator("dialog[open] [data-ok]").click()
    phone.wait_for_url("**/imports/*/")
    assert phone.get_by_text("已发布：从现在起，清单对各责任单位生效。").is_visible()
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.IN_PROGRESS}

    task = Task.objects.get(code="1")
    assert task.lead_unit == housing
    assert task.category.name == "工程建设"
    assert UnitAlias.objects.get(alias="区住建局").unit == housing
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
