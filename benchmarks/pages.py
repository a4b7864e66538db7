"""How fast the pages leaders, coordinators and staff open are, at 10,000 or 100,000 tasks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_bench \\
    python -m benchmarks.pages --tasks 10000        # the demo + one generated list of 10,000
    python -m benchmarks.pages --tasks 100000       # the demo + lists of 45,000, 45,000, 10,000
    python -m benchmarks.pages --reuse --only 我的任务 --profile   # cProfile of 3 requests

The database DATABASE_URL names is emptied and rebuilt: point it at a throwaway one (without
it, SQLite in a temporary folder). It loads the demo, generates lists in the layout of
reform-tasks.xlsx (benchmarks/generate.py) and imports them into the demo's first campaign
through the import engine (published, dated to the campaign's start), opens this week's
dispatch round with a third of the tasks reported, and last month's review with half reported.

For each page it prints the server time (the Django test client, median of ``--repeat`` runs
after one warm-up), this process's CPU time and the database's time (medians), the queries,
and beside it the same work done the naive way (one run) — the
``SELECT DISTINCT`` visibility query, a count per unit, every owed task rendered, the review
read in full — with the ratio. The goal (issue 9): at most 300 ms at 100,000 tasks and 60 ms
at 10,000, with a query count that does not grow with the data (tests/*/test_queries*.py
assert that at two sizes).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LISTS = {10_000: [10_000], 100_000: [45_000, 45_000, 10_000]}


def _sizes(tasks: int) -> list[int]:
    return LISTS.get(tasks) or [tasks]


def build(tasks: int) -> dict:
    """The demo plus generated lists; returns what the pages need (users, campaign, ids)."""
    from django.utils import timezone

    from accounts.models import User
    from benchmarks.generate import reform_workbook
    from campaigns.models import Campaign, TaskList
    from campaigns.services.imports import tasklist_import
    from demo.services import demo_load
    from tasks.services.core import events_dated

    began = time.perf_counter()
    demo_load(password="bench-pass-2026")
    print(f"demo loaded in {time.perf_counter() - began:.1f} s")
    campaign = Campaign.objects.get(slug="new-area-ecosystem")
    coordinator = User.objects.get(username="coordinator")
    listed = datetime.datetime.combine(
        campaign.start_date, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    lists = []
    for index, rows in enumerate(_sizes(tasks)):
        began = time.perf_counter()
        with events_dated(listed):
            report = tasklist_import(
                campaign=campaign,
                data=reform_workbook(rows, seed=index),
                filename=f"bench-{index}.xlsx",
                by=coordinator,
                list_name=f"基准清单{index + 1}（{rows}项）",
                list_kind=TaskList.Kind.REFORM,
                create_units=True,
                deadlines_in_campaign_year=True,
                publish=True,
            )
        assert report.result is not None, report.errors[:3]
        lists.append(report.result.task_list)
        print(f"imported {rows:,} tasks in {time.perf_counter() - began:.1f} s")
    return {"campaign": campaign, "lists": lists, **_cycles(campaign, coordinator)}


def _cycles(campaign, coordinator) -> dict:
    """This week's round (a third reported) and last month's review (half reported)."""
    from django.utils import timezone

    from cycles.models import DispatchRound, RoundItem
    from cycles.schedule import round_times, week_start
    from cycles.services import review_open, round_close, round_open
    from cycles.services.owed import owed_states_refresh
    from tasks.models import ProgressReport, Task

    today = timezone.localdate()
    now = timezone.now()
    DispatchRound.objects.filter(campaign=campaign).update(closed_at=now)
    # Last week's round, closed (its bulletin stored), then this week's, open.
    before = round_times(campaign, week_start(today) - datetime.timedelta(days=7))
    closed = round_open(campaign=campaign, times=before, now=before.opens_at)
    times = round_times(campaign, week_start(today))
    round_ = round_open(campaign=campaign, times=times, now=times.opens_at)
    first = today.replace(day=1)
    month = (first - datetime.timedelta(days=1)).replace(day=1)
    tasks = list(
        Task.objects.work()
        .filter(task_list__campaign=campaign, status=Task.Status.IN_PROGRESS)
        .order_by("pk")
        .values_list("pk", "lead_unit_id")
    )
    last_month = datetime.datetime.combine(
        month + datetime.timedelta(days=14),
        datetime.time(10),
        tzinfo=timezone.get_current_timezone(),
    )
    reports = [
        ProgressReport(
            task_id=pk,
            unit_id=unit,
            period_start=week_start(last_month.date()),
            text="按计划推进。",
            percent=50,
            submitted_by=coordinator,
            submitted_at=last_month,
        )
        for n, (pk, unit) in enumerate(tasks)
        if n % 2 == 0
    ]
    reports += [
        ProgressReport(
            task_id=pk,
            unit_id=unit,
            period_start=times.week_start,
            text="本周推进顺利。",
            percent=60,
            submitted_by=coordinator,
            submitted_at=max(times.opens_at, now - datetime.timedelta(minutes=5)),
        )
        for n, (pk, unit) in enumerate(tasks)
        if n % 3 == 0
    ]
    reports += [
        ProgressReport(
            task_id=pk,
            unit_id=unit,
            period_start=before.week_start,
            text="上周推进顺利。",
            percent=55,
            submitted_by=coordinator,
            submitted_at=before.opens_at + datetime.timedelta(days=n % 5),
        )
        for n, (pk, unit) in enumerate(tasks)
        if n % 4 != 0
    ]
    ProgressReport.objects.bulk_create(reports, batch_size=5000)
    # What the report services do with each report they write (here written in bulk): mark
    # the weekly reports owed that they settle (``RoundItem.report_state``).
    owed_states_refresh(
        items=RoundItem.objects.filter(round__in=[r for r in (closed, round_) if r is not None])
    )
    review = review_open(campaign=campaign, month=month, now=now)
    _formula(campaign, coordinator)
    if review is None:
        from cycles.models import MonthlyReview

        review = MonthlyReview.objects.get(campaign=campaign, month=month)
    print(f"round {round_}, review {review} ({review.items.count():,} tasks)")
    round_close(round_id=closed.pk, now=times.opens_at)
    closed.refresh_from_db()
    return {"round": round_, "review": review, "closed_round": closed}


def reused() -> dict:
    """What ``build`` made in an earlier run (``--reuse``)."""
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(slug="new-area-ecosystem")
    return {
        "campaign": campaign,
        "lists": list(campaign.lists.filter(name__startswith="基准清单").order_by("pk")),
        "round": campaign.rounds.order_by("-week_start").first(),
        "closed_round": campaign.rounds.filter(closed_at__isnull=False)
        .order_by("-week_start")
        .first(),
        "review": campaign.reviews.order_by("-month").first(),
    }


def _formula(campaign, coordinator) -> None:
    """A ranking formula that uses every term (supported tasks, reporting, punctuality,
    targets, claims, penalties), as benchmarks/monthly_review.py sets."""
    from decimal import Decimal

    from cycles.ranking.selectors import formula_for
    from cycles.services import ranking_formula_update

    values = {
        "support_weight": Decimal("0.5"),
        "reporting_weight": Decimal(10),
        "punctuality_weight": Decimal(10),
        "targets_weight": Decimal(10),
        "claimed_bonus": Decimal(5),
        "penalty_talk": Decimal(5),
        "black_bottom": 3,
    }
    current = formula_for(campaign=campaign)
    ranking_formula_update(
        campaign=campaign, by=coordinator, values=values, expected_version=current.version
    )


# --- measuring -------------------------------------------------------------------------------


def _measure(fn, repeat: int) -> tuple[float, int, float, float]:
    """Medians of ``repeat`` runs after a warm-up: milliseconds, this process's CPU
    milliseconds and the database's milliseconds (as the driver waited for it), and the
    queries of one run. On a loaded machine the wall time waits for the CPU; the CPU time of
    Django and the queries' time say more about the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times, cpu, sql = [], [], []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began, began_cpu = time.perf_counter(), time.process_time()
            result = fn()
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries = len(captured)
        status = getattr(result, "status_code", 200)
        assert status == 200, status
    return statistics.median(times), queries, statistics.median(cpu), statistics.median(sql)


