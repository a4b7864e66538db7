"""三员分立: the takeovers and role combinations of the security test, replayed, now refused."""

import pytest
from django.urls import reverse

from accounts import permissions
from accounts.models import Role, Unit, User, UserRole
from accounts.services import user_admin_access_sync, user_ensure
from audit.models import AuditEvent
from config.errors import RuleViolation
from tests.factories import PASSWORD, UnitFactory, UserFactory
from tests.notifications.test_settings import _admin_change_data

pytestmark = pytest.mark.django_db

NEW = "Xin-Mima-2026!"


def _admin(role: str, username: str) -> User:
    user = UserFactory(username=username, roles=[role])
    user_admin_access_sync(user=user)
    return user


@pytest.fixture
def people(world):
    world.sysadmin = _admin(Role.SYSADMIN, "sysadmin")
    world.secadmin = _admin(Role.SECADMIN, "secadmin")
    world.other_secadmin = _admin(Role.SECADMIN, "secadmin2")
    return world


def _set_password(client, target: User):
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    return client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})


@pytest.mark.parametrize("actor", ["sysadmin", "secadmin"])
@pytest.mark.parametrize("victim", ["leader", "auditor", "sysadmin", "secadmin", "other_secadmin"])
def test_no_administrator_can_set_a_leaders_or_an_administrators_password(
    client, people, actor, victim
):
    target = getattr(people, victim)
    before = User.objects.get(pk=target.pk).password
    client.force_login(getattr(people, actor))

    response = _set_password(client, target)

    assert response.status_code == 403
    assert User.objects.get(pk=target.pk).password == before
    # The takeover's second step: the new password does not open the account.
    client.logout()
    assert not client.login(username=target.username, password=NEW)


def test_the_system_administrator_cannot_set_anyones_password(client, people):
    client.force_login(people.sysadmin)
    assert _set_password(client, people.lead_staff).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_a_reset_by_the_security_administrator_is_recorded_and_forces_a_change(client, people):
    client.force_login(people.secadmin)

    assert _set_password(client, people.lead_staff).status_code == 302

    staff = User.objects.get(pk=people.lead_staff.pk)
    assert staff.must_change_password
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_RESET)
    assert event.actor == people.secadmin and event.target.endswith("lead_staff")
    # At the next login every page leads to the password change first.
    client.logout()
    assert client.login(username="lead_staff", password=NEW)
    response = client.get(reverse("tasks:mine"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("password_change")
    )
    changed = client.post(
        reverse("password_change"),
        {"old_password": NEW, "new_password1": "Own-Choice-77", "new_password2": "Own-Choice-77"},
    )
    assert changed.status_code == 302
    assert client.get(reverse("tasks:mine")).status_code == 200
    assert not User.objects.get(pk=staff.pk).must_change_password


def test_an_account_created_by_the_security_administrator_must_change_its_password(client, people):
    client.force_login(people.secadmin)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcomer",
            "password1": NEW,
            "password2": NEW,
            "usable_password": "true",
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-0-role": Role.STAFF,
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="newcomer").must_change_password
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.ACCOUNT_CHANGED, target__endswith="newcomer"
    ).exists()


def _roles_post(user: User, roles: list[str]) -> dict:
    data = _admin_change_data(user)
    data.update({"roles-TOTAL_FORMS": str(len(roles)), "roles-INITIAL_FORMS": "0"})
    for n, role in enumerate(roles):
        data[f"roles-{n}-role"] = role
        data[f"roles-{n}-user"] = user.pk
    return data


@pytest.mark.parametrize(
    "roles",
    [
        [Role.SYSADMIN, Role.LEADER],
        [Role.AUDITOR, Role.SYSADMIN],
        [Role.SECADMIN, Role.AUDITOR],
        [Role.AUDITOR, Role.STAFF],
    ],
)
def test_the_security_administrator_cannot_combine_roles_that_stay_apart(client, people, roles):
    target = UserFactory(username="someone", roles=[])
    UserRole.objects.filter(user=target).delete()
    client.force_login(people.secadmin)
    change = reverse("admin:accounts_user_change", args=[target.pk])

    response = client.post(change, _roles_post(target, roles))

    assert response.status_code == 200  # the form again, with the reason
    assert not UserRole.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLES_CHANGED).exists()


