"""The import pages: who may use them, preview, corrections, confirm, large files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, UnitAlias
from campaigns.models import ListImport, TaskList
from tasks.models import Task, TaskEvent
from tests.campaigns.conftest import sample, xlsx
from tests.campaigns.hostile import HOSTILE
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UserFactory

pytestmark = pytest.mark.django_db


def upload(client, campaign, name: str, data: bytes, **fields):
    return client.post(
        reverse("campaigns:import_upload", args=[campaign.slug]),
        {"file": SimpleUploadedFile(name, data), **fields},
    )


@pytest.fixture
def signed_in(client, coordinator, password):
    client.login(username=coordinator.username, password=password)
    return client


def test_coordinators_see_import_and_export_links_others_only_export(
    client, campaign, coordinator, password
):
    task_list = TaskListFactory(campaign=campaign, name="改革攻坚任务清单")
    TaskFactory(task_list=task_list)
    leader = UserFactory(username="leader", roles=[Role.LEADER])
    import_url = reverse("campaigns:import_start", args=[campaign.slug])
    export_url = reverse("campaigns:list_export", args=[campaign.slug, task_list.pk])
    list_url = reverse("campaigns:list_detail", args=[campaign.slug, task_list.pk])

    client.login(username=coordinator.username, password=password)
    detail = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    list_page = client.get(list_url).content.decode()
    assert import_url in detail and export_url in detail
    assert import_url in list_page and export_url in list_page
    assert "导入清单" in detail

    client.logout()
    client.login(username=leader.username, password=password)
    detail = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    assert import_url not in detail and export_url in detail
    assert client.get(import_url).status_code == 404


@pytest.mark.parametrize("who", ["leader", "staff", "other-coordinator", "anonymous"])
def test_only_the_campaigns_coordinators_reach_import_pages_and_nothing_changes(
    client, campaign, coordinator, password, who, approval_unit
):
    list_import = _ready_import(campaign, coordinator)
    if who == "leader":
        user = UserFactory(username="leader", roles=[Role.LEADER])
    elif who == "staff":
        user = UserFactory(username="staff", unit=approval_unit, roles=[Role.STAFF])
    elif who == "other-coordinator":
        user = UserFactory(username="other", roles=[Role.COORDINATOR])
        CampaignFactory(slug="theirs").coordinators.add(user)
    if who != "anonymous":
        client.login(username=user.username, password=password)
    args = [campaign.slug, list_import.pk]
    before = (ListImport.objects.count(), Task.objects.count(), ListImport.objects.get().status)

    gets = [
        reverse("campaigns:import_start", args=[campaign.slug]),
        reverse("campaigns:import_detail", args=args),
        reverse("campaigns:import_status", args=args),
    ]
    posts = [
        reverse("campaigns:import_upload", args=[campaign.slug]),
        reverse("campaigns:import_confirm", args=args),
        reverse("campaigns:import_columns", args=args),
        reverse("campaigns:import_units", args=args),
        reverse("campaigns:import_target", args=args),
        reverse("campaigns:import_discard", args=args),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 404), url
    for url in posts:
        response = client.post(url, {"text": "1.任务（牵头单位：区财政局）"})
        assert response.status_code == (302 if who == "anonymous" else 404), url
        if who == "anonymous":
            assert response["Location"].startswith(reverse("login"))

    assert (
        ListImport.objects.count(),
        Task.objects.count(),
        ListImport.objects.get().status,
    ) == before


def test_state_changing_import_views_do_nothing_on_get_and_return_to_the_preview(
    signed_in, campaign, coordinator
):
    list_import = _ready_import(campaign, coordinator)
    preview = reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    for name in (
        "import_confirm",
        "import_columns",
        "import_units",
        "import_target",
        "import_discard",
    ):
        url = reverse(f"campaigns:{name}", args=[campaign.slug, list_import.pk])
        response = signed_in.get(url)
        assert (response.status_code, response["Location"]) == (302, preview), name
    upload = signed_in.get(reverse("campaigns:import_upload", args=[campaign.slug]))
    assert upload["Location"] == reverse("campaigns:import_start", args=[campaign.slug])
    assert (
        signed_in.put(reverse("campaigns:import_upload", args=[campaign.slug])).status_code == 405
    )
    assert ListImport.objects.get().status == ListImport.Status.READY


def _ready_import(campaign, coordinator) -> ListImport:
    from campaigns.services.list_imports import list_import_create

    data = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行容缺受理", "区财政局", "6月底前"]]
    )
    return list_import_create(campaign=campaign, by=coordinator, filename="a.xlsx", data=data)


def test_upload_preview_and_confirm_the_reform_sample(signed_in, campaign, coordinator):
    response = upload(signed_in, campaign, "reform-tasks.xlsx", sample("reform-tasks.xlsx"))

    list_import = ListImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "campaigns:import_detail", args=[campaign.slug, list_import.pk]
    )
    assert Task.objects.count() == 0  # nothing before the confirm
    page = signed_in.get(response["Location"]).content.decode()
    assert "导入预览" in page
    assert "确认导入" in page and "列映射" in page
    assert "完善工程建设项目帮办代办服务" in page
    assert "将新建清单“青岛西海岸新区打造精简高效政务新生态改革攻坚任务清单”" in page
    assert list_import.summary["tasks"] == 294 and list_import.summary["errors"] == 0

    response = signed_in.post(
        reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk])
    )

    assert response.status_code == 302
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.DRAFT  # a draft until published
    assert list_import.task_list.tasks.count() == 294
    assert list_import.task_list.is_draft
    page = signed_in.get(response["Location"]).content.decode()
    assert "新建294项任务" in page and "发布清单" in page
    # A second click changes nothing.
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))
    assert Task.objects.count() == 294
    assert TaskEvent.objects.count() == 294

    response = signed_in.post(
        reverse("campaigns:import_publish", args=[campaign.slug, list_import.pk])
    )

    assert response.status_code == 302
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.DONE
    assert Task.objects.filter(status=Task.Status.IN_PROGRESS).count() == 294
    assert TaskEvent.objects.count() == 294 * 2  # created, then published


def test_a_refused_file_gets_its_reason_in_chinese_and_leaves_nothing(signed_in, campaign):
    response = upload(
        signed_in, campaign, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "旧版 Excel 工作簿（.xls" in page and "另存为 .xlsx" in page
    assert ListImport.objects.count() == 0


def test_errors_block_the_confirm_and_are_named_by_row_and_column(signed_in, campaign):
    data = xlsx(
        [
            ["序号", "工作任务", "牵头单位", "完成时限"],
            [1, "推行容缺受理", "区财政局", "6月底前"],
            [2, "推进区域评估", None, "年底前"],
        ]
    )
    upload(signed_in, campaign, "bad.xlsx", data)
    list_import = ListImport.objects.get()

    page = signed_in.get(
        reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    ).content.decode()
    response = signed_in.post(
        reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk])
    )

    assert "第3行“牵头单位”列：未填写牵头单位" in page
    assert 'id="confirm-import" disabled' in page
    assert response.status_code == 400
    assert "请先改正1处错误" in response.content.decode()
    assert Task.objects.count() == 0


def test_correcting_a_column_mapping_checks_the_file_again(signed_in, campaign):
    data = xlsx(
        [
            ["序号", "工作任务", "主办处室", "完成时限"],
            [1, "推行容缺受理", "区财政局", "6月底前"],
        ]
    )
    upload(signed_in, campaign, "a.xlsx", data)
    list_import = ListImport.objects.get()
    assert list_import.summary["errors"] == 1  # no lead unit column

    response = signed_in.post(
        reverse("campaigns:import_columns", args=[campaign.slug, list_import.pk]),
        {
            "prefix": "s0",
            "s0-sheet": "Sheet",
            "s0-col_0": "code",
            "s0-col_1": "title",
            "s0-col_2": "lead_unit",
            "s0-col_3": "deadline",
        },
    )

    assert response.status_code == 302
    list_import.refresh_from_db()
    assert list_import.summary["errors"] == 0
    assert list_import.columns == {
        "Sheet": {"0": "code", "1": "title", "2": "lead_unit", "3": "deadline"}
    }
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))
    assert Task.objects.get().lead_unit.name == "区财政局"


def test_confirming_a_unit_suggestion_remembers_it(signed_in, campaign, directory):
    data = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行联合验收", "区住建局", "6月底前"]]
    )
    upload(signed_in, campaign, "a.xlsx", data)
    list_import = ListImport.objects.get()
    page = signed_in.get(
        reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    ).content.decode()
    assert "单位名称建议" in page and "建议：区住房城乡建设局" in page
    unit = directory["区住房城乡建设局"]

    signed_in.post(
        reverse("campaigns:import_units", args=[campaign.slug, list_import.pk]),
        {"name": ["区住建局"], "choice": [f"unit:{unit.pk}"], "other": [""]},
    )
    list_import.refresh_from_db()
    assert list_import.summary["errors"] == 0
    assert not UnitAlias.objects.filter(alias="区住建局").exists()  # only when confirmed
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))

    assert UnitAlias.objects.get(alias="区住建局").unit == unit
    assert Task.objects.get().lead_unit == unit


def test_a_unit_can_be_created_or_chosen_by_name_from_the_preview(signed_in, campaign, directory):
    data = xlsx(
        [
            ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"],
            [1, "推行联合验收", "区新设局", "某某单位", "6月底前"],
        ]
    )
    upload(signed_in, campaign, "a.xlsx", data)
    list_import = ListImport.objects.get()

    signed_in.post(
        reverse("campaigns:import_units", args=[campaign.slug, list_import.pk]),
        {
            "name": ["区新设局", "某某单位"],
            "choice": ["create", "other"],
            "other": ["", "区财政局"],
        },
    )
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))

    task = Task.objects.get()
    assert task.lead_unit.name == "区新设局"
    assert [s.unit.name for s in task.supports.all()] == ["区财政局"]


def test_a_new_version_goes_into_the_chosen_list(signed_in, campaign, coordinator):
    from campaigns.services.imports import tasklist_import

    first = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行容缺受理", "区财政局", "6月底前"]]
    )
    task_list = tasklist_import(
        campaign=campaign, data=first, filename="a.xlsx", list_name="攻坚清单", publish=True
    ).result.task_list
    revised = xlsx(
        [
            ["序号", "工作任务", "牵头单位", "完成时限"],
            [1, "全面推行容缺受理", "区财政局", "6月底前"],
        ]
    )

    upload(signed_in, campaign, "b.xlsx", revised, task_list=task_list.pk)
    list_import = ListImport.objects.get(source_name="b.xlsx")
    page = signed_in.get(
        reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    ).content.decode()
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))

    assert "文件将导入已有清单“攻坚清单”" in page
    assert "推行容缺受理" in page and "全面推行容缺受理" in page  # before → after
    assert TaskList.objects.count() == 1
    # A revision waits for its publication: the live list is unchanged until then.
    assert task_list.tasks.get().title == "推行容缺受理"
    signed_in.post(reverse("campaigns:import_publish", args=[campaign.slug, list_import.pk]))
    assert task_list.tasks.get().title == "全面推行容缺受理"


def test_pasted_plan_text_is_previewed_and_imported(signed_in, campaign):
    text = "一、优化服务\n1.推行一件事一次办，6月底前完成。（牵头单位：区行政审批服务局；责任单位：区大数据局）"

    response = signed_in.post(
        reverse("campaigns:import_upload", args=[campaign.slug]),
        {"text": text, "list_name": "方案任务"},
    )
    list_import = ListImport.objects.get()
    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))

    assert response.status_code == 302
    task = Task.objects.get()
    assert task.task_list.name == "方案任务"
    assert (task.lead_unit.name, task.deadline_text, task.category.name) == (
        "区行政审批服务局",
        "6月底前",
        "优化服务",
    )


def test_a_large_file_is_checked_and_imported_by_background_jobs_with_progress(
    signed_in, campaign, settings, eager, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    status_url = None

    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(signed_in, campaign, "policies.xlsx", sample("policies.xlsx"))
    list_import = ListImport.objects.get()
    status_url = reverse("campaigns:import_status", args=[campaign.slug, list_import.pk])
    assert list_import.status == ListImport.Status.CHECKING
    page = signed_in.get(
        reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    ).content.decode()
    assert "<progress" in page and f'hx-get="{status_url}"' in page
    waiting = signed_in.get(status_url)
    assert waiting.status_code == 200 and "HX-Refresh" not in waiting

    for callback in queued:
        callback()  # the job runs (eagerly)
    done_checking = signed_in.get(status_url)
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.READY
    assert done_checking["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.DRAFT
    assert list_import.task_list.tasks.count() == 120


def test_the_preview_page_costs_the_same_queries_for_a_small_or_large_file(signed_in, campaign):
    def queries(data: bytes) -> int:
        upload(signed_in, campaign, "a.xlsx", data)
        list_import = ListImport.objects.order_by("-id").first()
        url = reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(url).status_code == 200
        return len(captured.captured_queries)

    small = queries(sample("campaign-targets.xlsx"))
    large = queries(sample("reform-tasks.xlsx"))

    assert small == large


@pytest.mark.parametrize("case", ["old .xls", "billion laughs", "cell at XFD1048576", "truncated"])
def test_the_upload_page_refuses_hostile_files_and_keeps_nothing(
    client, campaign, coordinator, password, case
):
    filename, build, reason = HOSTILE[case]
    client.login(username=coordinator.username, password=password)

    response = client.post(
        reverse("campaigns:import_upload", args=[campaign.slug]),
        {"file": SimpleUploadedFile(filename, build())},
    )

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert ListImport.objects.count() == 0


def test_if_the_directory_changes_after_the_preview_the_confirm_writes_nothing_and_says_why(
    signed_in, campaign, directory
):
    data = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行容缺受理", "区财政局", "6月底前"]]
    )
    upload(signed_in, campaign, "a.xlsx", data)
    list_import = ListImport.objects.get()
    assert list_import.summary["errors"] == 0
    directory["区财政局"].__class__.objects.filter(pk=directory["区财政局"].pk).update(active=False)

    signed_in.post(reverse("campaigns:import_confirm", args=[campaign.slug, list_import.pk]))

    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.READY
    assert list_import.summary["errors"] == 1
    assert Task.objects.count() == 0
    page = signed_in.get(
        reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    ).content.decode()
    assert "预览后清单或单位名录已有变化" in page
