"""python manage.py import_tasklist: the same engine, one JSON object, non-zero on errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import TaskList
from tasks.models import Task
from tests.campaigns.conftest import SAMPLES, counts, xlsx

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("import_tasklist", *map(str, args), stdout=out, stderr=StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_json_output_of_a_sample_import(campaign):
    out, error = run(SAMPLES / "reform-tasks.xlsx", "--campaign", campaign.slug, "--json")

    assert error is None
    assert json.loads(out) == {
        "tasks": 294,
        "categories": 17,
        "created": 294,
        "updated": 0,
        "units_unresolved": 0,
        "errors": [],
    }
    assert Task.objects.count() == 294


def test_the_campaign_can_be_given_by_id_and_the_list_by_name(campaign):
    out, error = run(
        SAMPLES / "policies.xlsx",
        "--campaign",
        campaign.pk,
        "--list-name",
        "政策清单",
        "--json",
        "--publish",
    )

    assert error is None
    assert TaskList.objects.get().name == "政策清单"
    again, error = run(
        SAMPLES / "policies.xlsx", "--campaign", campaign.pk, "--list-name", "政策清单", "--json"
    )
    assert error is None
    assert json.loads(again)["created"] == 0 and json.loads(again)["updated"] == 0


def test_the_command_leaves_a_draft_unless_told_to_publish(campaign):
    out, error = run(SAMPLES / "policies.xlsx", "--campaign", campaign.slug, "--list-name", "草稿")

    assert error is None and "draft" in out
    assert TaskList.objects.get().is_draft
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.DRAFT}
    # Importing into it again is refused until it is published or discarded.
    again, error = run(
        SAMPLES / "policies.xlsx", "--campaign", campaign.slug, "--list-name", "草稿", "--json"
    )
    assert error is not None
    assert [e["message"] for e in json.loads(again)["errors"]] == [
        "清单“草稿”是尚未发布的草稿：请先发布或放弃它的导入，再向其中导入。"
    ]


def test_dry_run_reports_and_writes_nothing(campaign):
    before = counts()

    out, error = run(
        SAMPLES / "campaign-targets.xlsx", "--campaign", campaign.slug, "--dry-run", "--json"
    )

    assert error is None
    assert json.loads(out)["created"] == 10
    assert counts() == before


def test_errors_are_listed_by_row_and_column_and_the_command_fails_having_written_nothing(
    campaign, tmp_path
):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["序号", "工作任务", "牵头单位", "完成时限"],
                [1, "推行容缺受理", "区外星局", "6月底前"],
            ]
        )
    )
    before = counts()

    out, error = run(path, "--campaign", campaign.slug, "--json")

    data = json.loads(out)
    assert error is not None and error.returncode == 1
    assert data["units_unresolved"] == 1
    assert data["errors"] == [
        {
            "row": 2,
            "column": "牵头单位",
            "message": "第2行“牵头单位”列：单位“区外星局”不在单位名录中，请在“单位名称建议”中选择对应单位，或新建该单位。",
        }
    ]
    assert counts() == before


def test_a_refused_file_fails_with_its_reason(campaign, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    out, error = run(path, "--campaign", campaign.slug, "--json")

    assert error is not None and error.returncode == 1
    assert "旧版 Excel 工作簿" in json.loads(out)["errors"][0]["message"]


def test_create_units_and_the_plan_text(campaign):
    out, error = run(
        SAMPLES / "plan-document.txt", "--campaign", campaign.slug, "--create-units", "--json"
    )

    assert error is None
    data = json.loads(out)
    assert (data["tasks"], data["categories"], data["created"]) == (9, 6, 9)


def test_an_unknown_campaign_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="no campaign"):
        call_command("import_tasklist", str(SAMPLES / "policies.xlsx"), "--campaign", "nope")
