"""The demo: two campaigns built from the sample lists governments publish, with history.

Run by ``python manage.py load_demo`` (and by ``python3 dev.py run``). The published lists in
``demo/data/`` go through the import engine like any upload (``tasklist_import``); everything
the demo does afterwards (deadlines moved into our time, past reports, closed tasks, requests
and instructions) goes through the task services, dated when it is meant to have happened
(``events_dated``), so the monthly reviews of past months read a true history. Each imported
list lands as a draft, as every import does, and the demo publishes it at once
(``task_list_publish``), as a coordinator would after reviewing it. Idempotent:
units, users and campaigns are matched by name, and a list that exists already is left
alone, so a second run adds nothing and takes a second. The inspection round and the
measures register are built by ``demo.mechanisms``, the 揭榜挂帅 calls and the problem ledger
by ``demo.calls_and_problems``.
"""

import datetime
import random
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Unit, User
from accounts.services import guess_unit_kind, unit_ensure, user_ensure
from campaigns.importing.deadlines import parse_deadline
from campaigns.models import Campaign, TaskList
from campaigns.services import campaign_ensure
from campaigns.services.drafts import task_list_publish
from campaigns.services.imports import tasklist_import
from cockpit.services import snapshots_backfill
from demo.calls_and_problems import build_calls_and_problems
from demo.content import (
    ALIASES,
    APPROVAL,
    DISTRICT,
    OBSTACLES,
    OFFICE,
    OTHER_NAMES,
    REPORT_LINES,
)
from demo.corrections import corrected
from demo.mechanisms import build_mechanisms
from tasks.models import Instruction, Task, TaskRequest
from tasks.services import (
    events_dated,
    instruction_give,
    report_record,
    request_create,
    task_update,
    tasks_acknowledge,
)

DATA = Path(__file__).resolve().parent / "data"  # copies of the published sample lists
SAMPLE_YEAR = 2020  # the year the new-area lists were published


class DemoDataError(Exception):
    """A data file of the demo did not import cleanly (the engine's first error says why)."""


@dataclass
class DemoResult:
    units: int
    users: int
    tasks_created: int


def _rng(*parts) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


