"""The throwaway database the scenario benchmarks run in (dispatch_round, monthly_review)."""

import os
import tempfile


def fresh_database() -> None:
    """Set Django up on an empty, migrated database: the one DATABASE_URL names (emptied), or
    SQLite in a temporary folder when it is not set."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["QINGDAN_VAR_DIR"] = tempfile.mkdtemp(prefix="qingdan-bench-")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "tasks_task" in connection.introspection.table_names():
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