def _once(fn) -> float:
    """Milliseconds of one run (the naive ways take seconds: one run says enough)."""
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def _profile(name: str, who: str, fn) -> None:
    """Three requests of a page under cProfile, timed by this process's CPU (waiting for
    PostgreSQL is not counted): the function calls it prints are a measure that does not move
    with the machine's speed, the times are."""
    import cProfile
    import pstats

    fn()
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(3):
        fn()
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"\n=== {name} ({who}): {stats.total_calls:,} function calls in 3 requests")
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)


def pages(data: dict) -> list[tuple[str, str, object, object]]:
    """(page, who, the page as a callable, the naive work as a callable or None)."""
    from django.test import Client

    from accounts.models import User
    from benchmarks import naive

    clients = {}
    for name in ("leader", "coordinator", "staff"):
        client = Client()
        client.force_login(User.objects.get(username=name))
        clients[name] = client
    staff = User.objects.get(username="staff")
    coordinator = User.objects.get(username="coordinator")
    leader = User.objects.get(username="leader")
    campaign, big = data["campaign"], data["lists"][0]
    slug = campaign.slug
    review, round_ = data["review"], data["round"]
    unit = big.tasks.values_list("lead_unit_id", flat=True).first()

    def get(who, url, **params):
        return lambda: clients[who].get(url, params)

    list_url = f"/campaigns/{slug}/lists/{big.pk}/"
    return [
        ("overview", "leader", get("leader", "/cockpit/"), naive.overview(leader)),
        ("cockpit", "leader", get("leader", f"/cockpit/campaign/{slug}/"), naive.units(campaign)),
        (
            "cockpit drill-down red",
            "leader",
            get("leader", f"/cockpit/campaign/{slug}/tasks/", light="red"),
            naive.task_page(leader, big),
        ),
        ("red list", "leader", get("leader", "/cockpit/red/"), naive.red(leader)),
        ("unit page", "staff", get("staff", f"/cockpit/units/{staff.unit_id}/"), None),
        ("unit page", "leader", get("leader", f"/cockpit/units/{unit}/"), None),
        (
            "campaign page",
            "coordinator",
            get("coordinator", f"/campaigns/{slug}/"),
            naive.overview(coordinator),
        ),
        ("campaign page", "leader", get("leader", f"/campaigns/{slug}/"), naive.overview(leader)),
        (
            f"list {big.tasks.count():,}",
            "coordinator",
            get("coordinator", list_url),
            naive.task_page(coordinator, big),
        ),
        (
            "list, red",
            "coordinator",
            get("coordinator", list_url, light="red"),
            naive.task_page(coordinator, big, light="red"),
        ),
        (
            "list, a unit",
            "coordinator",
            get("coordinator", list_url, unit=unit),
            naive.task_page(coordinator, big, unit=unit),
        ),
        (
            "list, search",
            "coordinator",
            get("coordinator", list_url, q="联合验收"),
            naive.task_page(coordinator, big, q="联合验收"),
        ),
        (
            "list, last page",
            "coordinator",
            get("coordinator", list_url, page="last"),
            naive.task_page(coordinator, big, last=True),
        ),
        ("list", "staff", get("staff", list_url), naive.task_page(staff, big)),
        ("我的任务", "staff", get("staff", "/tasks/mine/"), naive.my_tasks(staff)),
        ("cycles", "coordinator", get("coordinator", f"/cycles/campaign/{slug}/"), None),
        (
            "weekly bulletin (open)",
            "coordinator",
            get("coordinator", f"/cycles/rounds/{round_.pk}/"),
            naive.weekly_bulletin(round_, coordinator),
        ),
        (
            "weekly bulletin (closed)",
            "coordinator",
            get("coordinator", f"/cycles/rounds/{data['closed_round'].pk}/"),
            naive.weekly_bulletin(data["closed_round"], coordinator),
        ),
        (
            "weekly bulletin (closed)",
            "staff",
            get("staff", f"/cycles/rounds/{data['closed_round'].pk}/"),
            naive.weekly_bulletin(data["closed_round"], staff),
        ),
        (
            "review",
            "coordinator",
            get("coordinator", f"/cycles/reviews/{review.pk}/"),
            naive.review(review),
        ),
        (
            "draft ranking",
            "coordinator",
            get("coordinator", f"/cycles/reviews/{review.pk}/ranking/"),
            naive.draft_ranking(review),
        ),
        ("API task list", "coordinator", get("coordinator", "/api/tasks/"), naive.api(coordinator)),
        ("API task list", "staff", get("staff", "/api/tasks/"), naive.api(staff)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile (this process's CPU) of the --only pages"
    )
    args = parser.parse_args()

    if args.reuse:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
    else:
        from benchmarks._database import fresh_database

        fresh_database()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from tasks.models import Task

    print(f"database: {connection.vendor}; load: {os.getloadavg()}")
    data = reused() if args.reuse else build(args.tasks)
    if connection.vendor == "postgresql":
        # As autovacuum would soon after: the planner's statistics and the visibility map
        # of the rows just written (without them it plans for empty tables).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    tasks = Task.objects.count()
    print(f"{tasks:,} tasks in all")
    goal = 300 if tasks >= 100_000 else 60  # of the data measured, --reuse'd or built
    print(
        f"\n{'page':28} {'who':12} {'ms':>8} {'cpu ms':>7} {'sql ms':>7} {'queries':>8} "
        f"{'naive ms':>9} {'ratio':>6}"
    )
    for name, who, page, naive_fn in pages(data):
        if args.only and args.only not in name:
            continue
        if args.profile:
            _profile(name, who, page)
            continue
        ms, queries, cpu, sql = _measure(page, args.repeat)
        naive_ms = _once(naive_fn) if naive_fn else None
        ratio = f"{naive_ms / ms:5.1f}×" if naive_ms else ""
        naive_text = f"{naive_ms:9.0f}" if naive_ms else f"{'':9}"
        flag = "" if ms <= goal else "  over"
        print(
            f"{name:28} {who:12} {ms:8.0f} {cpu:7.0f} {sql:7.0f} {queries:8} {naive_text} "
            f"{ratio:>6}{flag}",
            flush=True,
        )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
