"""What one request of the Monday mix costs the web process: CPU, queries, size, per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_load \\
    python -m benchmarks.load.cpu                  # the table (best of four, one process)
    python -m benchmarks.load.cpu --profile mine   # cProfile (CPU time) of one page, top 45

It copies the prepared template (``python -m benchmarks.load prepare``) into ``<name>_cpu``,
opens this week's dispatch round (as beat does in ``run``), and opens each page of the mix
with Django's test client in this one process, ``DEBUG=false``: one warm-up, then the best of
``--repeat`` runs of ``time.process_time`` (this process only: PostgreSQL's share is not in
it), the query count and the size. The weighted mean at the end uses the locustfile's task
weights and user shares (80 % staff, 15 % coordinators, 5 % leaders), counting each request
a user's task makes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "false"


def _copy() -> None:
    from urllib.parse import urlparse

    from benchmarks.load.run import _psql

    url = urlparse(os.environ["DATABASE_URL"])
    template = url.path.lstrip("/")
    copy = f"{template}_cpu"
    _psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    os.environ["DATABASE_URL"] = url._replace(path=f"/{copy}").geturl()


def use_copy(*, reuse: bool) -> None:
    """Point DATABASE_URL (the prepared template) at its copy ``<name>_cpu``: made afresh, or,
    with ``reuse``, the one left by the last run."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to the prepared template (python -m benchmarks.load prepare)")
    if reuse:
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"] + "_cpu"
    else:
        _copy()


def _open_round() -> None:
    from django.utils import timezone

    from benchmarks.load.prepare import settle
    from benchmarks.load.run import round_opens_at
    from cycles.services import cycles_run

    round_opens_at(-60)
    cycles_run(now=timezone.now())
    settle(vacuum=False)  # the round's items, as autovacuum analyzes them in production


