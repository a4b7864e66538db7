"""The compiled reads (config/prepared.py) run as server-side prepared statements on
PostgreSQL: prepared once per session, the same rows and the same SQL logged as when sent as
text, a statement the server cannot prepare sent as text without breaking a transaction, and
a new session prepares again."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from config.prepared import PreparedUpdate, Slot, Statement, _numbered, among

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's (set DATABASE_URL)")


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def statement_of(queryset) -> Statement:
    return Statement.of(queryset)


def test_django_placeholders_become_numbered_parameters():
    assert _numbered("a = %s AND b LIKE '10%%' AND c = ANY(%s)") == (
        "a = $1 AND b LIKE '10%' AND c = ANY($2)"
    )
    assert _numbered("x LIKE '%%s' OR y = %s") == "x LIKE '%s' OR y = $1"


def test_a_statement_is_prepared_once_and_gives_the_rows_and_log_of_its_text(settings):
    settings.PREPARED_STATEMENTS = True
    people = [User.objects.create(username=f"p{n}", email=f"p{n}@x.cn") for n in range(3)]
    # The ids a slot (one array), a percent sign in the SQL: as the pages compile them.
    statement = statement_of(
        User.objects.filter(among("pk", Slot("ids")), username__contains="%").values_list(
            "username"
        )
    )
    assert statement.name not in prepared_names()
    with CaptureQueriesContext(connection) as first:
        rows = statement.rows({"ids": [people[0].pk, people[2].pk]})
    assert sorted(rows) == []  # no name holds a percent sign
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET username = username || '%%' WHERE id = %s", [people[2].pk]
        )
    with CaptureQueriesContext(connection) as second:
        rows = statement.rows({"ids": [people[0].pk, people[2].pk]})
    assert rows == [("p2%",)]
    assert statement.name in prepared_names()
    # One query each time, logged as the SQL itself with its values (not EXECUTE).
    assert len(first) == len(second) == 1
    logged = second.captured_queries[0]["sql"]
    assert logged.startswith('SELECT "accounts_user"."username"') and str(people[2].pk) in logged
    assert "EXECUTE" not in logged and "PREPARE" not in first.captured_queries[0]["sql"]


def test_a_statement_the_server_cannot_prepare_is_sent_as_text_inside_a_transaction(settings):
    settings.PREPARED_STATEMENTS = True
    statement = Statement("SELECT %s IS NULL", [Slot("value")])
    with transaction.atomic():
        assert statement.rows({"value": None}) == [(True,)]
        assert statement.preparable is False
        # The transaction goes on.
        assert User.objects.count() == 0
    assert statement.name not in prepared_names()


def test_off_it_sends_text(settings):
    settings.PREPARED_STATEMENTS = False
    statement = Statement("SELECT %s::int + 1", [Slot("n")])
    assert statement.rows({"n": 1}) == [(2,)]
    assert statement.name not in prepared_names()


@pytest.mark.django_db(transaction=True)
def test_a_new_session_prepares_again(settings):
    settings.PREPARED_STATEMENTS = True
    statement = Statement("SELECT %s::int * 2", [Slot("n")])
    assert statement.rows({"n": 2}) == [(4,)]
    assert statement.name in prepared_names()
    connection.close()
    assert statement.name not in prepared_names()  # a new session
    assert statement.rows({"n": 3}) == [(6,)]
    assert statement.name in prepared_names()


def test_an_update_compiled_once_changes_what_update_would_and_counts_it(settings):
    settings.PREPARED_STATEMENTS = True
    people = [User.objects.create(username=f"u{n}", email=f"u{n}@x.cn") for n in range(4)]

    def build(values):
        rows = User.objects.filter(among("pk", values["ids"])).exclude(first_name=values["name"])
        return rows, {"first_name": values["name"]}

    update = PreparedUpdate(build)
    statement, alias = update.statement()
    assert alias == "default" and statement.sql.startswith('UPDATE "accounts_user"')
    ids = [people[0].pk, people[2].pk]
    with CaptureQueriesContext(connection) as first:
        assert update.update(ids=ids, name="甲") == 2
    assert update.update(ids=[*ids, people[3].pk], name="甲") == 1  # two were already so
    assert statement.name in prepared_names()
    assert dict(User.objects.values_list("username", "first_name")) == {
        "u0": "甲",
        "u1": "",
        "u2": "甲",
        "u3": "甲",
    }
    assert len(first) == 1 and first.captured_queries[0]["sql"].startswith("UPDATE")
    # Conditions nothing meets: no statement at all.
    nothing = PreparedUpdate(lambda values: (User.objects.filter(pk__in=[]), {"first_name": "乙"}))
    with CaptureQueriesContext(connection) as none:
        assert nothing.update() == 0
    assert len(none) == 0


def test_an_update_over_a_join_is_refused():
    joined = PreparedUpdate(
        lambda values: (User.objects.filter(unit__name=values["name"]), {"first_name": "丙"})
    )
    with pytest.raises(ValueError, match="one table"):
        joined.update(name="x")
