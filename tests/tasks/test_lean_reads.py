"""The staff pages read and draw less (issues 9 and 15): the markup written in Python is the
templates' own, byte for byte, and the narrower reads cost no query more."""

import datetime

import pytest
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.widgets import (
    QuickCheckboxInput,
    QuickDateInput,
    QuickHiddenInput,
    QuickNumberInput,
    QuickTextarea,
    QuickTextInput,
    TemplateSelect,
)
from tasks.acknowledgements import awaiting_summary
from tasks.forms import MultipleFileInput, ReportForm
from tasks.models import ProgressReport, Target, Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

ATTRS = [None, {"id": "id_f", "required": True, "aria-invalid": "true", "disabled": False}]


@pytest.mark.parametrize(
    ("django_widget", "quick_widget", "values"),
    [
        (
            forms.Textarea(attrs={"rows": 4}),
            QuickTextarea(attrs={"rows": 4}),
            ["", None, 'a<b>&"x', "两行\n文本"],
        ),
        (
            forms.NumberInput(attrs={"min": 0, "max": 100}),
            QuickNumberInput(attrs={"min": 0, "max": 100}),
            [None, 0, 50, '7<"'],
        ),
        (forms.HiddenInput(), QuickHiddenInput(), [None, 3, 'x"y']),
        (
            forms.TextInput(attrs={"maxlength": 100}),
            QuickTextInput(attrs={"maxlength": 100}),
            [None, "", "验收", 'a<b>&"x'],
        ),
        (forms.CheckboxInput(), QuickCheckboxInput(), [None, "", True, False, "on", 'x"<']),
        (
            forms.DateInput(attrs={"type": "date"}),
            QuickDateInput(attrs={"type": "date"}),
            [None, datetime.date(2026, 1, 2), "bad<"],
        ),
        (
            forms.Select(choices=[("a", "甲"), ("b<", 'B"&'), ("c", "C")]),
            TemplateSelect(choices=[("a", "甲"), ("b<", 'B"&'), ("c", "C")]),
            [None, "", "a", "b<"],
        ),
    ],
)
def test_quick_widgets_write_the_markup_of_djangos_templates(django_widget, quick_widget, values):
    for value in values:
        for attrs in ATTRS:
            expected = django_widget.render("f", value, attrs)
            assert quick_widget.render("f", value, attrs) == expected


def test_the_evidence_input_writes_the_markup_of_djangos_template():
    class Reference(forms.ClearableFileInput):
        allow_multiple_selected = True

    quick = MultipleFileInput(attrs={"accept": ".pdf"})
    template = Reference(attrs={"accept": ".pdf"})
    for attrs in ATTRS:
        assert quick.render("files", None, attrs) == template.render("files", None, attrs)


def test_a_bound_report_form_keeps_what_was_typed_in_its_fields():
    form = ReportForm({"text": "已完成<改造>", "percent": "150", "version": "3"})
    assert not form.is_valid()
    assert 'value="150"' in str(form["percent"]) and 'aria-invalid="true"' in str(form["percent"])
    assert "已完成&lt;改造&gt;</textarea>" in str(form["text"])
    assert str(form["version"]) == '<input type="hidden" name="version" value="3" id="id_version">'


OLD_AWAITING_ROWS = Template(
    "{% load i18n %}{% for t in awaiting %}<li><a href=\"{% url 'tasks:detail' t.pk %}\">"
    '{{ t.code }} {{ t.title|truncatechars:50 }}</a> <small class="muted">'
    '{{ t.task_list.campaign }}</small>{% if t.acknowledgement_state == "overdue" %} '
    '<mark class="flag">{% translate "overdue" %}</mark>{% endif %}'
    '<input type="hidden" name="task" value="{{ t.pk }}"></li>{% endfor %}'
)
NEW_AWAITING_ROWS = Template("{% load acknowledging %}{% awaiting_rows awaiting %}")


