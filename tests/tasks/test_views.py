import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from tasks.models import ProgressReport, TaskSupport
from tasks.services import instruction_give, report_submit, request_create
from tests.factories import TaskFactory, UnitFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_refused_report_keeps_what_was_typed_and_says_why_beside_the_field(client, world):
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]),
        {
            "text": "已完成窗口改造，待验收",
            "percent": 150,
            "obstacles": "资金未到位",
            "version": world.task.version,
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "已完成窗口改造，待验收" in html and "资金未到位" in html
    assert 'class="errorlist"' in html
    assert ProgressReport.objects.count() == 0


def test_a_service_refusal_shows_in_chinese_beside_the_files_field(client, world):
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:request_create", args=[world.task.pk]),
        {"kind": "closeout", "reason": "任务已全部完成", "version": world.task.version},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "任务已全部完成" in html
    assert "佐证" in html  # "a close-out request needs evidence"


def test_the_request_form_is_drawn_when_the_lead_unit_opens_it(client, world):
    """The request section is a link (htmx fetches the form when it is opened): the form and
    its list of units are drawn for the page opened to ask, for the lead unit alone; a form
    refused is shown again, open, with what was typed."""
    page_url = reverse("tasks:detail", args=[world.task.pk])
    client.force_login(world.lead_staff)

    closed = client.get(page_url).content.decode()
    opened = client.get(page_url, {"request": "open"}).content.decode()

    assert 'name="proposed_unit"' not in closed and 'id="request-form"' not in closed
    assert 'data-testid="request-link"' in closed and "?request=open" in closed
    assert 'id="request-form"' in opened and 'name="proposed_unit"' in opened
    assert f'<option value="{world.support.pk}">' in opened
    refused = client.post(
        reverse("tasks:request_create", args=[world.task.pk]),
        {"kind": "extension", "reason": "需延期", "version": world.task.version},
    ).content.decode()
    assert 'id="request-form"' in refused and "需延期" in refused
    client.force_login(world.support_staff)
    other = client.get(page_url, {"request": "open"}).content.decode()
    assert 'id="request-form"' not in other and 'id="request"' not in other


def test_report_with_files_appears_in_the_timeline(client, world):
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]),
        {
            "text": "完成系统联调",
            "percent": 55,
            "files": [files.pdf(), files.png()],
            "version": world.task.version,
            f"target_{world.target.pk}": "60",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "完成系统联调" in html
    assert "佐证材料.pdf" in html and "现场照片.png" in html
    world.target.refresh_from_db()
    assert world.target.current_value == 60


def test_evidence_downloads_as_an_attachment_with_its_original_name(client, world):
    report = report_submit(
        task=world.task, by=world.lead_staff, text="x", percent=10, files=[files.pdf()]
    )
    client.force_login(world.support_staff)

    response = client.get(reverse("tasks:evidence", args=[report.evidence.get().pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E4%BD%90%E8%AF%81%E6%9D%90%E6%96%99.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_forms_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]), {"text": "x", "percent": 5}
    )

    assert response.status_code == 403
    assert ProgressReport.objects.count() == 0


def test_the_bell_counts_unread_notices_and_opening_one_reads_it(client, world):
    instruction_give(task=world.task, by=world.leader, text="请加快")
    client.force_login(world.lead_staff)

    page = client.get(reverse("tasks:mine")).content.decode()
    assert 'data-testid="unread">1<' in page
    notice = Notification.objects.get(recipient=world.lead_staff)

    response = client.post(reverse("notification_open", args=[notice.pk]))

    assert response["Location"] == reverse("tasks:detail", args=[world.task.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_open_instructions_filter(client, world):
    other_task = TaskFactory(task_list=world.task_list, lead_unit=world.lead, title="另一项任务")
    instruction_give(task=world.task, by=world.leader, text="请加快")
    client.force_login(world.lead_staff)

    html = client.get(reverse("tasks:mine"), {"open_instructions": "on"}).content.decode()

    assert world.task.title in html
    assert other_task.title not in html


def test_my_tasks_query_count_does_not_grow_with_instructions_and_reports(client, world):
    client.force_login(world.lead_staff)
    few = count_queries(client, reverse("tasks:mine"))
    for n in range(20):
        task = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
        TaskSupport.objects.create(task=task, unit=UnitFactory())
        instruction_give(task=task, by=world.leader, text=f"督办{n}")
        report_submit(task=task, by=world.lead_staff, text="进展", percent=10)

    assert count_queries(client, reverse("tasks:mine")) == few


def test_request_queue_query_count_does_not_grow(client, world):
    client.force_login(world.coordinator)
    request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="r", files=[files.pdf()]
    )
    few = count_queries(client, reverse("tasks:requests"))
    for _ in range(15):
        task = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
        request_create(
            task=task,
            by=world.lead_staff,
            kind="extension",
            reason="r",
            proposed_deadline=datetime.date(2031, 1, 1),
        )
        request_create(
            task=task, by=world.lead_staff, kind="closeout", reason="r", files=[files.pdf()]
        )

    assert count_queries(client, reverse("tasks:requests")) == few


def test_task_page_query_count_does_not_grow_with_its_history(client, world):
    client.force_login(world.lead_staff)

    def add(n):
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text=f"第{n}周",
            percent=n * 5,
            files=[files.pdf()],
            target_values={world.target.pk: n},
        )
        instruction_give(task=world.task, by=world.leader, text=f"督办{n}")

    add(0)
    few = count_queries(client, reverse("tasks:detail", args=[world.task.pk]))
    for n in range(1, 10):
        add(n)

    assert count_queries(client, reverse("tasks:detail", args=[world.task.pk])) == few


def test_a_post_without_the_page_version_is_refused_and_says_why(client, world):
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]), {"text": "旧页面", "percent": 50}
    )

    assert response.status_code == 400
    assert "刷新" in response.content.decode()
    assert ProgressReport.objects.count() == 0


def _visible_text(html: str) -> str:
    import re

    html = re.sub(r"<(script|style|template)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)


def test_chinese_pages_put_full_width_marks_between_words_and_data(client, world):
    """标签：值 and 名称（说明）, not "标签: 值" or "名称 (说明)"; English keeps its own."""
    import re

    report_submit(
        task=world.task, by=world.lead_staff, text="进展", percent=30, obstacles="资金未到位"
    )
    instruction = instruction_give(task=world.task, by=world.leader, text="请加快")
    from tasks.services import instruction_answer

    instruction_answer(instruction=instruction, by=world.lead_staff, answer="已落实")
    request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=datetime.date(2031, 6, 30),
    )
    client.force_login(world.coordinator)

    pages = [reverse("tasks:detail", args=[world.task.pk]), reverse("tasks:requests")]
    for url in pages:
        text = _visible_text(client.get(url).content.decode())
        assert "存在问题：资金未到位" in text or url != pages[0]
        assert not re.findall(r"[\u4e00-\u9fff][:;,] ?|[\u4e00-\u9fff] \(", text), url
    assert "新的完成时限：2031-06-30" in _visible_text(client.get(pages[1]).content.decode())
    client.cookies["django_language"] = "en"
    try:
        english = _visible_text(client.get(pages[0]).content.decode())
    finally:
        translation.activate("zh-hans")  # the request left English active in this thread
    assert "Obstacles: 资金未到位" in english
