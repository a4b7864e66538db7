"""The audit trail: append-only in the application and in the database, hash-chained so that a
row changed or removed behind the application's back is found, pruned only past retention."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from audit.selectors import audit_chain_verify
from audit.services import audit_prune, audit_record
from tasks.models import TaskEvent
from tasks.services import task_create
from tests.conftest import require
from tests.factories import TaskListFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _postgres():
    require(
        "PostgreSQL (DATABASE_URL)",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... to run the database-trigger tests (CI does)",
    )


def _rows(n: int) -> list[AuditEvent]:
    user = UserFactory()
    return [audit_record(kind=AuditEvent.Kind.LOGIN, by=user, target=f"row {i}") for i in range(n)]


def _without_triggers(table: str):
    """What an intruder with the database owner's rights could do: switch the guard off."""
    if connection.vendor == "postgresql":
        return "SET LOCAL session_replication_role = replica"  # user triggers off (superuser)
    return f"DROP TRIGGER IF EXISTS {table}_append_only"


def test_each_row_carries_the_hash_of_the_one_before():
    first, second, third = _rows(3)

    assert first.prev_hash == ""
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    verdict = audit_chain_verify()
    assert verdict.intact and verdict.rows == 3


def test_the_application_cannot_change_or_delete_a_row():
    (row,) = _rows(1)

    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=row.pk).update(target="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=row.pk).target == "row 0"


def test_a_raw_update_of_the_audit_table_is_refused_by_the_database():
    (row,) = _rows(1)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET target = 'forged' WHERE id = %s", [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).target == "row 0"


def test_a_raw_update_of_task_history_is_refused_by_the_database():
    task = task_create(task_list=TaskListFactory(), code="1", title="任务", lead_unit=UnitFactory())
    event = task.events.get()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tasks_taskevent SET note = 'forged' WHERE id = %s", [event.pk])
    assert TaskEvent.objects.get(pk=event.pk).note == ""


def test_a_raw_delete_of_recent_audit_rows_or_task_history_is_refused_on_postgresql():
    _postgres()
    (row,) = _rows(1)
    task = task_create(task_list=TaskListFactory(), code="1", title="任务", lead_unit=UnitFactory())

    for table, pk in (("audit_auditevent", row.pk), ("tasks_taskevent", task.events.get().pk)):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert AuditEvent.objects.filter(pk=row.pk).exists()
    assert task.events.count() == 1


def test_a_row_changed_behind_the_applications_back_breaks_the_chain():
    rows = _rows(3)
    with connection.cursor() as cursor:
        cursor.execute(_without_triggers("audit_auditevent"))
        cursor.execute("UPDATE audit_auditevent SET target = 'forged' WHERE id = %s", [rows[1].pk])

    verdict = audit_chain_verify()

    assert (rows[1].pk, "changed") in verdict.problems
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_a_row_removed_behind_the_applications_back_leaves_a_gap():
    rows = _rows(3)
    with connection.cursor() as cursor:
        cursor.execute(_without_triggers("audit_auditevent"))
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])

    verdict = audit_chain_verify()

    assert verdict.problems == [(rows[2].pk, "gap")]


def test_pruning_keeps_at_least_180_days_and_is_itself_recorded(settings, monkeypatch):
    settings.AUDIT_KEEP_DAYS = 30  # asks for less than the floor
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=181))
    old = _rows(2)
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=100))
    _rows(1)
    monkeypatch.undo()

    pruned = audit_prune(now=now)

    assert pruned == 2
    assert AuditEvent.objects.count() == 2
    last = AuditEvent.objects.order_by("id").last()
    assert last.kind == AuditEvent.Kind.PRUNED
    assert last.detail["anchor"] == old[-1].hash
    assert audit_chain_verify().intact
    assert audit_prune(now=now) == 0


def test_a_person_with_audit_rows_cannot_be_deleted():
    user = UserFactory(roles=[Role.STAFF])
    audit_record(kind=AuditEvent.Kind.LOGIN, by=user)

    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        user.delete()


def test_a_task_with_history_cannot_be_deleted():
    task = task_create(task_list=TaskListFactory(), code="1", title="任务", lead_unit=UnitFactory())

    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        task.delete()
    assert task.events.count() == 1
