"""The stored preview: one row each, a page reads only its rows, figures from an aggregate."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Unit, UnitAlias
from benchmarks.generate import UNITS, reform_workbook
from campaigns.models import ListImport, ListImportRow
from campaigns.selectors import PREVIEW_PAGE_SIZE
from campaigns.services.imports import tasklist_import
from campaigns.services.list_imports import list_import_confirm, list_import_create
from tasks.models import Task
from tests.campaigns.conftest import sample
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

FILTERS = ["", "problems", "changes"]


@pytest.fixture
def bench_units(directory):
    for name in UNITS:
        Unit.objects.get_or_create(name=name)
    UnitAlias.objects.get_or_create(
        alias="区住建局", defaults={"unit": Unit.objects.get(name="区住房城乡建设局")}
    )


@pytest.fixture
def signed_in(client, coordinator, password, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10**6  # checked inline, so the test sees the result
    client.login(username=coordinator.username, password=password)
    return client


def _upload(campaign, coordinator, rows: int) -> ListImport:
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename=f"r{rows}.xlsx", data=reform_workbook(rows)
    )
    assert list_import.status == ListImport.Status.READY, list_import.message
    return list_import


def _page(client, list_import: ListImport, show: str) -> tuple[int, str]:
    url = reverse("campaigns:import_detail", args=[list_import.campaign.slug, list_import.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"show": show} if show else {})
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_a_preview_page_costs_the_same_for_40_or_4000_rows_whatever_the_filter(
    signed_in, campaign, coordinator, bench_units
):
    small = _upload(campaign, coordinator, 40)
    large = _upload(campaign, coordinator, 4_000)
    assert ListImportRow.objects.filter(list_import=large).count() == 4_000
    for show in FILTERS:
        small_queries, _html = _page(signed_in, small, show)
        large_queries, html = _page(signed_in, large, show)
        assert small_queries == large_queries, show
        shown = html.count('<tr class="action-')
        expected = min(PREVIEW_PAGE_SIZE, _filtered(large, show).count())
        assert shown == expected, show
    # What the page loads does not grow with the file: the import's document (its rows are
    # stored apart) and the page itself, once the file has more rows than a page shows.
    middle = _upload(campaign, coordinator, 400)
    for show in FILTERS:
        middle_queries, middle_html = _page(signed_in, middle, show)
        large_queries, large_html = _page(signed_in, large, show)
        assert middle_queries == large_queries
        assert len(large_html) < len(middle_html) * 1.1, show
    middle.refresh_from_db()
    large.refresh_from_db()
    assert "rows" not in large.preview
    middle_size = len(json.dumps(middle.preview, ensure_ascii=False))
    large_size = len(json.dumps(large.preview, ensure_ascii=False))
    assert large_size < middle_size * 1.1


def _filtered(list_import: ListImport, show: str):
    rows = ListImportRow.objects.filter(list_import=list_import)
    if show == "problems":
        return rows.filter(problem=True)
    if show == "changes":
        return rows.filter(action__in=["create", "update"])
    return rows


def _figures(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_the_figures_at_the_top_are_plain_counts_of_the_stored_rows(
    signed_in, campaign, coordinator, bench_units
):
    list_import = _upload(campaign, coordinator, 250)
    rows = ListImportRow.objects.filter(list_import=list_import)

    _queries, html = _page(signed_in, list_import, "")

    assert _figures(html) == {
        "tasks": rows.count(),
        "created": rows.filter(action="create").count(),
        "updated": rows.filter(action="update").count(),
        "unchanged": rows.filter(action="unchanged").count(),
    }
    assert _figures(html)["tasks"] == 250 == list_import.summary["tasks"]
    assert rows.filter(problem=True).count() == sum(
        1 for row in rows.values_list("data", flat=True) if row["issues"]
    )
    assert "（共250行）" in html  # the pager counts every row
    for show in ("problems", "changes"):
        _queries, html = _page(signed_in, list_import, show)
        count = _filtered(list_import, show).count()
        if count > PREVIEW_PAGE_SIZE:
            assert f"（共{count}行）" in html
        else:
            assert html.count('<tr class="action-') == count


def test_a_confirm_after_the_directory_changed_refuses_and_shows_the_new_errors_by_row(
    signed_in, campaign, coordinator, bench_units
):
    list_import = _upload(campaign, coordinator, 40)
    assert list_import.summary["errors"] == 0
    stored = ListImportRow.objects.filter(list_import=list_import, action="create")
    using = sum(data["lead"] == "区财政局" for data in stored.values_list("data", flat=True))
    assert using
    Unit.objects.filter(name="区财政局").update(active=False)

    list_import_confirm(list_import=list_import, by=coordinator)

    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.READY
    assert Task.objects.count() == 0
    errors = ListImportRow.objects.filter(list_import=list_import, action="error")
    assert errors.count() >= using
    assert list_import.summary["errors"] >= using
    _queries, html = _page(signed_in, list_import, "problems")
    assert "预览后清单或单位名录已有变化" in html
    first = errors.order_by("position").first().data
    assert first["issues"] and first["issues"][0]["message"] in html


def _tasks(task_list) -> list[tuple]:
    tasks = Task.objects.filter(task_list=task_list).order_by("code")
    return [
        (
            t.code,
            t.title,
            t.content,
            t.category.name if t.category else None,
            t.lead_unit_id,
            sorted(t.supporting_units.values_list("pk", flat=True)),
            t.deadline,
            t.deadline_text,
            t.ongoing,
            t.extra,
            sorted(
                (x.metric, x.target_value, x.current_value, x.baseline, x.direction)
                for x in t.targets.all()
            ),
        )
        for t in tasks.select_related("category")
    ]


def _confirm_writes_what_the_command_writes(list_import, campaign, coordinator, data, monkeypatch):
    """The confirm applies the stored check without reading the file again, and its list is
    the one the command's import of the same file makes."""
    read_again = []
    monkeypatch.setattr(
        "campaigns.services.list_imports.import_read", lambda **kw: read_again.append(kw)
    )

    list_import = list_import_confirm(list_import=list_import, by=coordinator)

    assert list_import.status == ListImport.Status.DRAFT, list_import.message
    assert read_again == []
    monkeypatch.undo()
    other = CampaignFactory(year=campaign.year, organiser=campaign.organiser, slug="other")
    report = tasklist_import(campaign=other, data=data, filename="a.xlsx", by=coordinator)
    assert _tasks(list_import.task_list) == _tasks(report.result.task_list)
    return list_import, report


