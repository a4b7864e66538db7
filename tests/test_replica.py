"""The optional read replica: dashboards, bulletins and exports read from it; writes never go
there. The replica here is a second connection to the test database (committed rows, so a
transactional test), watched for every statement it runs."""

import pytest
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import replica
from config.replica import ReplicaRouter, read_alias, read_replica
from tasks.models import ProgressReport
from tasks.services import report_submit

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER")


def test_without_a_replica_everything_reads_and_writes_default():
    router = ReplicaRouter()

    with read_replica():
        assert read_alias() == "default"
        assert router.db_for_read(ProgressReport) == "default"
    assert router.db_for_write(ProgressReport) == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_default(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)

    with transaction.atomic(), read_replica():
        assert ReplicaRouter().db_for_read(ProgressReport) == "default"


def test_with_a_replica_only_marked_reads_go_there_and_writes_never(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    router = ReplicaRouter()

    assert router.db_for_read(ProgressReport) == "default"
    with read_replica():
        assert router.db_for_read(ProgressReport) == "replica"
        assert router.db_for_write(ProgressReport) == "default"
    assert router.db_for_read(ProgressReport) == "default"
    assert router.allow_migrate("replica", "tasks") is False
    assert router.allow_migrate("default", "tasks") is True


@pytest.fixture
def replica_connection(monkeypatch, transactional_db):
    """A 'replica' alias: its own connection to the test database."""
    default = connections["default"]
    backend = load_backend(default.settings_dict["ENGINE"])
    connection = backend.DatabaseWrapper(dict(default.settings_dict), alias="replica")
    connections._connections.replica = connection
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    yield connection
    connection.close()
    delattr(connections._connections, "replica")


def statements(context) -> list[str]:
    return [q["sql"].lstrip().split(" ", 1)[0].upper() for q in context.captured_queries]


def test_dashboards_bulletins_and_exports_read_from_the_replica(client, replica_connection):
    from tests.conftest import build_world

    world = build_world()
    client.force_login(world.leader)
    list_export = reverse(
        "campaigns:list_export", args=[world.campaign.slug, world.task.task_list_id]
    )

    for url in (reverse("cockpit:overview"), list_export):
        with CaptureQueriesContext(replica_connection) as seen:
            assert client.get(url).status_code == 200, url
        assert statements(seen), f"{url} read nothing from the replica"
        assert set(statements(seen)) == {"SELECT"}, url


def test_writes_go_to_default_even_inside_a_replica_block(client, replica_connection):
    from tests.conftest import build_world

    world = build_world()

    with CaptureQueriesContext(replica_connection) as seen:
        # A report through its page: nothing of the write path touches the replica.
        client.force_login(world.lead_staff)
        response = client.post(
            reverse("tasks:report_submit", args=[world.task.pk]),
            {"text": "完成系统联调", "percent": 40, "version": world.task.version},
        )
        world.task.refresh_from_db()
        assert response.status_code == 302
        assert statements(seen) == []
        # A write made while reads are sent to the replica still goes to default.
        with read_replica():
            report_submit(task=world.task, by=world.lead_staff, text="第二次", percent=60)

    assert not set(statements(seen)) & set(WRITES)
    assert ProgressReport.objects.using("default").count() == 2