def test_a_role_change_is_recorded_with_before_and_after(client, people):
    target = people.lead_staff
    client.force_login(people.secadmin)

    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        _roles_post(target, [Role.HEAD]),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ROLES_CHANGED)
    assert event.detail == {"before": ["staff"], "after": ["head", "staff"]}
    assert event.actor == people.secadmin


def test_the_rule_is_one_function_and_the_services_keep_it_too():
    assert permissions.role_combination_problem([Role.LEADER, Role.COORDINATOR]) == ""
    assert permissions.role_combination_problem([Role.SECADMIN]) == ""
    assert permissions.role_combination_problem([Role.SECADMIN, Role.LEADER])
    with pytest.raises(RuleViolation):
        user_ensure(username="x", password=PASSWORD, unit=None, roles=[Role.SYSADMIN, Role.AUDITOR])
    assert not User.objects.filter(username="x").exists()


def test_the_system_administrator_cannot_move_a_person_to_another_unit(client, people):
    target = people.lead_staff
    elsewhere = people.other
    client.force_login(people.sysadmin)
    data = {**_admin_change_data(target), "unit": elsewhere.pk, "display_name": "新名字"}

    response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), data)

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.unit == people.lead  # read-only for them; the contact field did change
    assert target.display_name == "新名字"
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.UNIT_CHANGED).exists()


def test_a_unit_change_by_the_security_administrator_is_recorded(client, people):
    target = people.lead_staff
    client.force_login(people.secadmin)
    data = {**_admin_change_data(target), "unit": people.other.pk}

    assert (
        client.post(reverse("admin:accounts_user_change", args=[target.pk]), data).status_code
        == 302
    )

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.UNIT_CHANGED)
    assert event.detail == {"before": people.lead.name, "after": people.other.name}


def test_nobody_but_the_superuser_deletes_an_account_and_no_one_changes_their_own(client, people):
    for admin_user in (people.sysadmin, people.secadmin):
        client.force_login(admin_user)
        delete = reverse("admin:accounts_user_delete", args=[people.lead_staff.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        own = reverse("admin:accounts_user_change", args=[admin_user.pk])
        data = _roles_post(admin_user, [Role.SECADMIN, Role.LEADER])
        assert client.post(own, data).status_code == 403
    assert User.objects.filter(pk=people.lead_staff.pk).exists()
    assert set(people.sysadmin.roles.values_list("role", flat=True)) == {Role.SYSADMIN}


def test_a_security_administrator_cannot_touch_another_security_administrator(client, people):
    client.force_login(people.secadmin)
    change = reverse("admin:accounts_user_change", args=[people.other_secadmin.pk])
    data = {**_admin_change_data(people.other_secadmin), "is_active": ""}

    assert client.post(change, data).status_code == 403
    assert User.objects.get(pk=people.other_secadmin.pk).is_active


def test_the_auditor_has_no_admin_page_and_the_trail_is_not_in_the_admin(client, people):
    client.force_login(people.auditor)
    assert client.get("/admin/").status_code == 302
    client.force_login(people.secadmin)
    assert client.get("/admin/audit/auditevent/").status_code == 404
    assert Unit.objects.exists() and UnitFactory()


def test_the_installers_commands_are_on_record(monkeypatch):
    from django.core.management import call_command

    call_command("createsuperuser", username="installer", email="", interactive=False, verbosity=0)
    created = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCOUNT_CHANGED)
    assert created.target.endswith("installer") and created.detail["superuser"] is True

    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "Install-Pass-2026")
    call_command("changepassword", "installer", verbosity=0)
    assert User.objects.get(username="installer").must_change_password
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET).exists()
