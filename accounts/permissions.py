"""What a person's roles let them reach: which work they have, which pages are theirs.

Every other app's ``permissions.py`` builds on these; pages, menus and templates ask these
functions (or a flag they computed), never ``has_role`` themselves.
"""

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import BUSINESS_ROLES, Role, Unit, User
from audit import permissions as audit_permissions

# 三员分立: the system administrator runs the system, the security administrator manages
# accounts and roles, the auditor reads the audit trail. No account holds two of them, nor one
# of them with a business role.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


def works_on_tasks(user: User) -> bool:
    """Unit staff and unit heads: they report on their unit's tasks (我的任务)."""
    return user.is_authenticated and user.has_role(Role.STAFF, Role.HEAD)


def oversees_campaigns(user: User) -> bool:
    """Coordinators and leaders start from the campaigns and their figures."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.LEADER)


def is_coordinator(user: User) -> bool:
    """Holds the coordinator role (for some campaign; which ones is the campaign's rule)."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR)


def is_leader(user: User) -> bool:
    """District leaders see every campaign and task."""
    return user.is_authenticated and user.has_role(Role.LEADER)


def is_unit_head(user: User) -> bool:
    """A unit head of a unit: confirms that unit's reports."""
    return user.is_authenticated and user.unit_id is not None and user.has_role(Role.HEAD)


def takes_part_in_inspections(user: User) -> bool:
    """Inspection rounds (督查检查): units answer, the inspection group (coordinators and the
    督查组 role) verifies, leaders read. The rules of each round live in
    ``inspections.permissions``."""
    return user.is_authenticated and user.has_role(
        Role.STAFF, Role.HEAD, Role.COORDINATOR, Role.LEADER, Role.INSPECTOR
    )


def inspects_only(user: User) -> bool:
    """Holds the 督查组 role and no role that starts elsewhere: lands on the inspections."""
    return takes_part_in_inspections(user) and not (
        works_on_tasks(user) or oversees_campaigns(user)
    )


# --- Which units may lead a task ------------------------------------------------------------
# A lead unit (牵头单位) does the work and answers for it. A supervisory body (监督机关: 纪委监委)
# oversees that work: it may support a task, and problems are referred to it (问题台账), but it
# is never made the unit doing the reform, by import, transfer, the task forms or an award.
LEADING_KINDS = frozenset(Unit.Kind) - {Unit.Kind.SUPERVISION}


def unit_may_lead(unit: Unit) -> bool:
    """Whether ``unit`` may be a task's lead unit (its kind is one of ``LEADING_KINDS``)."""
    return unit.kind in LEADING_KINDS


def leading_units_q() -> Q:
    """A filter on Unit for the units that may lead: what forms offer as lead units."""
    return Q(kind__in=LEADING_KINDS)


def cannot_lead_message(unit: Unit) -> str:
    """Why ``unit`` is refused as a lead unit, in the words every refusal uses."""
    return _(
        "%(unit)s is a %(kind)s and cannot lead a task: choose the unit that does the work "
        "(it may be a supporting unit; problems are referred to it from the problem ledger)."
    ) % {"unit": unit.name, "kind": unit.get_kind_display()}


def lands_on_cockpit(user: User) -> bool:
    """Leaders start from the cockpit's overview (coordinators from their campaigns)."""
    return is_leader(user)


def menu(user: User) -> dict[str, bool]:
    """Which entries of the top menu a person sees (each one the rule of the page it opens)."""
    return {
        "my_tasks": works_on_tasks(user),
        # The cockpit's overview (leaders, coordinators); a unit's own page (its people).
        "cockpit": oversees_campaigns(user),
        "unit_page": works_on_tasks(user) and user.unit_id is not None,
        "campaigns": oversees_campaigns(user),
        "requests": is_coordinator(user),
        "inspections": takes_part_in_inspections(user),
        # 揭榜挂帅: units bid, coordinators publish, leaders and coordinators award
        # (challenges.permissions.takes_part is the same rule).
        "challenges": works_on_tasks(user) or oversees_campaigns(user),
        "audit": audit_permissions.reads_audit_trail(user),
    }


def can_administer_units(user: User) -> bool:
    """The unit directory (units, aliases, merging two units into one): system administrators
    (三员分立: no task content comes with it, only how many rows a merge moves)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_role(Role.SYSADMIN))
    )


def can_see_contact_handles(user: User) -> bool:
    """Mobile numbers and WeCom accounts (robot @-mentions): the person and system
    administrators only; everyone else may not even filter the user list by them."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.SYSADMIN))


def role_combination_problem(roles: Iterable[str]) -> str:
    """Why one account may not hold these roles together ("" when it may): the three
    administrators are separate people (三员分立), and none of them holds a business role."""
    held = set(roles)
    admin = held & ADMIN_ROLES
    if len(admin) > 1:
        return _(
            "The system administrator, the security administrator and the auditor must be "
            "three different accounts (三员分立)."
        )
    if admin and held & BUSINESS_ROLES:
        return _(
            "An administrator or auditor account may not also hold a business role: give "
            "the person a second, ordinary account."
        )
    return ""


def is_administrator(user: User) -> bool:
    """Holds one of the three administrative roles, or is the installer's superuser."""
    return user.is_authenticated and (user.is_superuser or bool(user.role_set & ADMIN_ROLES))


def needs_second_factor(user: User) -> bool:
    """The administrators and superusers log in with a TOTP code as well as a password."""
    return is_administrator(user)


def manages_accounts(user: User) -> bool:
    """Creates accounts, gives roles and units, resets passwords, releases lockouts."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.SECADMIN))


def may_manage_account(actor: User, target: User) -> bool:
    """Whose account ``actor`` may change in /admin/: never their own, never a superuser's,
    and another security administrator's only as superuser."""
    if not manages_accounts(actor) or actor.pk == target.pk:
        return False
    if actor.is_superuser:
        return True
    return not target.is_superuser and not target.has_role(Role.SECADMIN)


def may_set_password(actor: User, target: User) -> bool:
    """Setting a password lets whoever set it log in as that person until they change it.
    So a security administrator may do it only for people who hold no administrative role and
    are not leaders; those are reset by the installer's superuser (README, "Security")."""
    if not may_manage_account(actor, target):
        return False
    if actor.is_superuser:
        return True
    return not (target.role_set & ADMIN_ROLES) and not target.has_role(Role.LEADER)


def may_change_contact_fields(user: User) -> bool:
    """Names, email and the robots' @-handles of accounts: the system administrator, who sets
    up the robots (and the security administrator, who manages the accounts)."""
    return user.is_authenticated and (
        user.is_superuser or user.has_role(Role.SYSADMIN, Role.SECADMIN)
    )


# What each administrative role may do in /admin/: directory and accounts, never task content.
# Apps above accounts add the admin pages of their own rows (``role_admin_permissions_add``).
ROLE_ADMIN_PERMISSIONS: dict[str, list[str]] = {
    # Runs the system: units, aliases, robots; sees accounts and may correct their contact
    # fields, but creates none, sets no password, gives no role and moves nobody's unit.
    Role.SYSADMIN: [
        f"accounts.{action}_{model}"
        for model in ("unit", "unitalias")
        for action in ("add", "change", "delete", "view")
    ]
    + ["accounts.view_user", "accounts.change_user", "accounts.view_userrole"]
    + ["accounts.view_heartbeat"],
    # Manages accounts: creates them, gives roles and units, resets passwords (forced change
    # at next login), releases lockouts, ends sessions. Deletes none: accounts are deactivated.
    Role.SECADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.add_userrole",
        "accounts.change_userrole",
        "accounts.delete_userrole",
        "accounts.view_userrole",
        "accounts.view_lockout",
        "accounts.change_lockout",
        "accounts.view_usersession",
        "accounts.change_usersession",
    ],
}


