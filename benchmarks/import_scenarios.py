"""The measurements of ``benchmarks.import_lists``, each run in a process of its own.

``python -m benchmarks.import_lists`` starts this module's ``child`` once per scenario and
size (so that one's peak memory does not carry into the next) and prints what it reports:
seconds, CPU time, queries and peak memory, as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Counter:
    """Counts the queries, and times each (its wall seconds, the server's work included)."""

    def __init__(self):
        self.queries = 0
        self.timed: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            entry = self.timed.setdefault(" ".join(sql.split())[:90], [0, 0.0])
            entry[0] += 1
            entry[1] += spent

    def slowest(self, count: int = 8) -> list[tuple[str, int, float]]:
        items = sorted(self.timed.items(), key=lambda item: -item[1][1])[:count]
        return [(sql, int(n), round(spent, 3)) for sql, (n, spent) in items]


def _time_commits(connection, counter: _Counter) -> None:
    """Time each COMMIT too (the deferred foreign-key checks run then) and each COPY: neither
    goes through the execute wrapper."""
    commit = connection._commit

    def timed():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            entry = counter.timed.setdefault("COMMIT", [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    connection._commit = timed

    from campaigns.services import bulk

    copy_rows = bulk.copy_rows

    def timed_copy(connection, table, fields, rows):
        started = time.perf_counter()
        try:
            return copy_rows(connection, table, fields, rows)
        finally:  # the rows' making and encoding included: COPY consumes them as it goes
            entry = counter.timed.setdefault(f"COPY {table} (rows made and encoded too)", [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    bulk.copy_rows = timed_copy


class _ServerClock:
    """The CPU seconds of this connection's PostgreSQL server process (same machine: a
    loaded machine disturbs it far less than the wall clock); None elsewhere, or when the
    connection changed meanwhile (a page request closes it)."""

    def __init__(self, connection):
        self.path, self.pid = None, None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
                self.path = Path(f"/proc/{self.pid}/stat")
        self.connection = connection
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float | None:
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split() if self.path else None
        except OSError:
            return None
        return None if fields is None else (int(fields[11]) + int(fields[12])) / self.tick

    def since(self, started: float | None) -> float | None:
        now = self()
        if started is None or now is None:
            return None
        raw = self.connection.connection
        same = raw is not None and raw.get_backend_pid() == self.pid
        return round(now - started, 2) if same else None


#: Each step of a scenario: (name, wall seconds, CPU seconds, the database's CPU seconds,
#: queries), for ``--detail`` and for the pages' figures apart (check + confirm, publish).
STEPS: list[tuple[str, float, float, float | None, int]] = []


class _Step:
    """A step's wall seconds, CPU seconds and the database server's CPU seconds."""

    server: _ServerClock | None = None  # set by ``child``
    counter: _Counter | None = None  # set by ``child``

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.queries = self.counter.queries if self.counter else 0
        self.started, self.cpu = time.perf_counter(), time.process_time()
        self.server_cpu = self.server() if self.server else None

    def __exit__(self, *exc):
        STEPS.append(
            (
                self.name,
                round(time.perf_counter() - self.started, 3),
                round(time.process_time() - self.cpu, 3),
                self.server.since(self.server_cpu) if self.server else None,
                (self.counter.queries if self.counter else 0) - self.queries,
            )
        )


# --- In the child process: one measurement ---------------------------------------------------


def _office():
    from accounts.models import Unit, User

    return Unit.objects.get(name="区营商环境建设办公室"), User.objects.get(username="bench")


def _campaign(slug: str, office):
    import datetime as dt

    from campaigns.models import Campaign

    return Campaign.objects.create(
        name=slug, slug=slug, year=2020, organiser=office, start_date=dt.date(2020, 1, 1)
    )


def _ours(data: bytes, rows: int, tag: str):
    """What ``manage.py import_tasklist`` does: read and check with full validation, then
    under lock compare with the database and write the draft (``tasklist_import``)."""
    from campaigns.services.imports import tasklist_import

    office, user = _office()
    campaign = _campaign(f"ours-{rows}-{tag}", office)

    def run():
        report = tasklist_import(
            campaign=campaign, data=data, filename=f"reform-{rows}.xlsx", by=user
        )
        assert not report.errors, report.errors[:3]
        assert report.result is not None and report.result.created == rows, report.summary

    return run


def _ours_pages(data: bytes, rows: int, tag: str):
    """Through the pages: the check (the upload read, checked with full validation, its preview
    stored), the confirm (the stored check applied: compared again under lock, the draft
    written) -- issue 16's "preview then confirm" -- and the draft's publish, a step of its
    own, timed apart."""
    from django.conf import settings

    from campaigns.models import ListImport
    from campaigns.services.drafts import list_import_publish
    from campaigns.services.list_imports import list_import_confirm, list_import_create

    office, user = _office()
    campaign = _campaign(f"pages-{rows}-{tag}", office)
    campaign.coordinators.add(user)
    # What the background jobs do, run here so that it is measured (no worker involved).
    settings.IMPORT_BACKGROUND_ROWS = 10**9

    def run():
        with _Step("check"):
            list_import = list_import_create(
                campaign=campaign, by=user, filename=f"reform-{rows}.xlsx", data=data
            )
        assert list_import.status == ListImport.Status.READY, list_import.summary
        with _Step("confirm"):
            list_import = list_import_confirm(list_import=list_import, by=user)
        assert list_import.status == ListImport.Status.DRAFT, list_import.message
        with _Step("publish"):
            list_import = list_import_publish(list_import=list_import, by=user)  # live from here
        assert list_import.status == ListImport.Status.DONE, list_import.message

    return run


def _import_export(data: bytes, rows: int, tag: str):
    import tablib
    from import_export import fields, resources, widgets

    from accounts.models import Unit
    from campaigns.importing.checking import build_drafts
    from campaigns.importing.workbook import parse_workbook
    from campaigns.models import Category, TaskList
    from tasks.models import Task

    office, _user = _office()
    campaign = _campaign(f"iex-{rows}-{tag}", office)
    task_list = TaskList.objects.create(campaign=campaign, name="改革攻坚任务清单")
    drafts = build_drafts(parse_workbook(data), default_year=2020)
    for category in drafts.categories:
        Category.objects.create(task_list=task_list, name=category.name, code=category.code)
    # django-import-export reads flat rows: give it the file's rows with the unit cell already
    # split into the lead and the supporting units (it cannot do that itself).
    headers = ["task_list", "category", "code", "order", "title", "content", "source"]
    headers += ["lead_unit", "supporting_units", "principal_owner_name"]
    headers += ["leader_in_charge_name", "specific_owner_name", "deadline", "deadline_text"]
    dataset = tablib.Dataset(headers=headers)
    for task in drafts.tasks:
        dataset.append(
            [
                task_list.pk,
                task.category,
                task.code,
                task.order,
                task.title,
                task.content,
                task.source,
                task.lead,
                "、".join(task.supporting),
                task.principal_owner_name,
                task.leader_in_charge_name,
                task.specific_owner_name,
                task.deadline.isoformat() if task.deadline else "",
                task.deadline_text,
            ]
        )

    class ListCategoryWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return Category.objects.filter(task_list=task_list)

    class TaskResource(resources.ModelResource):
        category = fields.Field(
            attribute="category",
            column_name="category",
            widget=ListCategoryWidget(Category, field="name"),
        )
        lead_unit = fields.Field(
            attribute="lead_unit",
            column_name="lead_unit",
            widget=widgets.ForeignKeyWidget(Unit, field="name"),
        )
        supporting_units = fields.Field(
            attribute="supporting_units",
            column_name="supporting_units",
            widget=widgets.ManyToManyWidget(Unit, field="name", separator="、"),
        )

        class Meta:
            model = Task
            fields = headers
            import_id_fields = ["task_list", "code"]  # the list's own numbers identify a task

    def run():
        result = TaskResource().import_data(dataset, dry_run=False, raise_errors=True)
        assert not result.has_errors()
        assert Task.objects.filter(task_list=task_list).count() == rows

    return run


def _limit(data: bytes, rows: int, tag: str):
    """What no importer of these rows can beat here: python-calamine reads the sheet's cells
    (no checks at all) and COPY writes them, as text, into a scratch table of as many text
    columns (on SQLite, one executemany)."""
    import io

    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    def run():
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        width = max(len(row) for row in grid)
        names = [f"c{i}" for i in range(width)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE scratch ({', '.join(n + ' text' for n in names)})")
            grid = [list(row) + [None] * (width - len(row)) for row in grid]
            cells = (("" if v is None else str(v)) for row in grid for v in row)
            if connection.vendor == "postgresql":
                escaped = "\x00".join(cells).replace("\\", "\\\\")
                escaped = escaped.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
                parts = escaped.split("\x00")
                lines = ("\t".join(parts[i : i + width]) for i in range(0, len(parts), width))
                text = "\n".join(lines) + "\n"
                cursor.copy_expert("COPY scratch FROM STDIN", io.StringIO(text))
            else:
                marks = ", ".join(["%s"] * width)
                cursor.executemany(f"INSERT INTO scratch VALUES ({marks})", grid)
            cursor.execute("DROP TABLE scratch")

    return run


def _preview_page(data: bytes, rows: int, tag: str):
    """The preview page of a checked upload, as a coordinator opens it: each filter once;
    the slowest is reported (the upload's check is not measured)."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from campaigns.services.list_imports import list_import_create

    office, user = _office()
    campaign = _campaign(f"page-{rows}-{tag}", office)
    campaign.coordinators.add(user)
    settings.IMPORT_BACKGROUND_ROWS = 10**9
    list_import = list_import_create(
        campaign=campaign, by=user, filename=f"reform-{rows}.xlsx", data=data
    )
    client = Client()
    client.force_login(user)
    url = reverse("campaigns:import_detail", args=[campaign.slug, list_import.pk])
    client.get(url)  # templates and translations loaded once, as in a running server

    def run():
        slowest = 0.0
        for show in ("", "problems", "changes"):
            started = time.perf_counter()
            response = client.get(url, {"show": show, "page": "2"})
            assert response.status_code == 200, response.status_code
            slowest = max(slowest, time.perf_counter() - started)
        return slowest

    return run


def _read_openpyxl(data: bytes, rows: int, tag: str):
    import io

    import openpyxl

    def run():
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))

    return run


def _read_ours(data: bytes, rows: int, tag: str):
    from campaigns.importing.workbook import read_workbook

    def run():
        read_workbook(data)

    return run


def child(scenario: str, path: Path, rows: int, tag: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import translation

    settings.DEBUG = False
    translation.activate(settings.LANGUAGE_CODE)
    data = path.read_bytes()
    prepare = {
        "ours": _ours,
        "ours-pages": _ours_pages,
        "import-export": _import_export,
        "read-openpyxl": _read_openpyxl,
        "read-ours": _read_ours,
        "limit": _limit,
        "preview-page": _preview_page,
    }[scenario]
    run = prepare(data, rows, tag)
    counter = _Step.counter = _Counter()
    _time_commits(connection, counter)
    server = _Step.server = _ServerClock(connection)
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), server()
    with connection.execute_wrapper(counter):
        slowest = run()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    server_cpu = server.since(server_cpu)
    if slowest is not None:  # the preview page: the slowest of its three filters
        seconds, cpu, counter.queries = slowest, cpu / 3, counter.queries // 3
    result = {"seconds": seconds, "cpu": cpu, "queries": counter.queries, "peak_mb": _peak_mb()}
    result["steps"], result["slowest"] = STEPS, counter.slowest()
    result["db_cpu"] = server_cpu
    print(json.dumps(result))


if __name__ == "__main__":
    scenario, path, rows, tag = sys.argv[1:5]
    child(scenario, Path(path), int(rows), tag)
