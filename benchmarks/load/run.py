"""One run of the Monday mix: copy the template database, start the stack, run Locust,
print the figures, then check that nothing was lost or doubled."""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from benchmarks.load.stack import ROOT, Stack, cpu_seconds, machine_cpu, machine_described

READ_GOAL_MS, WRITE_GOAL_MS, RATE_GOAL = 300, 800, 100


def _psql(sql: str, database: str = "postgres") -> None:
    url = urlparse(os.environ["DATABASE_URL"])
    subprocess.run(
        ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U",
         url.username or "postgres", "-d", database, "-qc", sql],
        check=True,
    )  # fmt: skip


def copy_template() -> str:
    """A fresh copy of the prepared database: DATABASE_URL's name with ``_run``."""
    url = urlparse(os.environ["DATABASE_URL"])
    template = url.path.lstrip("/")
    copy = f"{template}_run"
    _psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    return url._replace(path=f"/{copy}").geturl()


def round_opens_at(seconds_from_now: int) -> datetime.datetime:
    """Every campaign's dispatch moved so that this week's round opens during the run."""
    from django.utils import timezone

    from campaigns.models import Campaign

    opens = timezone.localtime() + datetime.timedelta(seconds=seconds_from_now)
    Campaign.objects.filter(dispatch_enabled=True).update(
        dispatch_weekday=opens.weekday(),
        dispatch_time=opens.time().replace(microsecond=0),
        report_due_weekday=(opens.weekday() + 1) % 7,
        report_due_time=datetime.time(23, 0),
    )
    return opens


def analyze_once_open(since: datetime.datetime, wait: float = 120) -> threading.Thread:
    """A thread that analyzes the copy once the rounds opened during the run have written
    their items and digests, as autovacuum would within its minute (this machine's
    PostgreSQL runs without it: README "Load and faults")."""

    def watch() -> None:
        from django.db import connection

        from benchmarks.load.prepare import settle
        from cycles.models import Digest

        deadline = time.monotonic() + wait
        opened = Digest.objects.filter(created_at__gte=since - datetime.timedelta(minutes=1))
        try:
            while not opened.exists() and time.monotonic() < deadline:
                time.sleep(1)
            time.sleep(2)  # the round's items and digests are written in one transaction
            settle(vacuum=False)
        finally:
            connection.close()

    thread = threading.Thread(target=watch, name="analyze", daemon=True)
    thread.start()
    return thread


def open_sessions(users: int, accounts: int, path: Path) -> None:
    """A signed-in session for every simulated person (force_login: no password hash), by
    username, written to ``path`` for the Locust users."""
    from django.test import Client

    from accounts.models import User
    from benchmarks.load.pages import account_of, split

    staff, coordinators, leaders = split(users)
    names = [account_of(n, accounts) for n in range(staff)]
    names += ["coordinator"] * coordinators + ["leader"] * leaders
    sessions: dict[str, list[str]] = {}
    for name in names:
        client = Client()
        client.force_login(User.objects.get(username=name))
        sessions.setdefault(name, []).append(client.cookies["sessionid"].value)
    path.write_text(json.dumps(sessions))