class DemoBuilder:
    def __init__(self, *, password: str, today: datetime.date | None = None):
        self.password = password
        self.today = today or timezone.localdate()
        self.units: dict[str, Unit] = {}
        self.liaisons: dict[int, User] = {}
        self.created = 0

    # --- directory ------------------------------------------------------------------------
    def unit(self, name: str) -> Unit:
        if name not in self.units:
            self.units[name] = unit_ensure(
                name=name,
                kind=guess_unit_kind(name),
                parent=self.district,
                aliases=ALIASES.get(name) or OTHER_NAMES.get(name) or (),
            )
        return self.units[name]

    def build_directory(self) -> None:
        self.district = unit_ensure(name=DISTRICT, kind=Unit.Kind.DISTRICT)
        self.units[DISTRICT] = self.district
        for name in (OFFICE, APPROVAL, "区政府办公室", "区委督查室", *ALIASES, *OTHER_NAMES):
            self.unit(name)

    def build_users(self) -> int:
        office, approval = self.unit(OFFICE), self.unit(APPROVAL)
        government = self.unit("区政府办公室")
        people = [
            ("coordinator", office, [Role.COORDINATOR], "王协调"),
            ("leader", government, [Role.LEADER], "李区长"),
            ("staff", approval, [Role.STAFF], "张联络"),
            ("head", approval, [Role.HEAD], "赵局长"),
            ("auditor", government, [Role.AUDITOR], "审计管理员"),
            ("sysadmin", government, [Role.SYSADMIN], "系统管理员"),
            ("secadmin", government, [Role.SECADMIN], "安全管理员"),
        ]
        for username, unit, roles, name in people:
            user = user_ensure(
                username=username,
                password=self.password,
                unit=unit,
                roles=roles,
                display_name=name,
                email=f"{username}@demo.qingdan.local",
            )
            if username == "staff":
                self.liaisons[approval.pk] = user
        return len(people)

    def liaison(self, unit: Unit) -> User:
        """The person who reports for a unit in the demo history."""
        if unit.pk not in self.liaisons:
            user, created = User.objects.get_or_create(
                username=f"liaison{unit.pk}",
                defaults={"unit": unit, "display_name": f"{unit.name}联络员"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.roles.create(role=Role.STAFF)
            self.liaisons[unit.pk] = user
        return self.liaisons[unit.pk]

    # --- lists ----------------------------------------------------------------------------
    def import_list(
        self, campaign: Campaign, name: str, kind: str, filename: str, *, year: int
    ) -> TaskList:
        """Import a published list through the import engine and publish it (as a
        coordinator would after reviewing the draft), then move its deadlines into our time
        and give its tasks a history. Units the list names are created as an import with
        "create units" would (kind from the name, under the district)."""
        existing = TaskList.objects.filter(campaign=campaign, name=name).first()
        if existing is not None:
            return existing
        with events_dated(self.listed_at(campaign)):
            report = tasklist_import(
                campaign=campaign,
                data=corrected(filename, (DATA / filename).read_bytes()),
                filename=filename,
                by=None,
                list_name=name,
                list_kind=kind,
                dry_run=False,
                create_units=True,
                accept_suggestions=False,
            )
            if report.errors or report.result is None:
                message = report.errors[0].message if report.errors else "nothing imported"
                raise DemoDataError(f"{filename}: {message}")
            task_list = task_list_publish(task_list=report.result.task_list, by=None)
            tasks = list(task_list.tasks.select_related("lead_unit").order_by("order", "id"))
            for task in tasks:
                self.move_deadline(task, year=year)
        for task in tasks:
            self.created += 1
            if task_list.is_work:  # questions and measures get no reports
                self.add_history(task)
        return task_list

    def move_deadline(self, task: Task, *, year: int) -> None:
        """The samples' deadlines lie years back: move them by whole days so that the middle of
        their year (30 September) falls three weeks from today (some red, some yellow, most
        green). A deadline written without a year (6月底前) belongs to the list's year, not to
        the campaign's, so the text as written is read again with the sample's year."""
        if task.deadline is None:
            return
        date = parse_deadline(task.deadline_text or task.deadline, default_year=year).date
        if date is None:
            return
        shift = (self.today + datetime.timedelta(days=21) - datetime.date(year, 9, 30)).days
        date += datetime.timedelta(days=shift)
        task_update(
            task=task,
            by=None,
            deadline=date,
            deadline_text=f"{date.year}年{date.month}月{date.day}日前",
        )

    def listed_at(self, campaign: Campaign) -> datetime.datetime:
        """When the demo's tasks were listed (imported and published): the morning their
        campaign started, so that the reviews of past months judge them (a task created
        later did not exist then)."""
        start = datetime.datetime.combine(campaign.start_date, datetime.time(9, 0))
        return timezone.make_aware(start)

    def acknowledge(self, task: Task) -> None:
        """签收: the lead unit acknowledged the task within a day of its listing, except a
        few that nobody did (flagged on the campaign page, and reminded once)."""
        rng = _rng("acknowledged", task.task_list_id, task.code)
        if task.handed_over_at is None or rng.random() < 0.04:
            return
        with events_dated(task.handed_over_at + datetime.timedelta(hours=rng.randint(1, 20))):
            tasks_acknowledge(by=self.liaison(task.lead_unit), task_ids=[task.pk])

    def add_history(self, task: Task) -> None:
        """Reports over past weeks, and a few tasks closed or awaiting sign-off."""
        self.acknowledge(task)
        rng = _rng(task.task_list_id, task.code)
        weeks = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8])
        percent = 0
        reporter = self.liaison(task.lead_unit)
        for week in range(weeks, 0, -1):
            percent = min(100, percent + rng.choice([5, 10, 15, 20, 25]))
            at = timezone.now() - datetime.timedelta(weeks=week, hours=rng.randint(0, 72))
            report_record(
                task=task,
                by=reporter,
                unit=task.lead_unit,
                text=rng.choice(REPORT_LINES),
                percent=percent,
                obstacles=rng.choice(OBSTACLES),
                next_steps="按计划推进下一阶段工作。",
                submitted_at=at,
            )
        if percent >= 100:
            closed = rng.random() < 0.7
            with events_dated(at + datetime.timedelta(hours=2)):  # after the last report
                task_update(
                    task=task,
                    by=reporter,
                    status=Task.Status.CLOSED if closed else Task.Status.AWAITING_SIGNOFF,
                )

    # --- campaigns ------------------------------------------------------------------------
    def build(self) -> DemoResult:
        self.build_directory()
        users = self.build_users()
        coordinator = User.objects.get(username="coordinator")
        year = self.today.year
        new_area = campaign_ensure(
            slug="new-area-ecosystem",
            name="打造精简高效政务新生态改革攻坚行动",
            year=year,
            organiser=self.unit(OFFICE),
            coordinators=[coordinator],
            start_date=self.today - datetime.timedelta(days=180),
            end_date=datetime.date(year + 1, 12, 31),
            description="一周一调度、一月一认定、销号管理、跟踪问效。",
            requires_head_confirmation=True,
        )
        lists = [
            ("改革攻坚任务清单", TaskList.Kind.REFORM, "reform-tasks.xlsx"),
            ("涉企惠企政策落实清单", TaskList.Kind.POLICY, "policies.xlsx"),
            ("高频和重点民生服务事项优化清单", TaskList.Kind.SERVICE, "service-items.xlsx"),
        ]
        # The supervision checklist and the measures are published lists too: imported the
        # same way, but their lines are questions and measures, not work.
        lists += [
            ("督查检查“100个是否”清单", TaskList.Kind.CHECKLIST, "supervision-checklist.xlsx"),
            ("激励惩戒措施清单", TaskList.Kind.MEASURE, "incentive-measures.xlsx"),
        ]
        imported = []
        for name, kind, filename in lists:  # in this order: each list's place follows
            with transaction.atomic():
                imported.append(self.import_list(new_area, name, kind, filename, year=SAMPLE_YEAR))
        checklist = imported[3]

        action = campaign_ensure(
            slug="institution-year-action",
            name="“制度执行年”行动攻坚清单暨“揭榜挂帅”榜单",
            year=year,
            organiser=self.unit("区委督查室"),
            coordinators=[coordinator],
            start_date=self.today - datetime.timedelta(days=120),
            end_date=datetime.date(year, 12, 31),
        )
        with transaction.atomic():
            # The list as published: two indicator groups (可办率, 使用率) per task.
            self.import_list(
                action,
                "区级攻坚清单",
                TaskList.Kind.REFORM,
                "campaign-targets-paired.xlsx",
                year=2022,
            )
        self.build_workflow()
        build_mechanisms(self, checklist=checklist, coordinator=coordinator)
        build_calls_and_problems(self, action=action, new_area=new_area, coordinator=coordinator)
        # The cockpit's trend: each past week as the history says it stood (weeks already
        # stored are left alone).
        for campaign in (new_area, action):
            snapshots_backfill(campaign=campaign)
        return DemoResult(units=Unit.objects.count(), users=users, tasks_created=self.created)

    def build_workflow(self) -> None:
        """A few requests and instructions, so the queue and the flags have something to show."""
        if TaskRequest.objects.exists() or Instruction.objects.exists():
            return
        staff = User.objects.get(username="staff")
        leader = User.objects.get(username="leader")
        coordinator = User.objects.get(username="coordinator")
        mine = list(
            Task.objects.work()
            .filter(lead_unit=staff.unit, status=Task.Status.IN_PROGRESS)
            .select_related("task_list__campaign")
            .order_by("task_list__order", "order")[:4]
        )
        if len(mine) < 4:
            return
        evidence = ContentFile(b"%PDF-1.4\n% demo evidence\n", name="验收材料.pdf")
        request_create(
            task=mine[0],
            by=staff,
            kind=TaskRequest.Kind.CLOSEOUT,
            reason="已按要求全部完成，附验收材料，申请销号。",
            files=[evidence],
        )
        request_create(
            task=mine[1],
            by=staff,
            kind=TaskRequest.Kind.EXTENSION,
            reason="需市级系统对接，申请延期。",
            proposed_deadline=max(mine[1].deadline or self.today, self.today)
            + datetime.timedelta(days=60),
        )
        instruction_give(task=mine[2], by=leader, text="请于本周五前报送最新进展，加快推进。")
        instruction_give(task=mine[3], by=coordinator, text="请补充佐证材料。")


def demo_load(*, password: str, today: datetime.date | None = None) -> DemoResult:
    return DemoBuilder(password=password, today=today).build()
