"""How fast a list imports: our importer against django-import-export, on the same files.

    python -m benchmarks.import_lists                    # 1k, 10k, 50k rows; import-export on 1k, 10k
    python -m benchmarks.import_lists --rows 10000 --import-export-rows 10000 --repeat 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan python -m benchmarks.import_lists

It works in a throwaway database (``test_<name>`` of the configured one, created and dropped
here), generates the files in the layout of reform-tasks.xlsx (benchmarks/generate.py) into
a temporary folder, and runs every measurement in a fresh process, so that the peak memory
of one does not carry into the next. For each size it prints seconds, rows per second,
queries and peak memory of:

* ours, preview + confirm: read and check the file with full validation, then in one
  transaction lock, compare with the database and write, as the command does
  (``tasklist_import``);
* the limit: python-calamine reading the sheet's cells (no checks) and COPY writing them as
  text into a scratch table (on SQLite one executemany): no importer of these rows beats it;
* ours, through the pages' path: the upload checked and its preview stored (one row each),
  the confirm in a separate step applying what the check stored (the file is not read again)
  after comparing it with the database under lock, as a request or a background job does,
  then the draft published; printed all three together, then check + confirm (issue 16's
  goal, "preview then confirm") and the publish apart, each its best and median over the runs;
* a page of that preview (100 rows, page 2) with each filter (all, problems, new and
  changed), the slowest shown, its queries a page's;
* django-import-export's default ModelResource import of the same rows (lead unit by name as
  a ForeignKeyWidget, supporting units by name as a ManyToManyWidget), and the ratio;
* reading the file alone, with openpyxl and with ours (the checks of safety.py + calamine).

Ours runs ``--repeat`` times (each into a new list) and the best and the median are shown:
on a shared machine the best is the one least disturbed. Each line also gives the process's
CPU time (``time.process_time``: the database server's is not in it), which a loaded machine
disturbs less than the seconds; the load average is printed with each size. Peak memory is
the process's peak resident set size (VmHWM), the interpreter and Django (about 85 MB)
included. The ratios: ours/limit (how far from the limit) and peer/ours.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SCENARIOS = {
    "read-openpyxl": "read only: openpyxl",
    "read-ours": "read only: ours (checks + calamine)",
    "limit": "the limit: calamine read + COPY",
    "ours": "ours: preview + confirm",
    "ours-pages": "ours: pages (check, confirm, publish)",
    "ours-pages-goal": "ours: pages, check + confirm (the goal)",
    "ours-pages-publish": "ours: pages, publish (apart)",
    "preview-page": "a preview page (100 rows), worst filter",
    "import-export": "django-import-export: default import",
}


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
            "benchmarks.import_scenarios",
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
    server = result.get("db_cpu")
    server_text = "" if server is None else f", database {server:>5.2f} s"
    print(
        f"  {name:<40} {rows:>7,} rows {seconds:>8.3f} s (CPU {result['cpu']:>6.3f} s{server_text}) "
        f"{rows / seconds:>9,.0f} rows/s {result['queries']:>7,} queries "
        f"peak {result['peak_mb']:>5.0f} MB{note}",
        flush=True,
    )


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _detail(results: list[dict]) -> None:
    """Each run's steps, and the slowest statements of the best (COMMIT among them)."""
    for number, result in enumerate(results, 1):
        steps = ", ".join(
            f"{name} {wall:.2f} s (CPU {cpu:.2f}, database {server}, {queries} queries)"
            for name, wall, cpu, server, queries in result["steps"]
        )
        print(
            f"      run {number}: {result['seconds']:.2f} s, CPU {result['cpu']:.2f} s, "
            f"database {result.get('db_cpu')} s" + (f"; {steps}" if steps else ""),
            flush=True,
        )
    best = min(results, key=lambda r: r["seconds"])
    for sql, count, spent in best["slowest"]:
        print(f"      {spent:>7.3f} s  {count:>3}×  {sql}", flush=True)


