"""我的任务's table in fewer reads: the page's keys read with the count of them all
(``config.pages.CountedKeys``: the same page as a plain Paginator's, for any page number), and
the unit's tasks found as "led, or among the supported tasks" (``tasks.selectors.of_unit_q``:
the same tasks as the EXISTS it replaced); 待我确认 read as values and written in Python, the
markup of the template it replaced."""

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from campaigns.models import Campaign
from config.pages import two_step_page
from tasks.models import Task, TaskSupport
from tasks.my_work import confirm_rows, reports_to_confirm
from tasks.selectors import TaskFilters, tasks_for_user
from tasks.services import report_submit
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UserFactory

pytestmark = pytest.mark.django_db

NUMBERS = [None, "", "1", "2", "3", "4", "5", "99", "0", "-1", "abc", "last", 2, 2.0, 2.5, " 3"]


def _page(queryset, number, counted: bool):
    with CaptureQueriesContext(connection) as ctx:
        page = two_step_page(
            queryset, number, 3, rows=lambda ids: {i: i for i in ids}, counted=counted
        )
    return page, len(ctx.captured_queries)


def _seen(page) -> tuple:
    return (
        page.number,
        list(page.object_list),
        page.paginator.count,
        page.paginator.num_pages,
        page.start_index(),
        page.end_index(),
        page.has_next(),
    )


@pytest.mark.parametrize("tasks", [0, 1, 3, 7, 9])
def test_the_keys_read_with_their_count_are_a_plain_pages(world, tasks):
    Task.objects.all().delete()
    for n in range(tasks):
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, order=n % 4)
    queryset = Task.objects.order_by("order", "id")

    for number in NUMBERS:
        plain, plain_queries = _page(queryset, number, counted=False)
        counted, counted_queries = _page(queryset, number, counted=True)
        assert _seen(counted) == _seen(plain), number
        if _asks_a_page_there_is(number, plain.paginator.num_pages):
            assert counted_queries == 1, number  # the count and the keys at once
        else:  # past the last page: the guess read nothing, then as a plain page
            assert counted_queries <= plain_queries + 1, number


def _asks_a_page_there_is(number, pages: int) -> bool:
    """As ``Paginator.get_page`` reads it: not an integer is the first page."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return 1 <= int(number) <= pages
    except (TypeError, ValueError):
        return True


def _by_python(user, unit) -> set[int]:
    supported = set(TaskSupport.objects.filter(unit=unit).values_list("task_id", flat=True))
    return {
        task.pk
        for task in Task.objects.select_related("task_list__campaign")
        if (task.lead_unit_id == unit.pk or task.pk in supported)
        and task.task_list.published_at is not None
        and task.task_list.is_work
        and task.task_list.campaign.status != Campaign.Status.ARCHIVED
    }


def test_my_tasks_are_the_tasks_the_unit_leads_or_supports(world):
    second = TaskListFactory(campaign=world.other_campaign)
    led = TaskFactory(task_list=second, lead_unit=world.support)
    supported = TaskFactory(task_list=second, lead_unit=world.other)
    TaskSupport.objects.create(task=supported, unit=world.lead)
    TaskSupport.objects.create(task=supported, unit=world.support)
    TaskFactory(task_list=second, lead_unit=world.other)  # neither
    archived = CampaignFactory(name="归档行动")
    old = TaskFactory(task_list=TaskListFactory(campaign=archived), lead_unit=world.lead)
    archived.status = Campaign.Status.ARCHIVED
    archived.save()

    for user in (world.lead_staff, world.lead_head, world.support_staff, world.other_staff):
        found = set(
            tasks_for_user(user=user, filters=TaskFilters(), page=True).values_list("pk", flat=True)
        )
        assert found == _by_python(user, user.unit), user
    assert {led.pk, supported.pk} <= set(
        tasks_for_user(user=world.support_staff, page=True).values_list("pk", flat=True)
    )
    assert old.pk not in set(
        tasks_for_user(user=world.lead_staff, page=True).values_list("pk", flat=True)
    )


OLD_CONFIRM_ROWS = Template(
    "{% load i18n %}<tbody>{% for r in to_confirm %}\n"
    '      <tr data-testid="to-confirm-row">\n'
    '        <td data-label="{% translate \'Task\' %}" class="title"><a href="{% url '
    "'tasks:detail' r.task_id %}\">{{ r.task.code }}. {{ r.task.title }}</a><br>"
    '<small class="muted">{{ r.task.task_list.campaign }}</small></td>\n'
    "        <td data-label=\"{% translate 'Reported by' %}\">{{ r.submitted_by }}<br>"
    '<small class="muted"><time>{{ r.submitted_at|date:"Y-m-d H:i" }}</time></small></td>\n'
    "        <td data-label=\"{% translate 'Progress' %}\">{{ r.percent }}%</td>\n"
    "        <td data-label=\"{% translate 'What was done' %}\">{{ r.text|truncatechars:80 }}"
    "</td>\n      </tr>{% endfor %}</tbody>"
    '{% for r in to_confirm %}<input type="hidden" name="report" value="{{ r.pk }}">'
    "{% endfor %}"
)
NEW_CONFIRM_ROWS = Template(
    "{% load confirming %}<tbody>{% confirm_rows to_confirm %}</tbody>"
    "{% confirm_inputs to_confirm %}"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_reports_to_confirm_are_drawn_as_the_template_drew_them(world, language):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    task = TaskFactory(
        task_list=world.task_list, lead_unit=world.lead, code="A&<1>", title='标题 <b>"x"</b>'
    )
    authors = [
        world.lead_staff,  # a display name
        UserFactory(unit=world.lead, display_name="", first_name="三", last_name="张"),
        UserFactory(unit=world.lead, display_name="", username="only<user>"),
    ]
    texts = ["已完成。", "长" * 81, "a < b & c > \"d\" 'e'", "Cafe\u0301 " * 30, "短"]
    for n, text in enumerate(texts):
        report_submit(
            task=task if n % 2 else world.task,
            by=authors[n % len(authors)],
            text=text,
            percent=10 * n,
            submitted_at=timezone.now() - datetime.timedelta(hours=n, minutes=7),
        )
    models = list(reports_to_confirm(user=world.lead_head))
    assert len(models) == len(texts)

    with translation.override(language):
        expected = OLD_CONFIRM_ROWS.render(Context({"to_confirm": models}))
        with CaptureQueriesContext(connection) as ctx:
            rows = confirm_rows(user=world.lead_head)
            drawn = NEW_CONFIRM_ROWS.render(Context({"to_confirm": rows}))
    assert drawn == expected
    assert len(ctx.captured_queries) == 1
    assert "&lt;b&gt;" in drawn and "张" in drawn and "only&lt;user&gt;" in drawn
