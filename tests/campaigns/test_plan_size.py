"""Pasted plans: the parser is linear in the text (four times the text costs about four times
the CPU, not sixteen), any numbering is read, and a large paste is checked by a job, never
inside the web request. No test here reads the clock on the wall: `benchmarks/` does that."""

import time

import pytest
from django.urls import reverse

from campaigns.importing.plan import parse_plan
from campaigns.models import ListImport

LINE = "{n}. 推行容缺受理机制，优化审批流程（牵头单位：区行政审批服务局；责任单位：区大数据局），2022年6月底前完成。"


def _plan(size: int) -> str:
    lines, n, total = ["一、深化改革"], 0, 0
    while total < size:
        n += 1
        lines.append(LINE.format(n=n))
        total += len(lines[-1].encode()) + 1
    return "\n".join(lines)


def _cpu_seconds(text: str) -> float:
    """The parser's CPU time for the text, the best of three (another process's load or a
    garbage collection in one run does not count)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        parse_plan(text)
        best = min(best, time.process_time() - started)
    return best


def _grows_linearly(small: str, large: str) -> None:
    """Four times the text: linear work costs about ×4, the quadratic reading this guards
    against cost ×16. Below ×8 passes (a constant start-up only lowers the ratio)."""
    ratio = _cpu_seconds(large) / max(_cpu_seconds(small), 1e-3)
    assert ratio < 8, ratio


def test_a_1_mb_plan_is_read_with_every_number():
    sheet = parse_plan(_plan(1024 * 1024))

    codes = [row.values["code"] for row in sheet.rows if not row.skipped]
    assert len(codes) > 6000 and codes[-1] == str(len(codes))  # 1000 and beyond included


def test_reading_a_plan_is_linear_in_its_size():
    _grows_linearly(_plan(256 * 1024), _plan(1024 * 1024))


def _wrapped(lines: int) -> str:
    return "一、改革\n1. 开始（\n" + "\n".join(
        "推行容缺受理机制（优化审批流程" for _ in range(lines)
    )


def test_lines_wrapped_into_one_item_cost_linear_time():
    """What took minutes: thousands of wrapped lines joined into one item (20,000 lines took
    about 30 s when each line re-read the item)."""
    _grows_linearly(_wrapped(5000), _wrapped(20000))


@pytest.mark.django_db
def test_a_large_paste_is_checked_by_a_job_not_in_the_request(client, world, monkeypatch):
    queued = []
    monkeypatch.setattr("campaigns.jobs.list_import_check_job.delay", lambda pk: queued.append(pk))
    client.force_login(world.coordinator)
    text = _plan(1024 * 1024)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("campaigns.services.list_imports.list_import_check", _never)
        response = client.post(
            reverse("campaigns:import_upload", args=[world.campaign.slug]),
            {"text": text, "list_name": "大清单", "list_kind": "reform"},
        )
    assert response.status_code == 302
    assert ListImport.objects.get().row_estimate > 6000


def _never(**kwargs):
    raise AssertionError("a large paste was checked inside the request")