def _awaiting_tasks(world) -> None:
    now = timezone.now()
    world.campaign.name = "改革<攻坚>行动"
    world.campaign.save()
    for n, (hours, title) in enumerate(
        [
            (1, "短"),
            (24 * 365, "一个很长的标题" * 12),
            (2, 'a<b>&"c'),
            (3, "五" * 50),
            (4, "六" * 51),
            (5, "Cafe\u0301 décomposé"),  # not in NFC: truncatechars gives it back in NFC
            (6, "e\u0301" * 30),  # 60 characters, 30 of them combining: not cut
        ],
        start=1,
    ):
        TaskFactory(
            task_list=world.task_list,
            lead_unit=world.lead,
            code=f"A{n}<",
            title=title,
            handed_over_at=now - datetime.timedelta(hours=hours),
        )


def test_the_awaiting_rows_are_the_templates_own(world):
    _awaiting_tasks(world)
    awaiting = awaiting_summary(user=world.lead_staff)
    assert len(awaiting.tasks) == 7
    models = {t.pk: t for t in Task.objects.select_related("task_list__campaign")}
    expected = OLD_AWAITING_ROWS.render(Context({"awaiting": [models[t.pk] for t in awaiting]}))
    assert '<mark class="flag">' in expected  # an overdue one
    assert "一个很长的标题" * 12 not in expected  # the long title cut short
    assert "六" * 51 not in expected and "五" * 50 + "<" in expected
    assert "Café" in expected and "Cafe\u0301" not in expected
    with CaptureQueriesContext(connection) as ctx:
        assert NEW_AWAITING_ROWS.render(Context({"awaiting": awaiting})) == expected
    assert not ctx.captured_queries  # the rows hold their lists' and campaigns' names


def test_the_awaiting_box_reads_its_tasks_with_their_lists_and_count_in_one_query(world):
    _awaiting_tasks(world)
    with CaptureQueriesContext(connection) as ctx:
        awaiting = awaiting_summary(user=world.lead_staff)
        [str(t.task_list.campaign) + t.acknowledgement_state for t in awaiting]
    assert len(ctx.captured_queries) == 1  # the tasks with list and campaign, and the count
    states = {t.pk: t.acknowledgement_state for t in Task.objects.filter(lead_unit=world.lead)}
    assert {t.pk: t.acknowledgement_state for t in awaiting} == {
        t.pk: states[t.pk] for t in awaiting
    }
    assert set(states.values()) >= {"pending", "overdue"}


def test_my_tasks_shows_the_awaiting_box_and_the_table_without_a_query_per_row(client, world):
    _awaiting_tasks(world)
    client.force_login(world.lead_staff)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("tasks:mine")).content.decode()
    few = len(ctx.captured_queries)
    assert html.count('name="task" value=') == 7
    assert "改革&lt;攻坚&gt;行动" in html
    for n in range(20):
        TaskFactory(
            task_list=world.task_list,
            lead_unit=world.lead,
            handed_over_at=timezone.now(),
            title=f"第{n}项",
        )
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("tasks:mine")).content.decode()
    assert len(ctx.captured_queries) == few
    assert html.count('name="task" value=') == 27


def _report(client, task, **extra):
    return client.post(
        reverse("tasks:report_submit", args=[task.pk]),
        {"text": "本周完成", "percent": 40, "version": task.version, **extra},
    )


def test_a_report_on_a_task_without_targets_reads_none(client, world):
    bare = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    client.force_login(world.lead_staff)
    with CaptureQueriesContext(connection) as ctx:
        assert _report(client, bare).status_code == 302
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if sql.startswith('SELECT "tasks_target"')]
    # the access check asked (after the person and their roles; the session too where it is
    # kept in the database, not in Redis)
    assert any('AS "has_targets"' in sql for sql in reads[2:4])
    assert ProgressReport.objects.filter(task=bare, percent=40).exists()


def test_a_report_on_a_task_with_targets_still_takes_their_values(client, world):
    client.force_login(world.lead_staff)
    field = f"target_{world.target.pk}"
    assert _report(client, world.task, **{field: "60"}).status_code == 302
    assert Target.objects.get(pk=world.target.pk).current_value == 60
    refused = _report(client, Task.objects.get(pk=world.task.pk), percent=150, **{field: "61"})
    assert refused.status_code == 400
    assert f'name="{field}"' in refused.content.decode()


