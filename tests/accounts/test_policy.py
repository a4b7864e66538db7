"""Sessions, passwords and the second factor (等保: 身份鉴别): each rule as the attack or the
slip it stops."""

import base64
import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import totp
from accounts.models import Lockout, Role, User, UserSession
from accounts.services import user_admin_access_sync
from accounts.services_logins import AUTH_AT, SEEN_AT
from audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _age_session(client, **seconds_ago):
    session = client.session
    now = timezone.now().timestamp()
    for key, ago in seconds_ago.items():
        session[{"auth": AUTH_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


# --- Sessions -------------------------------------------------------------------------------


def test_an_idle_session_ends_and_says_so(client, staff_user):
    client.force_login(staff_user)
    _age_session(client, seen=31 * 60)

    response = client.get(reverse("tasks:mine"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("tasks:mine")).status_code == 302  # logged out for good
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_ENDED)
    assert event.detail == {"reason": "idle"} and event.actor == staff_user


def test_activity_keeps_a_session_but_not_past_its_absolute_lifetime(client, staff_user):
    client.force_login(staff_user)
    _age_session(client, seen=20 * 60)
    assert client.get(reverse("tasks:mine")).status_code == 200
    assert timezone.now().timestamp() - client.session[SEEN_AT] < 5  # the activity counted

    _age_session(client, auth=12 * 3600 + 1, seen=10)

    assert client.get(reverse("tasks:mine")).status_code == 302
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_ENDED).detail == {
        "reason": "absolute"
    }


def test_the_page_carries_the_idle_limit_for_its_warning(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("tasks:mine")).content.decode()
    assert 'data-idle-seconds="1800"' in page and 'src="/static/js/site.js"' in page


def test_cookies_are_httponly_and_samesite(client, staff_user):
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_person_sees_their_sessions_and_ends_another_one(client, staff_user):
    from django.test import Client

    phone = Client()
    assert phone.login(username="staff", password=PASSWORD)
    assert client.login(username="staff", password=PASSWORD)
    assert UserSession.objects.filter(user=staff_user, ended_at__isnull=True).count() == 2
    other = UserSession.objects.exclude(session_key=client.session.session_key).get()

    page = client.get(reverse("sessions"))
    assert page.status_code == 200 and len(page.context["sessions"]) == 2
    assert client.post(reverse("session_revoke", args=[other.pk])).status_code == 302

    assert phone.get(reverse("tasks:mine")).status_code == 302  # that session is gone
    assert client.get(reverse("tasks:mine")).status_code == 200
    other.refresh_from_db()
    assert other.end_reason == "revoked"


def test_logins_and_logouts_are_on_record(client, staff_user):
    client.post(
        reverse("login"), {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.7")

    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", "ip", "username"))
    assert kinds == [
        (AuditEvent.Kind.LOGIN, "10.0.0.7", "staff"),
        (AuditEvent.Kind.LOGOUT, "10.0.0.7", "staff"),
    ]


# --- Passwords ------------------------------------------------------------------------------


def _change(client, old, new):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("zhanglianluo", "password_too_simple"),  # the weak password the test got accepted
        ("Short-1a", "password_too_short"),
        ("abcdefghijk1", "password_too_simple"),
        ("Password123", "password_too_common"),
        ("Zhanglianluo1", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(client, new, code):
    user = UserFactory(username="zhanglianluo", roles=[Role.STAFF])
    client.force_login(user)

    response = _change(client, PASSWORD, new)

    assert response.status_code == 400
    codes = {error.code for error in response.context["form"].errors.as_data()["new_password2"]}
    assert code in codes
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_CHANGED)
    assert event.outcome == AuditEvent.Outcome.FAILURE


def test_none_of_the_last_five_passwords_again(client, staff_user):
    client.force_login(staff_user)
    passwords = [PASSWORD] + [f"Rotate-{n}-Qingdan" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert _change(client, old, new).status_code == 302

    assert _change(client, passwords[-1], passwords[2]).status_code == 400  # among the last 5
    assert _change(client, passwords[-1], passwords[0]).status_code == 302  # six ago: allowed
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.PASSWORD_CHANGED, outcome=AuditEvent.Outcome.SUCCESS
        ).count()
        == 6
    )


def test_an_expired_password_must_be_changed(client, staff_user, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=staff_user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    client.force_login(staff_user)

    response = client.get(reverse("tasks:mine"))

    assert response["Location"].startswith(reverse("password_change"))
    assert client.get(reverse("password_change")).context["forced"]


# --- The second factor ----------------------------------------------------------------------


def test_the_totp_module_gives_rfc_6238s_test_vectors():
    secret = base64.b32encode(b"12345678901234567890").decode()
    # RFC 6238 appendix B (SHA-1), last six of the eight digits.
    assert totp.totp(secret, at=59) == "287082"
    assert totp.totp(secret, at=1111111109) == "081804"
    assert totp.totp(secret, at=2000000000) == "279037"
    assert totp.matching_step(secret, "287082", at=59) == 1
    assert totp.matching_step(secret, "287082", at=59, after_step=1) is None  # used once


@pytest.fixture
def sysadmin(settings):
    settings.ADMIN_TOTP_REQUIRED = True
    user = UserFactory(username="sysadmin", roles=[Role.SYSADMIN])
    user_admin_access_sync(user=user)
    return user


def test_an_administrator_sets_up_the_second_factor_before_anything_else(client, sysadmin):
    assert client.login(username="sysadmin", password=PASSWORD)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("second_factor_setup"))

    page = client.get(reverse("second_factor_setup"))
    secret = page.context["secret"].replace(" ", "")
    assert page.context["uri"].startswith("otpauth://totp/")
    assert client.post(reverse("second_factor_setup"), {"code": "000000"}).status_code == 400
    done = client.post(reverse("second_factor_setup"), {"code": totp.totp(secret)})

    assert done.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert User.objects.get(pk=sysadmin.pk).totp_confirmed_at is not None


def test_after_the_password_an_administrator_needs_the_code(client, sysadmin):
    secret = totp.random_secret()
    User.objects.filter(pk=sysadmin.pk).update(totp_secret=secret, totp_confirmed_at=timezone.now())
    assert client.login(username="sysadmin", password=PASSWORD)
    assert client.get("/admin/")["Location"].startswith(reverse("second_factor"))

    code = totp.totp(secret)
    assert client.post(reverse("second_factor"), {"code": code}).status_code == 302
    assert client.get("/admin/").status_code == 200
    # The same code cannot open a second session (replayed from the shoulder).
    other = client.__class__()
    assert other.login(username="sysadmin", password=PASSWORD)
    assert other.post(reverse("second_factor"), {"code": code}).status_code == 400
    assert other.get("/admin/").status_code == 302


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, sysadmin):
    User.objects.filter(pk=sysadmin.pk).update(
        totp_secret=totp.random_secret(), totp_confirmed_at=timezone.now()
    )
    assert client.login(username="sysadmin", password=PASSWORD)
    for _ in range(5):
        client.post(reverse("second_factor"), {"code": "000000"})

    assert Lockout.objects.filter(key="sysadmin").exists()
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.LOGIN_FAILED, detail__reason="second_factor"
        ).count()
        == 5
    )


def test_business_users_need_no_second_factor(client, staff_user, settings):
    settings.ADMIN_TOTP_REQUIRED = True
    assert client.login(username="staff", password=PASSWORD)
    assert client.get(reverse("tasks:mine")).status_code == 200
    assert time.time()  # (no code was asked)


def test_a_session_left_idle_is_no_longer_listed(client, staff_user):
    client.force_login(staff_user)
    stale = UserSession.objects.create(
        user=staff_user,
        session_key="closed-browser",
        seen_at=timezone.now() - datetime.timedelta(hours=1),
    )

    listed = client.get(reverse("sessions")).context["sessions"]

    assert stale not in listed and len(listed) == 1
