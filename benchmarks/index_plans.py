"""Which indexes the pages use, and each of their queries' plan: to compare before and after an
index change (tasks migration 0013).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_bench \\
    python -m benchmarks.index_plans pages --out /tmp/plans-before.txt
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_load \\
    python -m benchmarks.index_plans load --out /tmp/load-before.txt

``pages``: the pages of ``benchmarks.pages`` on the data it built there (as its ``--reuse``).
``load``: the Monday mix of ``benchmarks.load.cpu`` on its copy ``<name>_cpu`` (made afresh
from the prepared template, as that benchmark does; ``--no-copy`` reuses it). Each page is
opened once (a warm-up), then once more with its queries captured, and every SELECT, UPDATE
and DELETE of that run is explained (``EXPLAIN (COSTS OFF)``: the plan's shape, not its
guesses). The file lists, per page, each query's first characters and its plan; a ``diff`` of
two files shows every plan that changed. The index scans of all of it, per index of the tables
an import writes (``pg_stat_user_indexes.idx_scan``, counted between the start and the end of
the run), are printed at the end and written to the file too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

#: The indexes tasks migration 0013 drops or makes partial: the queries whose plans used them
#: are kept (``--queries``) to be timed before and after (``timing``).
WATCHED = (
    "tasks_task_task_list_id_140627d7",
    "tasks_task_lead_unit_id_850a9799",
    "tasks_taskevent_task_id_bfe419b4",
    "tasks_tasksupport_task_id_e122f810",
    "tasks_task_principal_owner_id_98d676f1",
    "tasks_task_leader_in_charge_id_b7e97bc9",
    "tasks_task_specific_owner_id_79b1cffc",
    "tasks_task_acknowledged_by_id_9e601cbb",
)
TABLES = ("tasks_task", "tasks_taskevent", "tasks_tasksupport", "tasks_target")
EXPLAINED = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.I)
# Literals that change from run to run (times, the one-time tokens): not a plan's difference.
NOISE = re.compile(r"'\d{4}-\d\d-\d\d[ T][^']*'|'[0-9a-f-]{32,36}'")


def _scans() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.2)  # pending counts reach the shared statistics when the backend is idle
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        return dict(cursor.fetchall())


def _explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT index_plans")
            cursor.execute(f"EXPLAIN (COSTS OFF) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            cursor.execute("RELEASE SAVEPOINT index_plans")
        except Exception as error:  # a query that cannot be explained alone
            cursor.execute("ROLLBACK TO SAVEPOINT index_plans")
            plan = [f"(not explained: {str(error).splitlines()[0]})"]
    return plan


def _plans(name: str, page, kept: list[dict]) -> list[str]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    page()
    with CaptureQueriesContext(connection) as captured:
        page()
    lines = [f"=== {name}: {len(captured)} queries"]
    with transaction.atomic():
        for number, query in enumerate(captured.captured_queries, 1):
            sql = query["sql"]
            if not EXPLAINED.match(sql) or sql.lstrip().upper().startswith("SELECT PG_"):
                continue
            shown = NOISE.sub("'…'", sql)[:160]
            lines.append(f"--- {number}: {shown}")
            plan = _explain(sql)
            lines.extend(f"    {line}" for line in plan)
            if any(index in line for line in plan for index in WATCHED):
                kept.append({"page": name, "number": number, "sql": sql})
    return lines


def _pages() -> list[tuple[str, object]]:
    from benchmarks.pages import pages, reused

    return [(f"{name} ({who})", page) for name, who, page, _naive in pages(reused())]


def _load(copy: bool) -> list[tuple[str, object]]:
    from unittest import mock

    from benchmarks.load.cpu import Pages, _open_round, use_copy

    use_copy(reuse=not copy)
    import django

    django.setup()
    if copy:
        _open_round()
    mock.patch("exports.jobs.list_export_build_job.delay").start()
    mix = Pages()
    counter = iter(range(1, 10_000))
    return [
        (f"{label} ({user})", lambda user=user, url=url: mix.request(user, url, next(counter)))
        for label, user, url, _weight in mix.table()
    ]


def timing(path: str, repeat: int) -> None:
    """Each kept query explained with ANALYZE ``repeat`` times: its median execution time, the
    buffers it read and the indexes its plan uses."""
    import django

    django.setup()
    from django.db import connection

    kept = json.loads(Path(path).read_text())
    print(f"{'ms':>7} {'buffers':>8}  indexes  | page, query")
    with connection.cursor() as cursor:
        for query in kept:
            spent, buffers, plan = [], 0, []
            for _ in range(repeat + 1):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query['sql']}")
                (result,) = cursor.fetchone()
                spent.append(result[0]["Execution Time"])
                top = result[0]["Plan"]
                buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
                plan = result
            indexes = sorted(set(re.findall(r'"Index Name": "([^"]+)"', json.dumps(plan))))
            print(
                f"{statistics.median(spent[1:]):7.2f} {buffers:8}  {', '.join(indexes)}  "
                f"| {query['page']} #{query['number']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.index_plans")
    parser.add_argument("source", choices=("pages", "load", "timing"))
    parser.add_argument("--out", help="the file of plans and index scans")
    parser.add_argument(
        "--queries",
        help="pages, load: keep the watched queries here (JSON); timing: time the ones kept there",
    )
    parser.add_argument("--repeat", type=int, default=20, help="timing: runs of each query")
    parser.add_argument("--no-copy", action="store_true", help="load: reuse <name>_cpu")
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"
    if args.source == "timing":
        timing(args.queries, args.repeat)
        return
    if args.source == "load":
        pages = _load(copy=not args.no_copy)
    else:
        import django

        django.setup()
        pages = _pages()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    began = _scans()
    lines: list[str] = []
    kept: list[dict] = []
    for name, page in pages:
        lines.extend(_plans(name, page, kept))
    if args.queries:
        Path(args.queries).write_text(json.dumps(kept, ensure_ascii=False, indent=1))
    ended = _scans()
    lines.append("=== index scans (idx_scan during the run)")
    for index in sorted(ended, key=lambda i: (-(ended[i] - began.get(i, 0)), i)):
        lines.append(f"{ended[index] - began.get(index, 0):8} {index}")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[lines.index("=== index scans (idx_scan during the run)") :]))


if __name__ == "__main__":
    main()
