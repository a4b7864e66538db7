"""The demo, built once for the module (about 20 s: every list through the import engine, with
its history); each test runs in its own transaction rolled back to the built demo."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Unit, User
from campaigns.models import Campaign, Category, TaskList
from challenges.models import Assessment, Bid, Call, CallEvent
from cockpit.models import WeekSnapshot
from cycles import schedule
from cycles.services import review_open
from demo.services import DATA
from inspections.models import (
    Answer,
    AnswerEvent,
    AnswerFile,
    InspectionRound,
    Rectification,
    Value,
)
from measures.models import Application, ApplicationEvent, Measure, MeasureKind, MeasureRule
from measures.selectors import register
from problems.models import Problem, ProblemEvent
from problems.selectors import problem_counts
from tasks.models import Instruction, ProgressReport, Target, Task, TaskEvent, TaskRequest
from tasks.selectors import tasks_for_user

# One process loads the demo once for all of them (27 s each time on the 2-core machine)
# instead of each test process loading it for its share.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

PASSWORD = "demo-pass-1"
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


@pytest.fixture(autouse=True)
def media_in_tmp(module_db):
    """The demo's evidence file stays in the module's media folder for every test."""


@pytest.fixture(scope="module", autouse=True)
def demo(module_db):
    call_command("load_demo", password=PASSWORD)


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            *(Unit, User, Campaign, TaskList, Category, Task, ProgressReport, TaskEvent),
            *(InspectionRound, Answer, AnswerEvent, AnswerFile, Rectification),
            *(Measure, Application, ApplicationEvent, WeekSnapshot),
            *(Call, Bid, Assessment, CallEvent, Problem, ProblemEvent),
        )
    }


def test_demo_data_files_are_the_published_samples():
    for path in DATA.iterdir():
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), path.name


def test_demo_builds_both_campaigns_and_a_second_run_adds_nothing(client):
    first = counts()

    call_command("load_demo", password=PASSWORD)

    assert counts() == first
    new_area = Campaign.objects.get(slug="new-area-ecosystem")
    lists = {tl.kind: tl for tl in new_area.lists.all()}
    reform = lists["reform"]
    assert reform.tasks.count() == 294
    assert reform.categories.count() == 17
    assert lists["service"].tasks.count() == 162
    assert lists["service"].categories.count() == 15
    assert lists["policy"].tasks.count() == 120
    assert lists["checklist"].tasks.count() == 100
    assert lists["checklist"].categories.count() == 5
    assert lists["measure"].tasks.count() == 10
    assert lists["measure"].categories.count() == 3
    # Those two lists came from their published samples too, and their lines got no work
    # history: no report, no moved deadline (a measure's kind and rule set by the
    # coordinator is its only change).
    for kind in ("checklist", "measure"):
        events = TaskEvent.objects.filter(task__task_list=lists[kind])
        assert events.filter(kind="imported").count() == lists[kind].tasks.count()
        assert not events.filter(kind="report_submitted").exists()
        assert not events.filter(after__has_key="deadline").exists()
        assert not lists[kind].tasks.exclude(deadline=None).exists()
        assert lists[kind].source_document.endswith(".xlsx")
    # The published lists came through the import engine.
    assert TaskEvent.objects.filter(task__task_list=reform, kind="imported").count() == 294
    action = Campaign.objects.get(slug="institution-year-action").lists.get()
    # The ten published tasks, and the one a 揭榜挂帅 call's award added (see below).
    published = Task.objects.filter(task_list=action, claimed=False)
    assert published.count() == 10 and action.tasks.filter(claimed=True).count() == 1
    assert published.filter(targets__isnull=False).distinct().count() == 10
    # Every indicator the lists publish is a target: two per service item, and the action
    # list's second group (使用率) beside its first.
    assert Target.objects.filter(task__task_list=lists["service"]).count() == 324
    assert Target.objects.filter(task__in=published).count() == 12
    # Questions and measures are not work: no light, no report.
    for kind in ("checklist", "measure"):
        assert not ProgressReport.objects.filter(task__task_list=lists[kind]).exists()
    assert published.filter(supports__isnull=False).distinct().count() == 10
    # Every page has something to show: reports over past weeks, and all three lights.
    assert ProgressReport.objects.values("period_start").distinct().count() >= 4
    lights = {task.light.light for task in Task.objects.all()}
    assert {"red", "yellow", "green"} <= lights
    assert Task.objects.filter(status=Task.Status.CLOSED).exists()
    # The coordinator's queue and the staff's flags have something in them.
    assert TaskRequest.objects.filter(status=TaskRequest.Status.PENDING).count() == 2
    assert Instruction.objects.filter(answered_at__isnull=True).count() == 2

    # One login per role, with the password given.
    for username in ("coordinator", "leader", "staff", "head", "auditor", "sysadmin", "secadmin"):
        assert client.login(username=username, password=PASSWORD), username
        client.logout()
    staff = User.objects.get(username="staff")
    assert staff.unit.name == "区行政审批服务局"
    assert User.objects.get(username="head").unit == staff.unit


def test_every_line_of_last_months_reviews_shows_the_last_report_before_month_end():
    now = timezone.now()
    lines = 0
    for campaign in Campaign.objects.all():
        month = schedule.previous_month(schedule.local_date(now, campaign.schedule_timezone))
        _start, end = schedule.month_bounds(month, campaign.schedule_timezone)
        review = review_open(campaign=campaign, month=month, now=now)
        for item in review.items.select_related("task"):
            last = item.task.reports.filter(submitted_at__lt=end).order_by("-submitted_at").first()
            assert item.progress == (last.percent if last else 0), item.task
            lines += 1
    # Every task of the work lists (294 reform tasks, 120 policies, 162 service items and the
    # district's 10): the checklist's 100 questions and the 10 measures are not rated, and the
    # rectification tasks the demo's inspection round created today, and the task awarded on
    # a call today, did not exist last month.
    work = (
        Task.objects.work()
        .exclude(task_list__kind=TaskList.Kind.RECTIFICATION)
        .exclude(claimed=True)
    )
    assert lines == 586 == work.count()


def test_the_checklist_has_an_open_round_answered_verified_and_rectified():
    checklist = TaskList.objects.get(kind=TaskList.Kind.CHECKLIST)
    round_ = InspectionRound.objects.get(checklist=checklist)
    assert round_.is_open
    assert (round_.due_date - timezone.localdate()).days == 14
    answers = Answer.objects.filter(round=round_)
    values = {value for value in answers.values_list("value", flat=True) if value}
    assert values == {Value.YES, Value.NO, Value.NA}
    assert answers.exclude(note="").exists()
    assert AnswerFile.objects.filter(answer__round=round_).exists()
    assert answers.filter(verification=Answer.Verification.OVERTURNED).count() == 1
    assert answers.filter(verification=Answer.Verification.CONFIRMED).count() > 1
    assert answers.filter(value__gt="", verification="").exists()  # self-reported only
    # Every verified 否 became one rectification task of its unit, the staff's unit among them.
    assert Rectification.objects.count() == answers.filter(verified_value=Value.NO).count()
    staff = User.objects.get(username="staff")
    mine = tasks_for_user(user=staff).filter(task_list__kind=TaskList.Kind.RECTIFICATION)
    assert mine.exists()
    assert all(task.lead_unit_id == staff.unit_id for task in mine)
    # ... and the staff still has questions to answer.
    assert answers.filter(unit=staff.unit, value="").exists()
    assert answers.filter(unit=staff.unit).exclude(value="").exists()
    # The README's figures: 29 units named, 27 questions for the staff's bureau, five
    # rectification tasks, three of them the staff's.
    assert round_.units.count() == 29
    assert answers.filter(unit=staff.unit).count() == 27
    assert (Rectification.objects.count(), mine.count()) == (5, 3)


def test_the_measures_are_set_and_the_register_has_hand_applied_measures():
    campaign = Campaign.objects.get(slug="new-area-ecosystem")
    measures = {m.line.title: m for m in Measure.objects.select_related("line")}
    assert len(measures) == 10
    assert measures["月度“红榜”通报表扬"].rule == MeasureRule.TOP_SCORE
    assert measures["约谈问责"].rule == MeasureRule.BEHIND_RUNNING
    assert measures["月度“黑榜”通报批评"].kind == MeasureKind.CRITICISM
    coordinator = User.objects.get(username="coordinator")
    rows = register(user=coordinator, campaign=campaign)
    assert rows.count() >= 2
    assert all(row.status == Application.Status.APPLIED and row.grounds for row in rows)
    assert rows.filter(person__username="staff").exists()


def test_administrators_get_the_directory_in_admin_but_no_task_content(client):
    client.login(username="sysadmin", password=PASSWORD)
    assert client.get("/admin/accounts/unit/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/tasks/task/").status_code == 403
    assert client.get("/admin/tasks/taskevent/").status_code == 403
    client.logout()

    client.login(username="secadmin", password=PASSWORD)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/unit/").status_code == 403
    client.logout()

    client.login(username="staff", password=PASSWORD)
    assert client.get("/admin/").status_code == 302  # to the admin login: not staff


def test_administrators_cannot_raise_their_own_privileges(client):
    from accounts.models import UserRole

    secadmin = User.objects.get(username="secadmin")
    sysadmin = User.objects.get(username="sysadmin")
    staff = User.objects.get(username="staff")

    client.login(username="secadmin", password=PASSWORD)
    own = client.get(f"/admin/accounts/user/{secadmin.pk}/change/")
    assert own.status_code in (302, 403) or 'name="is_superuser"' not in own.content.decode()
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    client.post(f"/admin/accounts/user/{secadmin.pk}/change/", {"is_superuser": "on"})
    secadmin.refresh_from_db()
    assert not secadmin.is_superuser
    client.logout()

    client.login(username="sysadmin", password=PASSWORD)
    # Roles are edited inline on the user page: read-only for the system administrator.
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="roles-0-role"' not in page
    assert not UserRole.objects.filter(user=sysadmin, role="leader").exists()


def test_most_units_acknowledged_their_tasks_within_a_day_and_a_few_did_not():
    handed = Task.objects.work().filter(handed_over_at__isnull=False)
    waiting = Task.objects.awaiting_acknowledgement()
    acknowledged = handed.filter(acknowledged_at__isnull=False)
    assert handed.count() > 500
    assert 0 < waiting.count() < handed.count() // 10
    assert (
        TaskEvent.objects.filter(kind=TaskEvent.Kind.ACKNOWLEDGED).count() == acknowledged.count()
    )
    for task in acknowledged[:50]:
        assert (
            task.handed_over_at
            < task.acknowledged_at
            <= task.handed_over_at + datetime.timedelta(hours=24)
        )


def test_the_demo_has_no_duplicate_bureaus_and_every_list_is_published():
    from accounts.unitnames import lookalike_pairs
    from campaigns.models import ListImport

    names = list(Unit.objects.filter(active=True).values_list("name", flat=True))

    assert lookalike_pairs(names, names) == []
    # The sample lists' other names of a bureau resolve to its one unit.
    for name in ("区住房和城乡建设局", "区医保局", "区卫生健康委员会", "区发展和改革委员会"):
        assert not Unit.objects.filter(name=name).exists(), name
    assert not TaskList.objects.filter(published_at__isnull=True).exists()
    assert set(ListImport.objects.values_list("status", flat=True)) == {ListImport.Status.DONE}
    assert not Task.objects.filter(status=Task.Status.DRAFT).exists()


def test_the_action_list_has_an_awarded_call_an_open_one_and_the_seeds_problem_ledger(client):
    action = Campaign.objects.get(slug="institution-year-action")
    staff = User.objects.get(username="staff")
    awarded, open_call = Call.objects.filter(campaign=action).order_by("number")
    assert (awarded.status, open_call.status) == (Call.Status.AWARDED, Call.Status.OPEN)
    bids = {bid.unit.name: bid for bid in awarded.bids.select_related("unit", "task")}
    assert {name: bid.status for name, bid in bids.items()} == {
        "区行政审批服务局": Bid.Status.AWARDED,
        "区市场监管局": Bid.Status.NOT_AWARDED,
        "区大数据局": Bid.Status.WITHDRAWN,
    }
    task = bids["区行政审批服务局"].task
    assert task.claimed and task.lead_unit == staff.unit and task.specific_owner == staff
    assert task in tasks_for_user(user=staff)
    assert [t.target_value for t in task.targets.all()] == [95, 1]
    assert Assessment.objects.filter(bid__call=awarded).count() == 4
    # The seed: 8 problems, 2 resolved, 2 transferred to the city, 4 in progress.
    counts = problem_counts(campaign=action)
    assert (counts.total, counts.resolved, counts.referred_city, counts.coordinating) == (
        8,
        2,
        2,
        4,
    )
    client.login(username="leader", password=PASSWORD)
    page = client.get(f"/problems/campaign/{action.slug}/").content.decode()
    assert 'data-testid="count-total">8<' in page and 'data-testid="count-resolved">2<' in page
    # The same counts on the campaign's cockpit, each a link to the ledger's own filter.
    cockpit = client.get(f"/cockpit/campaign/{action.slug}/").content.decode()
    section = cockpit.split('data-testid="problem-totals"', 1)[1].split("</div>\n</div>", 1)[0]
    assert re.findall(r'data-problems="(\d+)"', section)[:5] == ["8", "0", "4", "2", "2"]
    assert f'href="/problems/campaign/{action.slug}/?state=referred" data-problems="2"' in section
    # A discipline matter went to 区纪委监委 as a problem; no task is led by that body.
    discipline = Unit.objects.get(name="区纪委监委")
    assert discipline.kind == Unit.Kind.SUPERVISION
    referred = Problem.objects.get(referral=Problem.Referral.DISCIPLINE)
    assert referred.referred_to == "区纪委监委" and referred.referral_answer
    assert not Task.objects.filter(lead_unit=discipline).exists()
    assert Task.objects.filter(supports__unit=discipline).exists()


def test_the_cockpit_has_a_trend_from_the_history_and_the_leader_lands_on_it(client):
    new_area = Campaign.objects.get(slug="new-area-ecosystem")
    weeks = list(WeekSnapshot.objects.filter(campaign=new_area).order_by("week_start"))
    # Every week since the campaign started (180 days ago) has closed except this one.
    assert len(weeks) >= 24
    assert {w.source for w in weeks} == {"history"}
    # The demo's reports fall in the last eight weeks; their reporting shows in the trend.
    assert any(w.reported for w in weeks[-8:]) and not any(w.reported for w in weeks[:-10])
    assert all(w.owed for w in weeks)

    client.login(username="leader", password=PASSWORD)
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == "/cockpit/"
    page = client.get(f"/cockpit/campaign/{new_area.slug}/").content.decode()
    assert 'data-testid="trend"' in page and 'data-testid="heat-map"' in page
