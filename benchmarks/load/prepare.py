"""The data the load runs against: the demo, plus 10,000 generated tasks in a campaign of
their own, and one reporting account per busy unit (``load00`` …), each with the demo password.

Built once into the database DATABASE_URL names (emptied first); every run copies it
(``createdb -T``), so each run starts from the same state."""

from __future__ import annotations

import datetime

ACCOUNT_PREFIX = "load"
ACCOUNTS = 60
CAMPAIGN_SLUG = "load-monday"
ROWS = 10_000


def prepare(rows: int = ROWS) -> None:
    from benchmarks._database import fresh_database

    fresh_database()
    from django.core.management import call_command

    from accounts.models import Unit, User
    from tasks.models import Task

    call_command("load_demo")
    busy = monday_campaign(
        rows,
        organiser=Unit.objects.get(name="区营商环境建设办公室"),
        coordinators=[User.objects.get(username="coordinator")],
    )
    settle()
    print(
        f"prepared: {Task.objects.count()} tasks, {Unit.objects.count()} units, "
        f"{busy} reporting accounts"
    )


def settle(vacuum: bool = True) -> None:
    """The planner's statistics (and the visibility map) as autovacuum leaves them soon after
    such writes. This machine's PostgreSQL runs with autovacuum off: a template built here
    was never analyzed, and every query was planned on default guesses (4,421 tasks of a list
    estimated at 24; the cockpit's backend 60 ms of CPU instead of 8)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def monday_campaign(rows: int, *, organiser, coordinators, accounts: int = ACCOUNTS) -> int:
    """The campaign of ``rows`` generated tasks (imported and published), a reporting account
    for each of the ``accounts`` busiest units, each unit's tasks acknowledged; how many
    accounts. ``prepare`` builds it beside the demo; the scale-out test
    (tests/faults/test_scale_out.py) builds a small one on its own."""
    from django.conf import settings
    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts.models import Role, Unit
    from accounts.services import user_ensure
    from benchmarks.generate import reform_workbook
    from campaigns.models import TaskList
    from campaigns.services import campaign_ensure
    from campaigns.services.imports import tasklist_import
    from tasks.models import Task

    today = timezone.localdate()
    campaign = campaign_ensure(
        slug=CAMPAIGN_SLUG,
        name="全区营商环境改革攻坚行动",
        year=today.year,
        organiser=organiser,
        coordinators=coordinators,
        start_date=today - datetime.timedelta(days=60),
        end_date=datetime.date(today.year + 1, 12, 31),
    )
    report = tasklist_import(
        campaign=campaign,
        data=reform_workbook(rows, seed=15),
        filename="reform-10k.xlsx",
        list_name="改革攻坚任务清单（全区）",
        list_kind=TaskList.Kind.REFORM,
        create_units=True,
        deadlines_in_campaign_year=True,
        publish=True,
    )
    assert not report.errors, report.errors[:3]
    busy = (
        Unit.objects.annotate(
            led=Count("led_tasks", filter=Q(led_tasks__status=Task.Status.IN_PROGRESS))
        )
        .filter(led__gt=0)
        .order_by("-led", "pk")[:accounts]
    )
    for n, unit in enumerate(busy):
        user_ensure(
            username=f"{ACCOUNT_PREFIX}{n:02d}",
            password=settings.DEMO_PASSWORD,
            unit=unit,
            roles=[Role.STAFF],
            display_name=f"{unit.name}联络员",
            email=f"{ACCOUNT_PREFIX}{n:02d}@load.qingdan.local",
        )
    acknowledge_all(campaign)
    return len(busy)


def acknowledge_all(campaign) -> int:
    """Each load account's unit acknowledged (签收) its tasks of the big list when it was
    listed, as the demo's units did theirs: on a Monday the list is weeks old."""
    from accounts.models import User
    from tasks.models import Task
    from tasks.services import tasks_acknowledge

    count = 0
    for user in User.objects.filter(username__startswith=ACCOUNT_PREFIX, unit__isnull=False):
        ids = Task.objects.filter(task_list__campaign=campaign, lead_unit_id=user.unit_id)
        count += tasks_acknowledge(by=user, task_ids=list(ids.values_list("pk", flat=True)))
    return count