def _steps_sum(result: dict, names: tuple[str, ...]) -> dict:
    """One run's figures over some of its steps (the database's CPU None if any step's is)."""
    steps = [step for step in result["steps"] if step[0] in names]
    servers = [step[3] for step in steps]
    return {
        "seconds": sum(step[1] for step in steps),
        "cpu": sum(step[2] for step in steps),
        "db_cpu": None if None in servers else round(sum(servers), 2),
        "queries": sum(step[4] for step in steps),
        "peak_mb": result["peak_mb"],  # the run's: the steps share one process
    }


def _pages_apart(rows: int, results: list[dict], best: dict) -> None:
    """The pages' runs as issue 16 words its goal -- check + confirm -- and the publish apart,
    each measure's best (and median) over the runs; the line above is the three together."""
    for scenario, names in (
        ("ours-pages-goal", ("check", "confirm")),
        ("ours-pages-publish", ("publish",)),
    ):
        parts = [_steps_sum(result, names) for result in results]
        best[scenario] = min(parts, key=lambda r: r["seconds"])
        median = statistics.median(r["seconds"] for r in parts)
        note = f"  (median of {len(parts)}: {median:.2f} s)" if len(parts) > 1 else ""
        _line("  " + SCENARIOS[scenario], rows, best[scenario], note)


def _ratios(best: dict) -> None:
    limit = best["limit"]
    for scenario in ("ours", "ours-pages-goal", "ours-pages"):
        ours = best[scenario]
        print(
            f"  ours/limit: {SCENARIOS[scenario]} takes {ours['seconds'] / limit['seconds']:.1f}× "
            f"the limit's time, {ours['cpu'] / limit['cpu']:.1f}× its CPU time",
            flush=True,
        )


def _peer_ratio(theirs: dict, ours: dict) -> None:
    ratio = theirs["seconds"] / ours["seconds"]
    cpu = theirs["cpu"] / ours["cpu"]
    print(
        f"  peer/ours: django-import-export takes {ratio:,.0f}× as long as ours "
        f"(preview + confirm), {cpu:,.0f}× the CPU time",
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
        default=None,
        help="sizes to run django-import-export on (it takes minutes at 10,000 rows); by "
        "default 1,000 and 10,000, none when --only picks some of ours",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per size (best shown)")
    parser.add_argument(
        "--detail",
        action="store_true",
        help="also print each run's steps (wall and CPU) and its slowest statements",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("limit", "ours", "ours-pages", "preview-page"),
        default=("limit", "ours", "ours-pages", "preview-page"),
        help="the measurements to run (and no reading alone)",
    )
    parser.add_argument("--keep-files", type=Path, help="also keep the generated files here")
    args = parser.parse_args()

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
    peer_rows = args.import_export_rows
    if peer_rows is None:
        peer_rows = [1_000, 10_000] if len(args.only) == 4 else []
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
            size = len(data) / 1024 / 1024
            print(f"\n{rows:,} rows ({size:.1f} MB .xlsx), {_load()}", flush=True)
            if len(args.only) == 4:
                for scenario in ("read-openpyxl", "read-ours"):
                    _line(SCENARIOS[scenario], rows, _measure(scenario, path, rows, "0", url))
            best = {}
            for scenario in args.only:
                results = [_measure(scenario, path, rows, str(n), url) for n in range(args.repeat)]
                best[scenario] = min(results, key=lambda r: r["seconds"])
                median = statistics.median(r["seconds"] for r in results)
                note = f"  (median of {args.repeat}: {median:.2f} s)" if args.repeat > 1 else ""
                _line(SCENARIOS[scenario], rows, best[scenario], note)
                if scenario == "ours-pages":
                    _pages_apart(rows, results, best)
                if args.detail:
                    _detail(results)
            if {"limit", "ours", "ours-pages"} <= set(best):
                _ratios(best)
            if rows in peer_rows:
                theirs = _measure("import-export", path, rows, "0", url)
                _line(SCENARIOS["import-export"], rows, theirs)
                if "ours" in best:
                    _peer_ratio(theirs, best["ours"])
            print(f"  ({_load()})", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
