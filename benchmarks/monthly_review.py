"""Benchmark: open October's review late (5 November) for 10,000 tasks with half a year of
history, then render the review page as the coordinator.

    python benchmarks/monthly_review.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_bench \\
    python benchmarks/monthly_review.py

The database named by DATABASE_URL is emptied and rebuilt: point it at a throwaway one.
Each task gets a progress change every week from May to the first days of November (26 events),
a tenth of them a deadline change, and a tenth are closed on 3 November, so the month-end
state must come from the history. Prints the time and queries of opening the review and of
the first and last page. Goal: opening at most 10 s, queries in batches, not per task.

Then the unit ranking (赛马): every task gets a supporting unit, the campaign a formula that
uses every term, and the draft ranking, certifying, the bulletin, its workbook and one unit's
"why this score" are timed with their queries.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SH = ZoneInfo("Asia/Shanghai")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args()

    from benchmarks._database import fresh_database

    fresh_database()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()

    from accounts.models import Role, Unit, User, UserRole
    from campaigns.models import Campaign, TaskList
    from cycles.models import ReviewItem
    from cycles.services import review_open
    from tasks.models import Task, TaskEvent

    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    units = Unit.objects.bulk_create([Unit(name=f"区测试局{n}") for n in range(200)])
    coordinator = User.objects.create_user("coord", password="bench-pass", unit=units[0])
    UserRole.objects.create(user=coordinator, role=Role.COORDINATOR)
    campaign = Campaign.objects.create(
        name="基准行动",
        slug="bench",
        year=2026,
        organiser=units[0],
        start_date=datetime.date(2026, 1, 1),
        dispatch_enabled=False,
    )
    campaign.coordinators.add(coordinator)
    task_list = TaskList.objects.create(campaign=campaign, name="基准清单")
    closed_at = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SH)
    tasks = Task.objects.bulk_create(
        [
            Task(
                task_list=task_list,
                code=str(n),
                order=n,
                title=f"任务{n}",
                lead_unit=units[n % len(units)],
                deadline=datetime.date(2027, 6, 30),
                progress=100 if n % 10 == 0 else min(100, args.weeks * 3),
                status=Task.Status.CLOSED if n % 10 == 0 else Task.Status.IN_PROGRESS,
                closed_at=closed_at if n % 10 == 0 else None,
            )
            for n in range(args.tasks)
        ],
        batch_size=2000,
    )
    # Listed when the campaign started (a task created after October did not exist in it).
    Task.objects.filter(task_list=task_list).update(
        created_at=datetime.datetime(2026, 1, 1, 9, 0, tzinfo=SH)
    )
    # The last weekly change falls on 4 November, after the month being reviewed.
    first_week = datetime.datetime(2026, 11, 4, 9, 0, tzinfo=SH) - datetime.timedelta(
        weeks=args.weeks - 1
    )
    events = []
    for n, task in enumerate(tasks):
        for week in range(args.weeks):
            events.append(
                TaskEvent(
                    task=task,
                    kind=TaskEvent.Kind.UPDATED,
                    at=first_week + datetime.timedelta(weeks=week),
                    before={"progress": week * 3},
                    after={"progress": (week + 1) * 3},
                )
            )
        if n % 10 == 5:
            events.append(
                TaskEvent(
                    task=task,
                    kind=TaskEvent.Kind.UPDATED,
                    at=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SH),
                    before={"deadline": "2026-10-20"},
                    after={"deadline": "2027-06-30"},
                )
            )
        if n % 10 == 0:
            events.append(
                TaskEvent(
                    task=task,
                    kind=TaskEvent.Kind.UPDATED,
                    at=closed_at,
                    before={"status": "in_progress", "progress": args.weeks * 3},
                    after={"status": "closed", "progress": 100},
                )
            )
    TaskEvent.objects.bulk_create(events, batch_size=5000)
    print(
        f"built {args.tasks} tasks and {len(events)} events in "
        f"{time.perf_counter() - started:.1f} s"
    )

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        review = review_open(
            campaign=campaign,
            month=datetime.date(2026, 10, 1),
            now=datetime.datetime(2026, 11, 5, 9, 0, tzinfo=SH),
        )
        opened = time.perf_counter() - began
    items = ReviewItem.objects.filter(review=review)
    print(
        f"open review late: {opened:.2f} s for {items.count()} tasks, {len(queries)} queries; "
        f"{items.filter(proposed='not_completed').count()} overdue at month end"
    )

    client = Client()
    client.force_login(coordinator)
    for number in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(f"/cycles/reviews/{review.pk}/", {"page": number})
            took = time.perf_counter() - began
        print(
            f"review page {number}: {took * 1000:.0f} ms, {len(queries)} queries, "
            f"status {response.status_code}"
        )
    print("goal: open ≤ 10 s:", "met" if opened <= 10 else "NOT met")
    _ranking(client, review, coordinator, units)


def _timed(label: str, fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = fn()
        took = time.perf_counter() - began
    print(f"{label}: {took * 1000:.0f} ms, {len(queries)} queries")
    return result


def _ranking(client, review, coordinator, units) -> None:
    from decimal import Decimal

    from cycles.services import ranking_formula_update, review_certify, review_confirm_all
    from tasks.models import TaskSupport

    TaskSupport.objects.bulk_create(
        [
            TaskSupport(task_id=task_id, unit=units[(n + 1) % len(units)])
            for n, task_id in enumerate(
                review.items.order_by("task_id").values_list("task_id", flat=True)
            )
        ],
        batch_size=5000,
    )
    values = {
        "support_weight": Decimal("0.5"),
        "reporting_weight": Decimal(10),
        "punctuality_weight": Decimal(10),
        "targets_weight": Decimal(10),
        "claimed_bonus": Decimal(5),
        "penalty_talk": Decimal(5),
        "black_bottom": 3,
    }
    ranking_formula_update(
        campaign=review.campaign, by=coordinator, values=values, expected_version=0
    )
    url = f"/cycles/reviews/{review.pk}"
    unit = units[1].pk
    _timed("draft ranking page", lambda: client.get(f"{url}/ranking/"))
    _timed("draft ranking .xlsx", lambda: client.get(f"{url}/ranking/", {"format": "xlsx"}))
    _timed("draft why-this-score page", lambda: client.get(f"{url}/ranking/{unit}/"))
    review_confirm_all(review=review, by=coordinator)
    review.refresh_from_db()
    _timed("certify (ranking stored)", lambda: review_certify(review=review, by=coordinator))
    _timed("bulletin page", lambda: client.get(f"{url}/bulletin/"))
    _timed("bulletin .xlsx", lambda: client.get(f"{url}/bulletin/", {"format": "xlsx"}))
    _timed("certified why-this-score page", lambda: client.get(f"{url}/ranking/{unit}/"))


if __name__ == "__main__":
    main()
