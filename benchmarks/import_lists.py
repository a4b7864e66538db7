"""How fast a list imports: our importer against django-import-export, on the same files.

    python -m benchmarks.import_lists                    # 1k, 10k, 50k rows; import-export on 1k, 10k
    python -m benchmarks.import_lists --rows 10000 --import-export-rows 10000 --repeat 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan python -m benchmarks.import_lists

It works in a throwaway database (``test_<name>`` of the configured one, created and dropped
here), generates the files in the layout of reform-tasks.xlsx (benchmarks/generate.py) into
a temporary folder, and runs every measurement in a fresh process, so that the peak memory
of one does not carry into the next. For each size it prints seconds, rows per second,
queries and peak memory of:

* ours, preview + confirm: read and check the file with full validation (the preview), then
  in one transaction lock, compare again and write (the confirm), as the command does;
* ours, through the pages' path: the same, the confirm reading the file again from the
  stored upload, as a separate request or a background job does, then the draft published;
* django-import-export's default ModelResource import of the same rows (lead unit by name as
  a ForeignKeyWidget, supporting units by name as a ManyToManyWidget), and the ratio;
* reading the file alone, with openpyxl and with ours (the checks of safety.py + calamine).

Ours runs ``--repeat`` times (each into a new list) and the best and the median are shown:
on a shared machine the best is the one least disturbed. Peak memory is the process's peak
resident set size (VmHWM), the interpreter and Django (about 85 MB) included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SCENARIOS = {
    "read-openpyxl": "read only: openpyxl",
    "read-ours": "read only: ours (checks + calamine)",
    "ours": "ours: preview + confirm",
    "ours-pages": "ours: pages (stored file read again)",
    "import-export": "django-import-export: default import",
}


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


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
    from django.db import transaction

    from campaigns.models import Campaign
    from campaigns.services.imports import import_apply, import_plan, import_read

    office, user = _office()
    campaign = _campaign(f"ours-{rows}-{tag}", office)

    def run():
        source = import_read(data=data, filename=f"reform-{rows}.xlsx")
        preview = import_plan(source=source, campaign=campaign)
        assert not preview.errors, preview.errors[:3]
        with transaction.atomic():
            Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
            plan = import_plan(source=source, campaign=campaign, for_update=True)
            result = import_apply(plan=plan, by=user)
        assert result.created == rows, result

    return run


def _ours_pages(data: bytes, rows: int, tag: str):
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
        list_import = list_import_create(
            campaign=campaign, by=user, filename=f"reform-{rows}.xlsx", data=data
        )
        assert list_import.status == ListImport.Status.READY, list_import.summary
        list_import = list_import_confirm(list_import=list_import, by=user)
        assert list_import.status == ListImport.Status.DRAFT, list_import.message
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
    }[scenario]
    run = prepare(data, rows, tag)
    counter = _Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "queries": counter.queries, "peak_mb": _peak_mb()}))


# --- In the parent: the throwaway database, the files, the table ------------------------------


def _database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{settings_dict.get('HOST') or ''}{port}/{settings_dict['NAME']}"


def _setup_world() -> None:
    from accounts.models import Role, Unit, UnitAlias, User, UserRole
    from benchmarks.generate import UNITS

    district = Unit.objects.create(name="青岛西海岸新区", kind=Unit.Kind.DISTRICT)
    Unit.objects.bulk_create([Unit(name=name, parent=district) for name in UNITS])
    UnitAlias.objects.create(alias="区住建局", unit=Unit.objects.get(name="区住房城乡建设局"))
    user = User.objects.create(username="bench", unit=Unit.objects.get(name="区营商环境建设办公室"))
    UserRole.objects.create(user=user, role=Role.COORDINATOR)


def _measure(scenario: str, path: Path, rows: int, tag: str, url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.import_lists",
            "--child",
            scenario,
            str(path),
            str(rows),
            tag,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{scenario} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _line(name: str, rows: int, result: dict, note: str = "") -> None:
    seconds = result["seconds"]
    print(
        f"  {name:<40} {rows:>7,} rows {seconds:>8.2f} s {rows / seconds:>9,.0f} rows/s "
        f"{result['queries']:>8,} queries  peak {result['peak_mb']:>5.0f} MB{note}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument(
        "--import-export-rows",
        type=int,
        nargs="*",
        default=[1_000, 10_000],
        help="sizes to run django-import-export on (it takes minutes at 10,000 rows)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per size (best shown)")
    parser.add_argument("--keep-files", type=Path, help="also keep the generated files here")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, path, rows, tag = args.child
        child(scenario, Path(path), int(rows), tag)
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from benchmarks.generate import reform_workbook

    folder = Path(tempfile.mkdtemp(prefix="qingdan-bench-"))
    if connection.vendor == "sqlite":
        # A file, not memory, so that the measuring processes share it.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(folder / "bench.sqlite3")
    print(
        f"Database: {connection.vendor} ({settings.DATABASES['default']['NAME']}); "
        "working in a throwaway copy",
        flush=True,
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    url = _database_url(connection.settings_dict)
    try:
        _setup_world()
        connection.close()
        for rows in args.rows:
            data = reform_workbook(rows)
            path = folder / f"reform-{rows}.xlsx"
            path.write_bytes(data)
            if args.keep_files:
                args.keep_files.mkdir(parents=True, exist_ok=True)
                (args.keep_files / path.name).write_bytes(data)
            print(f"\n{rows:,} rows ({len(data) / 1024 / 1024:.1f} MB .xlsx)", flush=True)
            for scenario in ("read-openpyxl", "read-ours"):
                _line(SCENARIOS[scenario], rows, _measure(scenario, path, rows, "0", url))
            best = {}
            for scenario in ("ours", "ours-pages"):
                results = [_measure(scenario, path, rows, str(n), url) for n in range(args.repeat)]
                best[scenario] = min(results, key=lambda r: r["seconds"])
                median = statistics.median(r["seconds"] for r in results)
                note = f"  (median of {args.repeat}: {median:.2f} s)" if args.repeat > 1 else ""
                _line(SCENARIOS[scenario], rows, best[scenario], note)
            if rows in args.import_export_rows:
                theirs = _measure("import-export", path, rows, "0", url)
                _line(SCENARIOS["import-export"], rows, theirs)
                ratio = theirs["seconds"] / best["ours"]["seconds"]
                print(f"  ratio: ours (preview + confirm) is {ratio:,.0f}× faster", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
