"""PostgreSQL's own share of an import: each table's INSERT and each deferred foreign-key check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qingdan_x python -m benchmarks.import_database
    ... python -m benchmarks.import_database --rows 50000 --repeat 3

``benchmarks.import_lists`` gives the process's CPU time and the wall time; the difference,
on a quiet machine, is mostly the database server's work, which a loaded machine hides. This
measures that work directly: in a throwaway database (``test_<name>``), a list of ``--rows``
tasks is imported once (``tasklist_import``), then its tasks, supporting units, targets and
events are written again under new keys and numbers, as the import writes them (one
statement per table), and each foreign key's deferred check is run on its own
(``SET CONSTRAINTS … IMMEDIATE``), then the tasks published (one UPDATE: draft → in progress,
as ``task_list_publish`` does), then all of it rolled back. Each step is timed by the
server process's CPU time (``/proc/<pid>/stat``: same machine, so a loaded machine disturbs
it little; wall seconds where it cannot be read) and by the wall clock. It runs again with
the task search's trigram index (``task_search_trgm``, tasks migration 0010) dropped inside
the transaction, to show that index's share. The best of ``--repeat`` runs is shown.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

#: The tables an import writes for its new tasks, in the order it writes them.
TABLES = ("tasks_task", "tasks_tasksupport", "tasks_target", "tasks_taskevent")
TRIGRAM = "task_search_trgm"


class ServerClock:
    """The CPU seconds the connection's server process has used (None: not readable)."""

    def __init__(self, cursor):
        cursor.execute("SELECT pg_backend_pid()")
        self.path = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float | None:
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick


def _copies(cursor, task_list_id: int) -> None:
    """Temporary copies of the list's rows under new keys (and new task numbers)."""
    cursor.execute(
        "CREATE TEMP TABLE new_tasks ON COMMIT DROP AS "
        "SELECT * FROM tasks_task WHERE task_list_id = %s",
        [task_list_id],
    )
    cursor.execute(
        "CREATE TEMP TABLE keys ON COMMIT DROP AS SELECT id AS old, "
        "nextval(pg_get_serial_sequence('tasks_task', 'id')) AS new FROM new_tasks"
    )
    cursor.execute(
        "UPDATE new_tasks SET id = keys.new, code = new_tasks.code || 'x' "
        "FROM keys WHERE new_tasks.id = keys.old"
    )
    for table in TABLES[1:]:
        cursor.execute(
            f"CREATE TEMP TABLE new_{table} ON COMMIT DROP AS SELECT t.* FROM {table} t "
            "JOIN keys ON t.task_id = keys.old"
        )
        cursor.execute(
            f"UPDATE new_{table} SET id = nextval(pg_get_serial_sequence('{table}', 'id')), "
            f"task_id = keys.new FROM keys WHERE new_{table}.task_id = keys.old"
        )


def _foreign_keys(cursor) -> list[tuple[str, str]]:
    """(table, constraint) of every foreign key on the tables an import writes."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
        [list(TABLES)],
    )
    return cursor.fetchall()


def _steps(cursor, clock: ServerClock, drop_trigram: bool) -> dict[str, tuple[float, float]]:
    """Each step's (server CPU or wall, wall) seconds, everything rolled back after."""
    cursor.execute("SELECT max(task_list_id) FROM tasks_task")
    task_list_id = cursor.fetchone()[0]
    results: dict[str, tuple[float, float]] = {}
    cursor.execute("BEGIN")
    try:
        _copies(cursor, task_list_id)
        if drop_trigram:
            cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")
        steps = [(f"INSERT {TABLES[0]}", "INSERT INTO tasks_task SELECT * FROM new_tasks")]
        steps += [(f"INSERT {t}", f"INSERT INTO {t} SELECT * FROM new_{t}") for t in TABLES[1:]]
        steps += [
            (f"check {table}.{name.split('_fk_')[0].removeprefix(table + '_')}", name)
            for table, name in _foreign_keys(cursor)
        ]
        # Publishing, last (an updated row's pending check would be skipped): every task
        # rewritten, draft → in progress and handed over, as ``task_list_publish`` does.
        steps.append(
            (
                "publish: UPDATE tasks_task",
                "UPDATE tasks_task SET status = 'in_progress', version = version + 1, "
                "updated_at = now(), handed_over_at = now() "
                "WHERE id IN (SELECT id FROM new_tasks)",
            )
        )
        for label, sql in steps:
            if not sql.startswith(("INSERT", "UPDATE")):
                sql = f'SET CONSTRAINTS "{sql}" IMMEDIATE'
            cpu, wall = clock(), time.perf_counter()
            cursor.execute(sql)
            wall = time.perf_counter() - wall
            after = clock()
            results[label] = (after - cpu if after is not None and cpu is not None else wall, wall)
    finally:
        cursor.execute("ROLLBACK")
    return results


def _best(runs: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    return {key: min(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from benchmarks.generate import reform_workbook
    from benchmarks.import_lists import _setup_world
    from benchmarks.import_scenarios import _campaign, _office
    from campaigns.services.imports import tasklist_import

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: set DATABASE_URL=postgres://…")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        _setup_world()
        office, user = _office()
        report = tasklist_import(
            campaign=_campaign("server-share", office),
            data=reform_workbook(args.rows),
            filename=f"reform-{args.rows}.xlsx",
            by=user,
        )
        assert report.result is not None and report.result.created == args.rows, report.summary
        connection.close()  # autocommit from here: each run one explicit transaction
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
            cursor.execute("VACUUM ANALYZE")
            clock = ServerClock(cursor)
            unit = "server CPU s" if clock() is not None else "wall s (server CPU unreadable)"
            kept = _best([_steps(cursor, clock, False) for _n in range(args.repeat)])
            dropped = _best([_steps(cursor, clock, True) for _n in range(args.repeat)])
        print(
            f"{args.rows:,} tasks, best of {args.repeat}; {unit} (wall s), load average "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        print(f"  {'step':<58} {'all indexes':>20} {'without ' + TRIGRAM:>28}")
        for key, (cpu, wall) in kept.items():
            other = dropped[key]
            print(f"  {key:<58} {cpu:>8.3f} ({wall:>7.3f}) {other[0]:>16.3f} ({other[1]:>7.3f})")
        for name, results in (("all indexes", kept), ("without trigram", dropped)):
            inserts = sum(v[0] for k, v in results.items() if k.startswith("INSERT"))
            checks = sum(v[0] for k, v in results.items() if k.startswith("check"))
            print(f"  {name}: inserts {inserts:.3f} s, foreign-key checks {checks:.3f} s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