class Pages:
    """The clients (signed in without a password hash) and the URLs of the mix."""

    def __init__(self) -> None:
        from django.test import Client

        from accounts.models import User
        from benchmarks.load.pages import links
        from campaigns.models import TaskList
        from cycles.models import DispatchRound, MonthlyReview

        self.clients = {}
        for name in ("load00", "coordinator", "leader"):
            client = Client()
            client.force_login(User.objects.get(username=name))
            self.clients[name] = client
        mine = self.clients["load00"].get("/tasks/mine/").content.decode()
        self.tasks = [int(pk) for pk in links(mine, r"href=\"/tasks/(\d+)/\"")]
        big = TaskList.objects.filter(campaign__slug="load-monday").order_by("pk").first()
        self.list_url = f"/campaigns/load-monday/lists/{big.pk}/"
        self.round = DispatchRound.objects.filter(campaign__slug="load-monday").latest("pk").pk
        self.review = MonthlyReview.objects.order_by("pk").first().pk

    def table(self) -> list[tuple[str, str, str, float]]:
        """(label, user, url, weight): the weight is the share of the mix's requests."""
        t = self.tasks[0]
        # Staff tasks (locustfile weights): mine 4, task page 4, report 3 (page + post),
        # bulk 1 (start, sheet, upload, preview, confirm). Per staff "tick" of 12 tasks.
        staff, coord, lead = 0.80, 0.15, 0.05
        s = staff / 12
        c = coord / 11
        le = lead / 6
        return [
            ("我的任务", "load00", "/tasks/mine/", s * 4),
            ("a task page", "load00", f"/tasks/{t}/", s * (4 + 3)),
            ("report with evidence (POST)", "load00", "POST report", s * 3),
            ("一表填报 page", "load00", "/reporting/", s * 1),
            ("the week's sheet", "load00", "/reporting/owed.xlsx", s * 1),
            # Three rows filled, uploaded, previewed, confirmed (the client follows the
            # confirm's redirect to the upload's page: a second preview's cost).
            ("一表填报 upload (POST)", "load00", "POST upload", s * 1),
            ("一表填报 preview", "load00", "upload preview", s * 2),
            ("一表填报 confirm (POST)", "load00", "POST confirm", s * 1),
            ("list, red only", "coordinator", f"{self.list_url}?light=red", c * 4 / 5),
            ("list, a search", "coordinator", f"{self.list_url}?q=优化", c * 4 / 5),
            ("list, overdue", "coordinator", f"{self.list_url}?overdue=on", c * 4 / 5),
            ("list, in progress", "coordinator", f"{self.list_url}?status=in_progress", c * 4 / 5),
            ("list, unfiltered", "coordinator", self.list_url, c * 4 / 5),
            ("campaigns", "coordinator", "/campaigns/", c * 2),
            ("request queue", "coordinator", "/tasks/requests/", c * 2),
            ("monthly review", "coordinator", f"/cycles/reviews/{self.review}/", c * 2),
            # An export: its page (a count and a button), the ask (POST), the export's page
            # followed until ready (once here), the download; the file is written by the job.
            ("export: the list's export page", "coordinator", f"{self.list_url}export/", c),
            ("export: ask (POST)", "coordinator", "POST export", c),
            ("export: its page", "coordinator", "export page", c),
            ("export: the download", "coordinator", "export download", c),
            ("cockpit", "leader", "/cockpit/", le * 3),
            ("red list", "leader", "/cockpit/red/", le * 2),
            ("a round's bulletin", "leader", f"/cycles/rounds/{self.round}/", le * 1),
        ]

    def request(self, user: str, url: str, n: int):
        client = self.clients[user]
        if url == "POST report":
            return self._report(client, self.tasks[(n + 1) % len(self.tasks)])
        if url == "POST export":
            return self._ask(client)
        if url in ("POST upload", "upload preview", "POST confirm"):
            return self._bulk(client, url)
        if url in ("export page", "export download"):
            export = self._export()
            suffix = "download/" if url == "export download" else ""
            return client.get(f"/exports/{export.pk}/{suffix}")
        return client.get(url)

    def _ask(self, client):
        from benchmarks.load.pages import form_fields

        page = client.get(f"{self.list_url}export/").content.decode()
        action = f"/exports/ask/load-monday/{self.list_url.split('/')[-2]}/"
        began = time.process_time()
        answer = client.post(action, data=form_fields(page, action) or {})
        answer.cpu = time.process_time() - began
        return answer

    def _export(self):
        """The coordinator's export of the whole list, written here as the job would."""
        from exports.models import ListExport
        from exports.services import list_export_build

        export = ListExport.objects.filter(query="").order_by("-pk").first()
        if export.status == ListExport.Status.PENDING:
            list_export_build(export_id=export.pk)
            export.refresh_from_db()
        return export

    def job(self, repeat: int) -> float:
        """The export job's CPU (the worker's, not the web's): the best of ``repeat``."""
        from accounts.models import User
        from campaigns.models import TaskList
        from exports.models import ListExport
        from exports.services import list_export_build

        best = float("inf")
        for _ in range(repeat):
            export = ListExport.objects.create(
                task_list=TaskList.objects.get(pk=int(self.list_url.split("/")[-2])),
                requested_by=User.objects.get(username="coordinator"),
                filename="bench.xlsx",
            )
            began = time.process_time()
            list_export_build(export_id=export.pk)
            best = min(best, time.process_time() - began)
        return best * 1000

    def _bulk(self, client, step: str):
        """一表填报's upload, preview or confirm of a sheet with three more rows filled; what
        comes before the step is done first, untimed."""
        import re
        import uuid

        from django.core.files.uploadedfile import SimpleUploadedFile

        from benchmarks.load.pages import form_fields
        from benchmarks.load.sheetfill import fill_owed

        start = client.get("/reporting/").content.decode()
        sheet = client.get("/reporting/owed.xlsx")
        content = b"".join(sheet.streaming_content) if sheet.streaming else sheet.content
        data, _written = fill_owed(content, f"cpu{uuid.uuid4().hex}", rows=3)
        fields = form_fields(start, "/reporting/uploads/") or {}
        fields["file"] = SimpleUploadedFile("本周应报送.xlsx", data, "application/octet-stream")
        answer = _timed(lambda: client.post("/reporting/uploads/", data=fields))
        if step == "POST upload":
            return answer
        url = re.search(r"/reporting/uploads/\d+/", answer["Location"]).group(0)
        answer = _timed(lambda: client.get(url))
        if step == "upload preview":
            return answer
        fields = form_fields(answer.content.decode(), f"{url}confirm/") or {}
        return _timed(lambda: client.post(f"{url}confirm/", data=fields))

    def _report(self, client, pk: int):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from benchmarks.load.pages import EVIDENCE, form_fields

        page = client.get(f"/tasks/{pk}/").content.decode()
        fields = form_fields(page, f"/tasks/{pk}/reports/") or {}
        fields.update(text="本周完成既定工作", percent="50")
        fields["files"] = SimpleUploadedFile("佐证材料.pdf", EVIDENCE, "application/pdf")
        began = time.process_time()
        answer = client.post(f"/tasks/{pk}/reports/", data=fields)
        answer.cpu = time.process_time() - began
        return answer


