"""Benchmark: GET /api/v1/tasks/?page_size=100 (units, targets, last report) at 100,000 tasks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_bench \\
    python benchmarks/api_tasks.py --tasks 100000

The database named by DATABASE_URL is emptied and rebuilt: point it at a throwaway one (without
it: SQLite in a temporary folder). Builds the tasks over 200 units, each with a supporting unit,
a target and a report, then asks for the first page and a filtered page with a token, for a
leader (every task) and a unit's staff (their unit's tasks). Prints the server time (wall and CPU,
median of --repeat runs, in-process through the WSGI handler) and the SQL query count, beside a
naive serializer (no select_related/prefetch: a query per row and relation) over the same 100
rows in the same run. Goal: at most 50 ms and at most 6 queries, whatever the number of tasks.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(n_tasks: int):
    from accounts.models import Role, Unit, User, UserRole
    from campaigns.models import Campaign, TaskList
    from tasks.models import ProgressReport, Target, Task, TaskSupport

    units = Unit.objects.bulk_create([Unit(name=f"区测试局{n}") for n in range(200)])
    leader = User.objects.create(username="bench-leader", unit=units[0])
    staff = User.objects.create(username="bench-staff", unit=units[1])
    UserRole.objects.bulk_create(
        [UserRole(user=leader, role=Role.LEADER), UserRole(user=staff, role=Role.STAFF)]
    )
    campaign = Campaign.objects.create(
        name="基准行动",
        slug="bench",
        year=2026,
        organiser=units[0],
        start_date=datetime.date(2026, 1, 1),
    )
    task_list = TaskList.objects.create(
        campaign=campaign,
        name="基准清单",
        published_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    batch = 5000
    for start in range(0, n_tasks, batch):
        tasks = Task.objects.bulk_create(
            [
                Task(
                    task_list=task_list,
                    code=str(n),
                    order=n,
                    title=f"任务{n}",
                    lead_unit=units[n % 200],
                    status=Task.Status.IN_PROGRESS,
                    deadline=datetime.date(2026 + n % 3, 6, 30),
                    progress=n % 100,
                )
                for n in range(start, min(start + batch, n_tasks))
            ]
        )
        TaskSupport.objects.bulk_create(
            [TaskSupport(task=t, unit=units[(t.order + 7) % 200]) for t in tasks]
        )
        Target.objects.bulk_create(
            [Target(task=t, metric="可办率(%)", target_value=65, current_value=55) for t in tasks]
        )
        ProgressReport.objects.bulk_create(
            [
                ProgressReport(
                    task=t,
                    unit=t.lead_unit,
                    period_start=datetime.date(2026, 11, 23),
                    text="本周进展",
                    percent=t.progress,
                    submitted_by=leader,
                )
                for t in tasks
            ]
        )
    return leader, staff


def naive(user) -> tuple[float, int]:
    """The same rows through a serializer that fetches what it needs row by row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework import serializers

    from tasks.models import Task
    from tasks.permissions import visible_tasks

    class Naive(serializers.ModelSerializer):
        lead_unit = serializers.CharField(source="lead_unit.name")
        supporting_units = serializers.SerializerMethodField()
        targets = serializers.SerializerMethodField()
        last_report = serializers.SerializerMethodField()

        class Meta:
            model = Task
            fields = [
                "id",
                "code",
                "title",
                "status",
                "progress",
                "deadline",
                "lead_unit",
                "supporting_units",
                "targets",
                "last_report",
            ]

        def get_supporting_units(self, task):
            return [s.unit.name for s in task.supports.all()]

        def get_targets(self, task):
            return list(task.targets.values("metric", "target_value", "current_value"))

        def get_last_report(self, task):
            return task.reports.order_by("-submitted_at").values("id", "percent").first()

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        _ = Naive(
            list(visible_tasks(user).order_by("task_list_id", "order", "id")[:100]), many=True
        ).data
        spent = time.perf_counter() - began
    return spent, len(queries)


def measure(client, url: str, repeat: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the token's last use is written at most once a minute
    walls, cpus, counts = [], [], []
    rows = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, response.content[:300]
        rows = len(response.json()["results"])
        counts.append(len(queries))
    return statistics.median(walls), statistics.median(cpus), max(counts), rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data a previous run built (no rebuild)"
    )
    args = parser.parse_args()

    if args.reuse:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
    else:
        from benchmarks._database import fresh_database

        fresh_database()
    from django.conf import settings
    from django.db import connection
    from rest_framework.test import APIClient

    from api.services import token_create
    from tasks.models import Task

    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api_token": None, "api_user": None}
    started = time.perf_counter()
    if args.reuse:
        from accounts.models import User

        leader, staff = (User.objects.get(username=f"bench-{n}") for n in ("leader", "staff"))
    else:
        leader, staff = build(args.tasks)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(
        f"database: {connection.vendor}; built {args.tasks} tasks in {time.perf_counter() - started:.0f} s"
    )
    print(f"tasks: {Task.objects.count()}; load: {os.getloadavg()}")
    for user in (leader, staff):
        token = token_create(user=user, by=user, name="bench", scope="read", expires_days=1)[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        for url in (
            "/api/v1/tasks/?page_size=100",
            "/api/v1/tasks/?page_size=100&ordering=code",
            "/api/v1/tasks/?page_size=100&ordering=deadline",
            "/api/v1/tasks/?page_size=100&ordering=-deadline",
            "/api/v1/tasks/?page_size=100&light=red",
        ):
            wall, cpu, count, rows = measure(client, url, args.repeat)
            print(
                f"{user.username:13} {url:52} {rows:3} rows  {wall * 1000:7.1f} ms wall "
                f"{cpu * 1000:7.1f} ms cpu  {count} queries"
            )
        spent, count = naive(user)
        print(
            f"{user.username:13} {'naive serializer, same 100 rows':52}      {spent * 1000:7.1f} ms wall"
            f"                  {count} queries"
        )


if __name__ == "__main__":
    main()
