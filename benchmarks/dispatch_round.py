"""Benchmark: open a weekly round for 10,000 tasks and 2,000 owners, queueing every digest.

    python benchmarks/dispatch_round.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 python benchmarks/dispatch_round.py

The database named by DATABASE_URL is emptied and rebuilt: point it at a throwaway one.
Prints the time to open the round (rows written and digests queued on the broker), the
number of SQL queries, and the time to send the first chunk of digests. Goal: at most 10 s,
with queries in batches, not per task.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=2_000)
    args = parser.parse_args()

    from benchmarks._database import fresh_database

    fresh_database()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, Unit, User, UserRole
    from campaigns.models import Campaign, TaskList
    from cycles.models import Digest, RoundItem
    from cycles.schedule import round_times, week_start
    from cycles.services import digest_send, round_open
    from tasks.models import Task

    print(f"database: {connection.vendor}; broker: {_broker()}")
    started = time.perf_counter()
    units = Unit.objects.bulk_create([Unit(name=f"区测试局{n}") for n in range(200)])
    owners = User.objects.bulk_create(
        [User(username=f"owner{n}", unit=units[n % len(units)]) for n in range(args.owners)]
    )
    UserRole.objects.bulk_create([UserRole(user=u, role=Role.STAFF) for u in owners])
    campaign = Campaign.objects.create(
        name="基准行动",
        slug="bench",
        year=2026,
        organiser=units[0],
        start_date=datetime.date(2026, 1, 1),
    )
    task_list = TaskList.objects.create(campaign=campaign, name="基准清单")
    Task.objects.bulk_create(
        [
            Task(
                task_list=task_list,
                code=str(n),
                order=n,
                title=f"任务{n}",
                lead_unit=units[n % len(units)],
                specific_owner=owners[n % len(owners)],
                deadline=datetime.date(2026, 12, 31),
            )
            for n in range(args.tasks)
        ],
        batch_size=2000,
    )
    print(
        f"built {args.tasks} tasks and {args.owners} owners in {time.perf_counter() - started:.1f} s"
    )

    today = datetime.date(2026, 11, 23)
    times = round_times(campaign, week_start(today))
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        with transaction.atomic():  # on_commit enqueues the digests when this block commits
            round_ = round_open(campaign=campaign, times=times, now=times.opens_at)
        opened = time.perf_counter() - began
    items = RoundItem.objects.filter(round=round_).count()
    digests = Digest.objects.filter(round=round_).count()
    print(
        f"open round: {opened:.2f} s for {items} tasks and {digests} digests queued "
        f"({items / opened:,.0f} tasks/s), {len(queries)} queries"
    )
    sample = list(Digest.objects.filter(round=round_).values_list("pk", flat=True)[:200])
    began = time.perf_counter()
    for digest_id in sample:
        digest_send(digest_id=digest_id)
    per = (time.perf_counter() - began) / max(1, len(sample))
    print(
        f"send: {per * 1000:.1f} ms per digest (in-app notice + channels), measured on {len(sample)}"
    )
    print("goal: open ≤ 10 s:", "met" if opened <= 10 else "NOT met")


def _broker() -> str:
    from django.conf import settings

    return settings.CELERY_BROKER_URL.split("@")[-1]


if __name__ == "__main__":
    main()