def _timed(send):
    """``send()``'s answer with its CPU (``cpu``) and query count (``queries``) alone, for a
    step that needs other requests before it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pid = _backend()
    with CaptureQueriesContext(connection) as queries:
        began, served = time.process_time(), backend_cpu(pid)
        answer = send()
        answer.cpu = time.process_time() - began
        answer.server = backend_cpu(pid) - served
    answer.queries = len(queries)
    return answer


def _backend() -> int:
    """The process id of the PostgreSQL backend serving this process's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int) -> float:
    """The CPU seconds backend ``pid`` has used (``/proc/<pid>/schedstat``, nanoseconds: the
    server is on this machine); 0 where that cannot be read."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(pages: Pages, user: str, url: str, repeat: int) -> tuple[float, ...]:
    """(best CPU ms, mean CPU ms, PostgreSQL's mean CPU ms, queries, bytes, status). The best
    leaves out what a long-running worker pays now and then (the garbage collector's full
    collections); the mean has some of it. PostgreSQL's is its backend's for the request
    (for a step needing other requests first, those are in it too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent, server = [], 0.0
    answer = pages.request(user, url, 0)  # warm-up
    pid = _backend()  # the connection is kept between requests (CONN_MAX_AGE)
    for n in range(repeat):
        began, served = time.process_time(), backend_cpu(pid)
        answer = pages.request(user, url, n + 1)
        spent.append(getattr(answer, "cpu", None) or time.process_time() - began)
        server += getattr(answer, "server", None) or backend_cpu(pid) - served
    with CaptureQueriesContext(connection) as queries:
        answer = pages.request(user, url, repeat + 1)
    size = len(b"".join(answer.streaming_content) if answer.streaming else answer.content)
    best, mean = min(spent), sum(spent) / len(spent)
    count = getattr(answer, "queries", len(queries))
    return best * 1000, mean * 1000, server * 1000 / repeat, count, size, answer.status_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load.cpu")
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--profile", default="", help="a label's first word: profile that page")
    parser.add_argument("--only", default="", help="only the pages whose label starts so")
    parser.add_argument("--no-copy", action="store_true", help="reuse <name>_cpu as it is")
    args = parser.parse_args()
    use_copy(reuse=args.no_copy)
    import django

    django.setup()
    if not args.no_copy:
        _open_round()
    # No broker here: the export job is run in this process where the page needs it.
    from unittest import mock

    mock.patch("exports.jobs.list_export_build_job.delay").start()
    pages = Pages()
    rows = [row for row in pages.table() if row[0].startswith(args.only)]
    if args.profile:
        _profile(pages, [r for r in rows if r[0].startswith(args.profile)][0])
        return
    print(f"{'page':<32} {'CPU ms':>8} {'mean':>6} {'PG ms':>6} {'queries':>8} {'KB':>7} status")
    weighted = [0.0, 0.0, 0.0]
    for label, user, url, weight in rows:
        best, mean, server, queries, size, status = measure(pages, user, url, args.repeat)
        weighted = [a + b * weight for a, b in zip(weighted, (best, mean, server), strict=True)]
        print(
            f"{label:<32} {best:>8.0f} {mean:>6.0f} {server:>6.1f} {queries:>8} "
            f"{size / 1024:>7.0f} {status}"
        )
    total = sum(r[3] for r in rows)
    print(
        f"weighted mean over the mix: {weighted[0] / total:.0f} ms CPU per request "
        f"(the best of each page; their means: {weighted[1] / total:.0f} ms); "
        f"PostgreSQL's backend {weighted[2] / total:.1f} ms (mean)"
    )
    if not args.only or args.only.startswith("export"):
        print(f"the export job (worker): {pages.job(min(args.repeat, 2)):.0f} ms CPU")


def _profile(pages: Pages, row) -> None:
    import cProfile
    import pstats

    _label, user, url, _weight = row
    pages.request(user, url, 0)
    # This process's CPU, not the wall clock: waiting for PostgreSQL is not counted.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for n in range(3):
        pages.request(user, url, n + 1)
    profile.disable()
    stats = pstats.Stats(profile).sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