FIELD_INCLUDE = Template('{% include "tasks/_field.html" with field=f %}')
FIELD_TAG = Template("{% load fields %}{% field_row f %}")


def _task_page_forms(world):
    from tasks.forms import AnswerForm, FollowupForm, InstructionForm, RequestForm

    targets = [Target.objects.get(pk=world.target.pk)]
    return [
        ReportForm(targets=targets, initial={"percent": 20, "version": 1}),
        ReportForm({"text": "", "percent": "150", "version": "x"}, targets=targets),
        RequestForm(initial={"version": 1}),
        RequestForm({"kind": "extension", "reason": "<b>理由</b>"}),
        InstructionForm(),
        InstructionForm({"text": "", "reply_by": "not a date"}),
        AnswerForm({"answer": ""}),
        FollowupForm({"finding": "x"}),
    ]


def test_field_row_writes_what_the_field_include_writes(world):
    from reporting.views import UploadForm

    seen = 0
    for form in [*_task_page_forms(world), UploadForm(), UploadForm({}, {})]:
        for field in form:
            context = Context({"f": field})
            assert FIELD_TAG.render(context) == FIELD_INCLUDE.render(context), field.name
            seen += 1
    assert seen > 30


def test_the_transfer_select_offers_the_units_its_queryset_holds(world):
    """RequestForm's units, read as (id, name) by a statement compiled once per process, are
    the options a ModelChoiceField over the same queryset draws, selected one included."""
    from config.widgets import QuickSelect
    from tasks.forms import RequestForm

    for data in (None, {"proposed_unit": str(world.other.pk)}):
        field = RequestForm(data)["proposed_unit"]
        plain = forms.ModelChoiceField(queryset=field.field.queryset, widget=QuickSelect)
        expected = plain.widget.render("proposed_unit", field.value(), {"id": "id_proposed_unit"})
        assert str(field) == expected
        assert str(world.other) in expected and str(world.lead) in expected


def test_the_prepared_reads_follow_the_visibility_rule_for_every_kind_of_person(world):
    """``VisibleTaskRead`` (the task page's and the report's read, compiled once per shape of
    person on PostgreSQL) finds a task exactly when ``access_task`` does, and 我的任务's lists
    are those of the tasks ``visible_tasks`` gives, for people of every role, with and
    without a unit, coordinating or not, inactive; a draft list's task too."""
    from django.http import Http404

    from accounts.models import Role
    from campaigns.models import TaskList
    from tasks.permissions import access_task, reader_key, reader_values, visible_tasks
    from tasks.task_page import VisibleTaskRead
    from tasks.views import _my_lists
    from tests.factories import TaskListFactory, UserFactory

    world.campaign.coordinators.add(world.coordinator)
    draft = TaskListFactory(campaign=world.campaign, published_at=None)
    tasks = [
        world.task,
        TaskFactory(task_list=draft, lead_unit=world.lead),
        TaskFactory(task_list=world.task_list, lead_unit=world.other),
    ]
    people = [
        world.lead_staff,
        world.lead_head,
        world.support_staff,
        world.other_staff,
        world.coordinator,
        world.other_coordinator,
        world.leader,
        world.auditor,
        UserFactory(username="no_unit", unit=None, roles=[Role.STAFF]),
        UserFactory(username="both", unit=world.other, roles=[Role.LEADER, Role.COORDINATOR]),
        UserFactory(username="gone", unit=world.lead, roles=[Role.STAFF], is_active=False),
    ]
    read = VisibleTaskRead(lambda: Task.objects.all())
    seen = set()
    for person in people:
        for task in tasks:
            try:
                expected = access_task(person, task.pk).pk
            except Http404:
                expected = None
            try:
                found = read(person, task.pk).pk
            except Http404:
                found = None
            assert found == expected, (person.username, task.pk)
            seen.add(expected is not None)
        if person.is_active:
            lists = TaskList.objects.filter(
                pk__in=visible_tasks(person).work().values("task_list_id")
            ).values_list("pk", "name")
            assert _my_lists.rows(*reader_key(person), **reader_values(person)) == list(lists)
    assert seen == {True, False}
