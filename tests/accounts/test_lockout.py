"""Lockout (等保: 登录失败处理): the attack of the security test, replayed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Lockout, LoginFailure, Role
from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.1.2.3"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_110_wrong_passwords_then_the_right_one_stays_locked(client, staff_user):
    for _ in range(110):
        _login(client, "staff", "wrong-password-1")

    response = _login(client, "staff", PASSWORD)

    assert response.status_code == 200 and not _logged_in(client)
    assert response.context["form"].non_field_errors().as_data()[0].code == "locked"
    assert Lockout.objects.filter(scope=Lockout.Scope.USERNAME, key="staff").count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKOUT).count() == 1
    # Every try is on record, the ones refused while locked included.
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).count() == 111


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(client, staff_user):
    for _ in range(4):
        _login(client, "staff", "wrong")
    assert _login(client, "staff", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "staff", "wrong")

    assert _login(client, "staff", PASSWORD).status_code == 302
    assert not Lockout.objects.exists()


def test_the_lock_holds_for_its_minutes_then_lets_the_right_password_in(client, staff_user):
    for _ in range(5):
        _login(client, "staff", "wrong")
    lock = Lockout.objects.get()
    assert lock.until - lock.locked_at >= datetime.timedelta(minutes=10)

    Lockout.objects.filter(pk=lock.pk).update(until=timezone.now() - datetime.timedelta(seconds=1))

    assert _login(client, "staff", PASSWORD).status_code == 302
    release = AuditEvent.objects.get(kind=AuditEvent.Kind.UNLOCK)
    assert release.detail["reason"] == "expired" and release.target == "username:staff"


def test_an_address_trying_many_usernames_is_locked_whatever_the_name(client, settings):
    settings.LOCKOUT_ADDRESS_FAILURES = 6
    UserFactory(username="victim", roles=[Role.STAFF])
    for n in range(6):
        _login(client, f"guess{n}", "wrong", ip="192.0.2.9")

    assert (
        not _logged_in(client)
        and _login(client, "victim", PASSWORD, ip="192.0.2.9").status_code == 200
    )
    assert Lockout.objects.filter(scope=Lockout.Scope.ADDRESS, key="192.0.2.9").exists()
    # Another address is not concerned.
    assert _login(client, "victim", PASSWORD, ip="192.0.2.10").status_code == 302


def test_the_admin_login_is_locked_too(client, staff_user):
    for _ in range(5):
        _login(client, "staff", "wrong")

    client.post(reverse("admin:login"), {"username": "staff", "password": PASSWORD})

    assert not _logged_in(client)


def test_the_security_administrator_releases_a_lock_and_it_is_on_record(client, staff_user):
    for _ in range(5):
        _login(client, "staff", "wrong")
    lock = Lockout.objects.get()
    secadmin = UserFactory(username="sec", roles=[Role.SECADMIN])
    from accounts.services import user_admin_access_sync

    user_admin_access_sync(user=secadmin)
    client.force_login(secadmin)

    response = client.post(
        reverse("admin:accounts_lockout_changelist"),
        {"action": "release", "_selected_action": [lock.pk]},
    )

    assert response.status_code == 302
    lock.refresh_from_db()
    assert lock.released_by == secadmin
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.UNLOCK)
    assert event.actor == secadmin and event.detail["reason"] == "released"
    client.logout()
    assert _login(client, "staff", PASSWORD).status_code == 302


def test_the_failure_counter_is_cleared_by_a_success(client, staff_user):
    _login(client, "staff", "wrong")
    assert LoginFailure.objects.filter(username="staff").count() == 1

    _login(client, "staff", PASSWORD)

    assert not LoginFailure.objects.filter(username="staff").exists()


def test_the_admin_login_says_the_account_is_locked(client, staff_user):
    for _ in range(5):
        _login(client, "staff", "wrong")

    response = client.post(reverse("admin:login"), {"username": "staff", "password": PASSWORD})

    assert response.context["form"].non_field_errors().as_data()[0].code == "locked"


def test_housekeeping_forgets_counters_and_old_locks_but_not_the_audit(client, staff_user):
    from accounts.services_logins import login_records_prune

    for _ in range(5):
        _login(client, "staff", "wrong")
    later = timezone.now() + datetime.timedelta(days=31)

    assert login_records_prune(now=later) == 6  # five failures and the lock
    assert not Lockout.objects.exists() and not LoginFailure.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).count() == 5
