from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Heartbeat, Role, Unit, UnitAlias, User, UserRole
from config.errors import RuleViolation


@transaction.atomic
def unit_ensure(
    *,
    name: str,
    kind: str = Unit.Kind.BUREAU,
    parent: Unit | None = None,
    aliases: Iterable[str] = (),
) -> Unit:
    """Create the unit, or bring an existing one of that name up to date; add its aliases."""
    unit, _ = Unit.objects.update_or_create(name=name, defaults={"kind": kind, "parent": parent})
    for alias in aliases:
        if alias and alias != name:
            UnitAlias.objects.get_or_create(alias=alias, defaults={"unit": unit})
    return unit


# Words that make a unit a supervisory body (区纪委监委, 纪律检查委员会, 监察委员会).
SUPERVISION_WORDS = ("纪委", "监委", "纪检", "监察委")


def guess_unit_kind(name: str) -> str:
    """The kind a unit's name suggests: 纪委/监委 are supervisory bodies, 街道/镇 towns,
    区委… party organs, 社区 communities, …公司/集团 enterprises; anything else a department."""
    if any(word in name for word in SUPERVISION_WORDS):
        return Unit.Kind.SUPERVISION
    if name.endswith(("公司", "集团")):
        return Unit.Kind.ENTERPRISE
    if name.endswith(("街道", "镇", "乡", "街道办事处")):
        return Unit.Kind.TOWN
    if "社区" in name or "委会" in name or name.startswith("各"):
        return Unit.Kind.COMMUNITY
    if name.startswith(("区委", "区纪委", "市委", "县委")):
        return Unit.Kind.PARTY
    return Unit.Kind.BUREAU


@transaction.atomic
def units_create(*, names: Iterable[str], parent: Unit | None) -> dict[str, Unit]:
    """Create units by name (in one query), kind guessed from the name; returns name → unit.

    A name that exists by then (someone created it meanwhile) is taken as it is.
    """
    wanted = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if not wanted:
        return {}
    longest = Unit._meta.get_field("name").max_length or 0
    too_long = [name for name in wanted if len(name) > longest]
    if too_long:
        raise RuleViolation(
            _("“%(name)s” is too long for a unit name.") % {"name": too_long[0][:40]},
            field="name",
        )
    Unit.objects.bulk_create(
        [Unit(name=name, kind=guess_unit_kind(name), parent=parent) for name in wanted],
        ignore_conflicts=True,
    )
    return {unit.name: unit for unit in Unit.objects.filter(name__in=wanted)}


@transaction.atomic
def unit_aliases_add(*, aliases: dict[str, int]) -> int:
    """Remember other names of units (alias → unit id), in one query; returns how many are new.

    An alias that already names another unit is refused: one name, one unit.
    """
    aliases = {alias.strip(): unit_id for alias, unit_id in aliases.items() if alias.strip()}
    if not aliases:
        return 0
    taken = dict(UnitAlias.objects.filter(alias__in=list(aliases)).values_list("alias", "unit_id"))
    for alias, unit_id in taken.items():
        if unit_id != aliases[alias]:
            raise RuleViolation(
                _("“%(alias)s” is already another unit's alias.") % {"alias": alias},
                field="alias",
            )
    names = set(Unit.objects.filter(name__in=list(aliases)).values_list("name", flat=True))
    new = [
        UnitAlias(alias=alias, unit_id=unit_id)
        for alias, unit_id in aliases.items()
        if alias not in taken and alias not in names
    ]
    UnitAlias.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def unit_aliases_set(*, unit: Unit, aliases: Iterable[str]) -> None:
    """Make ``aliases`` exactly the other names of ``unit`` (the admin's unit import)."""
    wanted = {alias.strip() for alias in aliases if alias and alias.strip() and alias != unit.name}
    UnitAlias.objects.filter(unit=unit).exclude(alias__in=wanted).delete()
    unit_aliases_add(aliases=dict.fromkeys(wanted, unit.pk))


def user_admin_access_sync(*, user: User) -> None:
    """Give administrators exactly the admin pages of their role, and others none."""
    codes = permissions.admin_permission_codes(user)
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in (code.split(".") for code in codes)
    ]
    user.user_permissions.set(perms)
    is_staff = bool(perms) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_ensure(
    *,
    username: str,
    password: str,
    unit: Unit | None,
    roles: Iterable[str],
    display_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """Create the user or reset it to exactly these settings (used by the demo and set-up)."""
    permissions_problem = permissions.role_combination_problem(roles := list(roles))
    if permissions_problem:
        raise RuleViolation(permissions_problem, field="roles")
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "unit": unit,
            "display_name": display_name,
            "email": email,
            "is_superuser": is_superuser,
            "is_active": True,
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    wanted = {Role(role) for role in roles}
    UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in wanted:
        UserRole.objects.get_or_create(user=user, role=role)
    user.__dict__.pop("role_set", None)
    user_admin_access_sync(user=user)
    return user


def heartbeat_beat(*, name: str) -> Heartbeat:
    """Record that the process ``name`` is alive now."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(at=now, count=F("count") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"at": now, "count": 1})
    return Heartbeat.objects.get(name=name)