@pytest.mark.parametrize("name", ["reform", "campaign-targets.xlsx"])
def test_the_confirm_writes_what_the_check_stored_without_reading_the_file_again(
    signed_in, campaign, coordinator, bench_units, monkeypatch, name
):
    data = reform_workbook(60) if name == "reform" else sample(name)
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="a.xlsx", data=data
    )
    assert list_import.status == ListImport.Status.READY, list_import.message
    list_import, report = _confirm_writes_what_the_command_writes(
        list_import, campaign, coordinator, data, monkeypatch
    )
    assert not report.errors
    assert report.result.task_list.layout["sheets"] == list_import.task_list.layout["sheets"]


def test_the_stored_figures_are_plain_counts_and_the_page_counts_no_rows_again(
    signed_in, campaign, coordinator, bench_units
):
    list_import = _upload(campaign, coordinator, 120)
    rows = ListImportRow.objects.filter(list_import=list_import)
    list_import.refresh_from_db()

    assert list_import.preview["counts"] == {
        "tasks": rows.count(),
        "created": rows.filter(action="create").count(),
        "updated": rows.filter(action="update").count(),
        "unchanged": rows.filter(action="unchanged").count(),
        "problems": rows.filter(problem=True).count(),
    }
    assert list(rows.filter(change=True).values_list("pk", flat=True)) == list(
        rows.filter(action__in=["create", "update"]).values_list("pk", flat=True)
    )
    url = reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    with CaptureQueriesContext(connection) as captured:
        assert signed_in.get(url, {"show": "changes"}).status_code == 200
    counting = [
        q["sql"]
        for q in captured.captured_queries
        if "campaigns_listimportrow" in q["sql"] and "COUNT(" in q["sql"].upper()
    ]
    assert counting == []