def _environment(folder: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "QINGDAN_VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        "CYCLES_EVERY_SECONDS": "5",
        "ACK_REMIND_EVERY_SECONDS": "30",
        "DEBUG": "false",
        "QINGDAN_GC_STATS": "1",  # config/gunicorn.py: each worker logs its collections' CPU
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def client_first(pid: int, nice: int) -> None:
    """Run process ``pid`` (Locust, just started) at ``nice`` (below 0: before the server and
    the database when both want a core). A person's browser runs on a computer of its own;
    Locust shares the server's two cores, and an answer it is not given a core to read in
    time counts as the server's slowness. Raising a priority needs CAP_SYS_NICE (root outside
    a container): refused, the client keeps the default, and ``run`` says at which it ran."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, nice)


def run_locust(
    *,
    folder: Path,
    env: dict[str, str],
    hosts: list[str],
    users: int,
    seconds: int,
    accounts: int,
    password: str,
    max_requests: int = 20_000,
    spawned: Callable[[subprocess.Popen], None] | None = None,
    nice: int = 0,
    **extra: str,
) -> subprocess.CompletedProcess:
    """Locust headless with the Monday mix against ``hosts`` (each simulated person talks to
    one of them, in turn), ramping up over a tenth of the users (at least 5 s). Writes
    ``stats_stats.csv``, ``locust.log`` and the markers of the reports told saved
    (``markers.json``) into ``folder``; the sessions must be in ``folder/sessions.json``
    (``open_sessions``). ``extra``: more of the locustfile's LOAD_* variables.

    With ``spawned``, the statistics are those of the run once every user is running
    (Locust's ``--reset-stats``: the ramp-up is left out), and ``spawned(locust)`` is called
    at that moment (to read the CPU counters from there). ``nice``: Locust's scheduling
    priority (``client_first``)."""
    from benchmarks.load.pages import split

    ramp = max(5, users // 10)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks/load/locustfile.py"),
            "--headless", "-u", str(sum(split(users))), "-r", str(max(1, users // ramp)),
            "-t", f"{seconds}s", "--only-summary",
            "--csv", str(folder / "stats"), "--host", hosts[0], "--stop-timeout", "10",
            *(["--reset-stats"] if spawned else []),
        ],
        cwd=ROOT,
        env={
            **env,
            "LOAD_USERS": str(users),
            "LOAD_ACCOUNTS": str(accounts),
            "LOAD_PASSWORD": password,
            "LOAD_MARKERS": str(folder / "markers.json"),
            "LOAD_MAX_REQUESTS": str(max_requests),
            "LOAD_HOSTS": ",".join(hosts),
            "LOAD_SESSIONS": str(folder / "sessions.json"),
            **extra,
        },
        stdout=(folder / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    if nice:  # set from here, not in the child before it runs: this process has threads
        client_first(process.pid, nice)
    if spawned is not None:
        time.sleep(ramp)
        spawned(process)
    return subprocess.CompletedProcess(process.args, process.wait())


def run_benchmark(args) -> int:
    folder = Path(tempfile.mkdtemp(prefix="qingdan-load-"))
    database_url = copy_template()
    env = _environment(folder, database_url)
    os.environ.update(DATABASE_URL=database_url, QINGDAN_VAR_DIR=env["QINGDAN_VAR_DIR"])
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import User
    from benchmarks.load.checks import check_digests, check_reports

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    ramp = max(5, args.users // 10)
    began = round_opens_at(ramp + 10)
    accounts = User.objects.filter(username__regex=r"^load\d+$").count()
    stack = Stack(folder=folder, env=env)
    for _ in range(args.webs):
        stack.start_web(workers=args.gunicorn_workers, threads=args.gunicorn_threads)
    for _ in range(args.workers or args.webs):
        stack.start_worker()
    stack.start_beat()
    try:
        stack.wait_until_serving()
        load_before = os.getloadavg()
        markers = folder / "markers.json"
        open_sessions(args.users, accounts, folder / "sessions.json")
        analyze_once_open(began)
        # The counters from the moment every user runs: the figures are those of the
        # sustained load (the goal's "for 60 s with 50 concurrent users"), not of the ramp.
        before: dict[str, Any] = {}

        def spawned(locust: subprocess.Popen) -> None:
            before.update(
                stack=[cpu_seconds(p) for p in stack.all()],
                locust=_children_cpu() + cpu_seconds(locust),
                machine=machine_cpu(),
                nice=os.getpriority(os.PRIO_PROCESS, locust.pid),
                web_nice=os.getpriority(os.PRIO_PROCESS, stack.webs[0].pid),
            )

        locust = run_locust(
            folder=folder,
            env=env,
            hosts=stack.hosts,
            users=args.users,
            seconds=args.seconds + ramp,
            accounts=accounts,
            password=settings.DEMO_PASSWORD,
            max_requests=args.max_requests,
            spawned=spawned,
            nice=args.client_nice,
        )
        cpu = [
            after - earlier
            for after, earlier in zip(
                [cpu_seconds(p) for p in stack.all()], before["stack"], strict=True
            )
        ]
        load_after = os.getloadavg()
        machine = machine_cpu()
        others = [
            _children_cpu() - before["locust"],
            machine[0] - before["machine"][0],
            machine[1] - before["machine"][1],
        ]
        failed = print_figures(
            folder / "stats_stats.csv", args, stack, cpu, load_before, load_after
        )
        print(
            f"Locust's CPU seconds {others[0]:.1f}; the whole machine's: {others[1]:.0f} busy of "
            f"{others[2]:.0f} (every core: PostgreSQL, Locust, Redis, anyone else's work too): "
            f"{1000 * others[1] / max(1, requests_made(folder / 'stats_stats.csv')):.1f} ms a "
            "request"
        )
        print(
            f"Locust ran at nice {before['nice']} (asked {args.client_nice}); the web process at "
            f"{before['web_nice']}, PostgreSQL and Redis at their own"
        )
        time.sleep(2)
        problems = check_reports(markers) + check_digests(since=began, wait=60)
    finally:
        stack.stop()
    print(gc_summary(folder))
    for problem in problems:
        print("CHECK FAILED:", problem)
    print(f"logs, stats and markers in {folder}")
    return 1 if (problems or failed or locust.returncode not in (0, 1)) else 0


GC_LINE = re.compile(r"gc: ([\d.]+) CPU-seconds in collections \((\d+) full\) of ([\d.]+) in all")


def gc_summary(folder: Path) -> str:
    """What the web workers' garbage collections cost, from the lines they log as they stop
    (config/gunicorn.py), over their whole lives (start-up included)."""
    found = [GC_LINE.search(line) for log in folder.glob("web*.log") for line in log.open()]
    rows = [(float(m[1]), int(m[2]), float(m[3])) for m in found if m]
    if not rows:
        return "web workers' garbage collections: not logged"
    gc_seconds, full, total = (sum(column) for column in zip(*rows, strict=True))
    return (
        f"web workers' garbage collections: {gc_seconds:.1f} of their {total:.1f} CPU-seconds "
        f"({100 * gc_seconds / max(total, 0.001):.0f} %), {full} full, in {len(rows)} workers"
    )


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (Locust, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _row_kind(name: str) -> str:
    return "write" if name.startswith("POST") else "read"


def p95_by_kind(path: Path) -> dict[str, float]:
    """The 95th percentile of all reads together and of all writes together, from the
    endpoints' response times the locustfile wrote ({} when it wrote none)."""
    if not path.exists():
        return {}
    merged: dict[str, dict[int, int]] = {"read": {}, "write": {}}
    for name, times in json.loads(path.read_text(encoding="utf-8")).items():
        if name.startswith("login"):
            continue
        histogram = merged[_row_kind(name)]
        for rounded, count in times.items():
            histogram[int(rounded)] = histogram.get(int(rounded), 0) + count
    return {kind: _percentile(times, 0.95) for kind, times in merged.items() if times}


def _percentile(times: dict[int, int], percent: float) -> int:
    """Locust's percentile of rounded times (``locust.stats``; not imported here: Locust
    patches the standard library with gevent as it loads): the time at which the requests
    slower than it are at most the rest of ``percent``."""
    total = sum(times.values())
    within = int(total * percent)
    slower = 0
    for rounded in sorted(times, reverse=True):
        slower += times[rounded]
        if total - slower <= within:
            return rounded
    return 0


def _stats(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _aggregated(rows: list[dict]) -> dict:
    """Locust's row of every request together."""
    return next(row for row in rows if row["Name"] == "Aggregated")


def requests_made(path: Path) -> int:
    """How many requests Locust's stats (``stats_stats.csv``) count in all."""
    return int(_aggregated(_stats(path))["Request Count"])


def print_figures(path: Path, args, stack: Stack, cpu, load_before, load_after) -> bool:
    """The per-endpoint table and the totals against the goals; True when a request failed."""
    rows = _stats(path)
    total = _aggregated(rows)
    endpoints = [row for row in rows if row["Name"] != "Aggregated"]
    print(f"\n{'endpoint':<58} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  ms")
    for row in sorted(endpoints, key=lambda r: r["Name"]):
        print(
            f"{row['Name'][:58]:<58} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    worst = {"read": 0.0, "write": 0.0}
    for row in endpoints:
        if row["Name"].startswith("login"):
            continue
        kind = _row_kind(row["Name"])
        worst[kind] = max(worst[kind], float(row["95%"] or 0))
    rate, errors = float(total["Requests/s"]), int(total["Failure Count"])
    print(
        f"\n{args.users} users, {args.webs} web process(es) × {args.gunicorn_workers} gunicorn "
        f"workers × {args.gunicorn_threads} threads, {len(stack.workers)} Celery worker(s), 1 beat"
    )
    print(f"on {machine_described()}")
    print(
        f"total, once every user runs: {total['Request Count']} requests, {rate:.1f} req/s, "
        f"{errors} errors, "
        f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms"
    )
    print(f"worst p95: reads {worst['read']:.0f} ms, writes {worst['write']:.0f} ms")
    together = p95_by_kind(path.with_name("times.json"))
    if together:
        print(
            f"p95 of every read together {together.get('read', '—')} ms, of every write "
            f"together {together.get('write', '—')} ms (the goals above are held to the worst "
            "endpoint)"
        )
    names = [f"web{n}" for n in range(len(stack.webs))]
    names += [f"worker{n}" for n in range(len(stack.workers))] + ["beat"]
    print(
        "CPU seconds during the run: "
        + ", ".join(f"{n} {c:.1f}" for n, c in zip(names, cpu, strict=True))
    )
    web_cpu = sum(cpu[: len(stack.webs)])
    if web_cpu:
        per_request = 1000 * web_cpu / max(1, int(total["Request Count"]))
        print(
            f"web CPU per request: {per_request:.1f} ms (gunicorn's own, PostgreSQL's not in it): "
            f"one core of web process serves about {1000 / per_request:.0f} req/s of this mix"
        )
    print(
        "load average (1, 5, 15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f} "
        "on {} cores".format(*load_before, *load_after, os.cpu_count())
    )
    goals = {
        f"≥ {RATE_GOAL} req/s": rate >= RATE_GOAL,
        f"p95 reads < {READ_GOAL_MS} ms": worst["read"] < READ_GOAL_MS,
        f"p95 writes < {WRITE_GOAL_MS} ms": worst["write"] < WRITE_GOAL_MS,
        "0 errors": errors == 0,
    }
    print(
        "goals: " + ", ".join(f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in goals.items())
    )
    return errors > 0
