"""What the security administrator changes on an account, on record: creation, unit, roles,
being active. The admin's forms save the rows; these check the rules and write the audit."""

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest

from accounts import permissions
from accounts.models import Unit, User
from audit.models import AuditEvent
from audit.services import audit_record
from config.errors import RuleViolation

Kind = AuditEvent.Kind


def roles_check(roles: Iterable[str]) -> None:
    """Refuse a set of roles one account may not hold together (三员分立)."""
    problem = permissions.role_combination_problem(roles)
    if problem:
        raise RuleViolation(problem, field="roles")


def account_snapshot(user: User) -> dict:
    """What the audit compares before and after an administrator's change."""
    if not user.pk:
        return {}
    fresh = User.objects.filter(pk=user.pk).values("unit_id", "is_active", "username").first()
    roles = sorted(user.roles.values_list("role", flat=True))
    return {**(fresh or {}), "roles": roles}


def _unit_name(unit_id) -> str:
    return Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""


@transaction.atomic
def account_changes_record(
    *, by: User, user: User, before: dict, request: HttpRequest | None = None
) -> None:
    """Audit what changed on ``user`` since ``before`` (empty: the account was created)."""
    after = account_snapshot(user)
    target = f"user:{user.pk} {user.get_username()}"
    if not before:
        audit_record(
            kind=Kind.ACCOUNT_CHANGED,
            request=request,
            by=by,
            target=target,
            detail={"created": True, "roles": after["roles"], "unit": _unit_name(user.unit_id)},
        )
        return
    if before["unit_id"] != after["unit_id"]:
        audit_record(
            kind=Kind.UNIT_CHANGED,
            request=request,
            by=by,
            target=target,
            detail={"before": _unit_name(before["unit_id"]), "after": _unit_name(after["unit_id"])},
        )
    if before["roles"] != after["roles"]:
        audit_record(
            kind=Kind.ROLES_CHANGED,
            request=request,
            by=by,
            target=target,
            detail={"before": before["roles"], "after": after["roles"]},
        )
    changed = {
        key: [before[key], after[key]]
        for key in ("is_active", "username")
        if before[key] != after[key]
    }
    if changed:
        audit_record(
            kind=Kind.ACCOUNT_CHANGED, request=request, by=by, target=target, detail=changed
        )