def test_a_preview_stored_without_its_figures_counts_its_rows(
    signed_in, campaign, coordinator, bench_units
):
    list_import = _upload(campaign, coordinator, 60)
    list_import.refresh_from_db()
    stored = dict(list_import.preview["counts"])
    ListImport.objects.filter(pk=list_import.pk).update(
        preview={k: v for k, v in list_import.preview.items() if k != "counts"}
    )

    _queries, html = _page(signed_in, list_import, "")

    assert _figures(html) == {k: v for k, v in stored.items() if k != "problems"}
    assert _figures(html)["tasks"] == 60


@pytest.mark.parametrize("version", [1, 2])
def test_the_stored_check_keeps_each_sheets_headers_once_and_reads_the_older_forms(
    signed_in, campaign, coordinator, bench_units, monkeypatch, version
):
    data = sample("campaign-targets.xlsx")
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="a.xlsx", data=data
    )
    assert list_import.status == ListImport.Status.READY, list_import.message
    list_import.refresh_from_db()
    checked = list_import.preview["checked"]
    headers, fields = checked["columns"], checked["fields"]
    drafts = list(ListImportRow.objects.filter(list_import=list_import).order_by("position"))
    # Each row an array of its task's fields, the issues last; no row repeats its sheet's
    # headers, and some rows have targets (what the rebuilt tasks are compared on below).
    assert all(isinstance(row.draft, list) and len(row.draft) == len(fields) + 1 for row in drafts)
    assert headers and all(row.draft[fields.index("columns")] is None for row in drafts)
    assert any(row.draft[fields.index("targets")] for row in drafts)
    # As the versions before stored it: each row an object naming its fields; version 1
    # with the headers in every row and none in the document.
    for row in drafts:
        draft = {**dict(zip(fields, row.draft[:-1], strict=True)), "issues": row.draft[-1]}
        del draft["columns"]
        if version == 1:
            draft["columns"] = headers[draft["sheet"]]
        row.draft = draft
        row.save(update_fields=["draft"])
    old = {k: v for k, v in checked.items() if k != "fields"}
    if version == 1:
        del old["columns"]
    ListImport.objects.filter(pk=list_import.pk).update(
        preview={**list_import.preview, "checked": {**old, "version": version}}
    )
    _confirm_writes_what_the_command_writes(list_import, campaign, coordinator, data, monkeypatch)


def test_a_check_stored_with_other_fields_is_not_used_the_file_is_read_again(
    signed_in, campaign, coordinator, bench_units, monkeypatch
):
    """A stored row is its task's fields in the order the document names: stored by code whose
    task had other fields (or another order), it cannot stand for the file, which is read."""
    list_import = _upload(campaign, coordinator, 30)
    list_import.refresh_from_db()
    checked = list_import.preview["checked"]
    ListImport.objects.filter(pk=list_import.pk).update(
        preview={**list_import.preview, "checked": {**checked, "fields": checked["fields"][::-1]}}
    )
    from campaigns.services import list_imports

    read, real = [], list_imports.import_read
    monkeypatch.setattr(
        "campaigns.services.list_imports.import_read", lambda **kw: read.append(kw) or real(**kw)
    )

    list_import = list_import_confirm(list_import=list_import, by=coordinator)

    assert list_import.status == ListImport.Status.DRAFT, list_import.message
    assert len(read) == 1
    assert Task.objects.filter(task_list=list_import.task_list).count() == 30