def role_admin_permissions_add(*, role: str, codes: Iterable[str]) -> None:
    """Let ``role`` also use these admin pages ("app.codename"); called by apps at start-up."""
    granted = ROLE_ADMIN_PERMISSIONS.setdefault(role, [])
    granted.extend(code for code in codes if code not in granted)


def admin_permission_codes(user: User) -> list[str]:
    """The admin pages ("app.codename") the roles of ``user`` give, sorted."""
    return sorted({code for role in user.role_set for code in ROLE_ADMIN_PERMISSIONS.get(role, [])})


# --- A unit's people: who hears of its tasks ------------------------------------------------


def unit_members(unit_id: int | None) -> list[User]:
    """The active staff and heads of a unit: who hears of its tasks (instructions, transfers)."""
    return _unit_people(unit_id, Role.STAFF, Role.HEAD)


def unit_staff(unit_id: int | None) -> list[User]:
    """The active staff of a unit (not its heads): who is urged first to answer (催办)."""
    return _unit_people(unit_id, Role.STAFF)


def unit_heads(unit_id: int | None) -> list[User]:
    """The active heads of a unit: who confirms its reports."""
    return _unit_people(unit_id, Role.HEAD)


def _unit_people(unit_id: int | None, *roles: str) -> list[User]:
    if not unit_id:
        return []
    return list(
        User.objects.filter(unit_id=unit_id, is_active=True, roles__role__in=roles).distinct()
    )


def units_members(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """Unit id → its active staff and heads (who are reminded to acknowledge), in one query."""
    people: dict[int, list[User]] = {}
    users = User.objects.filter(
        unit_id__in=list(unit_ids), is_active=True, roles__role__in=(Role.STAFF, Role.HEAD)
    ).distinct()
    for user in users.order_by("pk"):
        if user.unit_id is not None:
            people.setdefault(user.unit_id, []).append(user)
    return people
