"""Every kind of audit event, produced by the action that should produce it (one table), and
the auditor's pages: search, export, integrity, each visit itself on record."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Lockout, Role, User
from accounts.services import user_admin_access_sync
from accounts.services_logins import lockouts_release, sessions_revoke
from accounts.services_passwords import password_change, password_reset_recorded, totp_reset
from audit.models import AuditEvent
from audit.permissions import AUDITOR_ROLE
from audit.services import audit_prune, audit_record
from campaigns.services.list_imports import list_import_confirm, list_import_create
from cycles.services import review_certify, review_confirm_all, review_open
from tasks.models import Task
from tasks.services import report_submit
from tests.campaigns.conftest import xlsx
from tests.factories import PASSWORD, UserFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db
K = AuditEvent.Kind


def _admin(role, username):
    user = UserFactory(username=username, roles=[role])
    user_admin_access_sync(user=user)
    return user


def login(c, w):
    c.post(reverse("login"), {"username": "lead_staff", "password": PASSWORD})


def login_failed(c, w):
    c.post(reverse("login"), {"username": "lead_staff", "password": "nope"})


def lockout(c, w):
    for _ in range(5):
        login_failed(c, w)


def unlock(c, w):
    lockout(c, w)
    lockouts_release(by=_admin(Role.SECADMIN, "sec"), lockouts=Lockout.objects.all())


def logout(c, w):
    login(c, w)
    c.post(reverse("logout"))


def session_ended(c, w):
    login(c, w)
    sessions_revoke(by=w.lead_staff, sessions=w.lead_staff.sessions.all())


def second_factor(c, w):
    totp_reset(by=_admin(Role.SECADMIN, "sec"), user=w.lead_staff)


def password_changed(c, w):
    password_change(user=w.lead_staff, password="Another-Pass-2026")


def password_reset(c, w):
    password_reset_recorded(by=_admin(Role.SECADMIN, "sec"), user=w.lead_staff)


def _admin_post(c, w, **changes):
    from tests.notifications.test_settings import _admin_change_data

    c.force_login(_admin(Role.SECADMIN, "sec"))
    data = {**_admin_change_data(w.lead_staff), **changes}
    return c.post(reverse("admin:accounts_user_change", args=[w.lead_staff.pk]), data)


def account_changed(c, w):
    _admin_post(c, w, is_active="")


def roles_changed(c, w):
    _admin_post(
        c,
        w,
        **{"roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-0-role": Role.HEAD},
    )


def unit_changed(c, w):
    _admin_post(c, w, unit=w.other.pk)


def denied(c, w):
    c.force_login(w.other_staff)
    c.get(reverse("tasks:detail", args=[w.task.pk]))  # another unit's task: 404


def imported(c, w):
    data = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行容缺受理", w.lead.name, "6月底前"]]
    )
    imp = list_import_create(campaign=w.campaign, by=w.coordinator, filename="a.xlsx", data=data)
    list_import_confirm(list_import=imp, by=w.coordinator)


def exported(c, w):
    report = report_submit(
        task=w.task, by=w.lead_staff, text="进展", percent=30, files=[files.pdf()]
    )
    c.force_login(w.lead_staff)
    c.get(reverse("tasks:evidence", args=[report.evidence.get().pk]))


def _review(w):
    Task.objects.filter(pk=w.task.pk).update(
        created_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    )
    return review_open(campaign=w.campaign, month=datetime.date(2026, 10, 1), now=timezone.now())


def rated(c, w):
    review_confirm_all(review=_review(w), by=w.coordinator)


def certified(c, w):
    review = _review(w)
    review_confirm_all(review=review, by=w.coordinator)
    review_certify(review=review, by=w.coordinator)


def admin_change(c, w):
    c.force_login(_admin(Role.SYSADMIN, "sys"))
    c.post(
        reverse("admin:accounts_unit_add"),
        {
            "name": "区新设局",
            "kind": "bureau",
            "order": 0,
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
        },
    )


def audit_read(c, w):
    c.force_login(w.auditor)
    c.get(reverse("audit:events"))


def pruned(c, w):
    from unittest import mock

    long_ago = timezone.now() - datetime.timedelta(days=400)
    with mock.patch.object(timezone, "now", lambda: long_ago):
        audit_record(kind=K.LOGIN, by=w.lead_staff)
    audit_prune()


ACTIONS = {
    K.LOGIN: login,
    K.LOGIN_FAILED: login_failed,
    K.LOCKOUT: lockout,
    K.UNLOCK: unlock,
    K.LOGOUT: logout,
    K.SESSION_ENDED: session_ended,
    K.SECOND_FACTOR: second_factor,
    K.PASSWORD_CHANGED: password_changed,
    K.PASSWORD_RESET: password_reset,
    K.ACCOUNT_CHANGED: account_changed,
    K.ROLES_CHANGED: roles_changed,
    K.UNIT_CHANGED: unit_changed,
    K.DENIED: denied,
    K.IMPORT: imported,
    K.EXPORT: exported,
    K.RATED: rated,
    K.CERTIFIED: certified,
    K.ADMIN_CHANGE: admin_change,
    K.AUDIT_READ: audit_read,
    K.PRUNED: pruned,
}


def test_every_kind_has_an_action_in_the_table():
    assert set(ACTIONS) == set(K)


@pytest.mark.parametrize("kind", list(ACTIONS))
def test_the_action_records_its_kind(client, world, kind):
    assert not AuditEvent.objects.filter(kind=kind).exists()

    ACTIONS[kind](client, world)

    assert AuditEvent.objects.filter(kind=kind).exists(), kind


def test_the_auditor_role_is_accounts_auditor_role():
    assert AUDITOR_ROLE == Role.AUDITOR


# --- The auditor's pages ----------------------------------------------------------------------


def test_the_auditor_searches_by_person_kind_outcome_and_day(client, world):
    login_failed(Client(), world)
    login(Client(), world)
    audit_record(kind=K.LOGIN, by=world.leader)
    client.force_login(world.auditor)

    def shown(**query):
        page = client.get(reverse("audit:events"), query).context["page"]
        return sorted((e.kind, e.username) for e in page)

    assert shown(person="lead_staff") == [(K.LOGIN, "lead_staff"), (K.LOGIN_FAILED, "lead_staff")]
    assert shown(kind=K.LOGIN_FAILED) == [(K.LOGIN_FAILED, "lead_staff")]
    assert shown(outcome="failure") == [(K.LOGIN_FAILED, "lead_staff")]
    today = timezone.localdate().isoformat()
    assert len(shown(since=today, until=today)) >= 3
    assert shown(until="2000-01-01") == []


def test_the_trail_page_costs_the_same_queries_for_few_or_many_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.auditor)
    for n in (5, 120):
        for _ in range(n):
            audit_record(kind=K.LOGIN, by=world.leader)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("audit:events")).status_code == 200


def test_the_export_is_a_workbook_and_is_itself_recorded(client, world):
    audit_record(kind=K.LOGIN, by=world.leader, target='=HYPERLINK("http://x")')
    client.force_login(world.auditor)

    response = client.get(reverse("audit:export"), {"kind": K.LOGIN})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert '\'=HYPERLINK("http://x")' in values  # never a live formula
    assert AuditEvent.objects.filter(kind=K.EXPORT, actor=world.auditor).exists()


def test_the_integrity_page_shows_an_intact_chain_and_a_broken_one(client, world):
    from django.db import connection

    rows = [audit_record(kind=K.LOGIN, by=world.leader) for _ in range(3)]
    client.force_login(world.auditor)
    assert client.get(reverse("audit:integrity")).context["verdict"].intact

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_append_only")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    page = client.get(reverse("audit:integrity"))

    assert (rows[2].pk, "gap") in page.context["verdict"].problems
    assert b'data-testid="broken"' in page.content


def test_nobody_else_reads_the_trail(client, world):
    for user in (world.leader, world.coordinator, _admin(Role.SECADMIN, "sec")):
        client.force_login(user)
        assert client.get(reverse("audit:events")).status_code == 404
    assert User.objects.filter(username="sec").exists()
