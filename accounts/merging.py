"""Merging two units of the directory (单位合并): one body listed under two names.

The system administrator merges a unit into another: every row that points at the merged
unit — tasks it leads or supports, its people, reports, requests, rounds, reviews and
figures, inspection answers, measures, robots, aliases, sub-units: every foreign key to
``Unit`` in every app, found through the app registry — then points at the surviving unit.
The merged unit stays, inactive and marked ``merged_into``, so that history naming it still
reads; its name (and its aliases) become aliases of the surviving unit, so the next list
that uses the old name lands on the right unit; a ``UnitMerge`` row records who merged what
and how many rows moved, and apps write their own history (a ``TaskEvent`` on each task).

``accounts`` knows no app above it: each app says how its foreign keys to Unit are merged,
from its ``AppConfig.ready()`` (``unit_references_register``). A key nobody registered
refuses every merge (and fails ``tests/accounts/test_merging.py``), so a model added later
cannot be forgotten. The ways:

* ``MOVE``: point at the surviving unit; a row that would then repeat one of the surviving
  unit's (a unique constraint) stays with the merged unit, as history, and is counted as kept.
* ``MOVE_DEDUP``: the same, but such a repeat is deleted (a link the surviving unit has already,
  such as a round's participant).
* ``KEEP``: history naming the unit as it was (``UnitMerge`` itself).
* a function ``(MergeContext) -> {label: count}``: the app moves its rows itself, for
  example with history of its own; it may also be registered for several keys at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, UnitAlias, UnitMerge, User
from config.errors import RuleViolation

MOVE = "move"
MOVE_DEDUP = "move_dedup"
KEEP = "keep"


@dataclass(frozen=True)
class MergeContext:
    merged: Unit
    into: Unit
    by: User | None
    at: datetime.datetime

    @property
    def note(self) -> str:
        return _("Units merged: “%(merged)s” into “%(into)s”") % {
            "merged": self.merged.name,
            "into": self.into.name,
        }


Handler = Callable[[MergeContext], dict[str, int]]
How = str | Handler

_REGISTRY: dict[str, How] = {}


def unit_references_register(*, fields: Iterable[str], how: How) -> None:
    """Say how foreign keys to Unit ("app_label.Model.field") are merged (call in ready())."""
    for label in fields:
        _REGISTRY[label] = how


def unit_reference_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every concrete foreign key (or one-to-one) to Unit of every installed model, the
    tables behind many-to-many relations included."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for fld in model._meta.local_fields:
            if fld.is_relation and fld.related_model is Unit:
                found.append((model, fld))
    return found


def field_label(model: type[models.Model], fld: models.Field) -> str:
    return f"{model._meta.label}.{fld.name}"


def unit_references_unhandled() -> list[str]:
    """Foreign keys to Unit that no app said how to merge."""
    return sorted(
        label
        for label in (field_label(m, f) for m, f in unit_reference_fields())
        if label not in _REGISTRY
    )


def unit_references(unit: Unit) -> dict[str, int]:
    """How many rows of each table point at ``unit`` (one count per foreign key)."""
    counts = {}
    for model, fld in unit_reference_fields():
        count = model._base_manager.filter(**{fld.attname: unit.pk}).count()
        if count:
            counts[field_label(model, fld)] = count
    return counts


def unit_references_described(unit: Unit) -> list[tuple[str, int]]:
    """What points at ``unit``, in words (table and column) with how many rows, for the merge
    page: counts only, no content."""
    described = []
    for model, fld in unit_reference_fields():
        count = model._base_manager.filter(**{fld.attname: unit.pk}).count()
        if count and _REGISTRY.get(field_label(model, fld)) != KEEP:
            name = f"{model._meta.verbose_name}（{fld.verbose_name}）"
            described.append((name, count))
    return described


def _unique_sets(model: type[models.Model], fld: models.Field) -> list[list[str]]:
    """The sets of fields that must be unique together and include ``fld``."""
    sets: list[list[str]] = []
    if fld.unique:
        sets.append([fld.name])
    for constraint in model._meta.constraints:
        fields = list(getattr(constraint, "fields", ()) or ())
        if isinstance(constraint, models.UniqueConstraint) and fld.name in fields:
            sets.append(fields)  # a condition is ignored: a clash is assumed (kept, not lost)
    sets += [list(fields) for fields in model._meta.unique_together if fld.name in fields]
    return sets


def _move(
    model: type[models.Model], fld: models.Field, ctx: MergeContext, *, dedup: bool
) -> tuple[int, int]:
    """Point the rows of ``model`` at the surviving unit: (moved, kept or deleted)."""
    rows = model._base_manager.filter(**{fld.attname: ctx.merged.pk})
    clash = Q(pk__in=[])
    for fields in _unique_sets(model, fld):
        others = {name: OuterRef(name) for name in fields if name != fld.name}
        clash |= Q(Exists(model._base_manager.filter(**{fld.attname: ctx.into.pk}, **others)))
    clashing = list(rows.filter(clash).values_list("pk", flat=True))
    if dedup and clashing:
        model._base_manager.filter(pk__in=clashing).delete()
    moved = rows.exclude(pk__in=clashing).update(**{fld.attname: ctx.into.pk})
    return moved, len(clashing)


def _check(merged: Unit, into: Unit) -> None:
    if merged.pk == into.pk:
        raise RuleViolation(_("Choose two different units."), field="into")
    if merged.merged_into_id is not None:
        raise RuleViolation(
            _("“%(name)s” was merged already.") % {"name": merged.name}, field="merged"
        )
    if into.merged_into_id is not None or not into.active:
        raise RuleViolation(
            _("“%(name)s” is not an active unit: choose the unit that stays.")
            % {"name": into.name},
            field="into",
        )
    ancestor = into.parent
    seen = {into.pk}
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == merged.pk:
            raise RuleViolation(
                _(
                    "“%(into)s” is under “%(merged)s”: a unit cannot be merged into its own sub-unit."
                )
                % {"into": into.name, "merged": merged.name},
                field="into",
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    unhandled = unit_references_unhandled()
    if unhandled:
        raise RuleViolation(
            _("No rule says how to merge %(fields)s; nothing was merged.")
            % {"fields": "、".join(unhandled)},
            code="unhandled",
        )


@transaction.atomic
def unit_merge(*, merged: Unit, into: Unit, by: User | None) -> UnitMerge:
    """Merge ``merged`` into ``into``: every reference moves, the old name becomes an alias,
    the merged unit stays inactive (``merged_into``) for history. All or nothing."""
    locked = {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=[merged.pk, into.pk])}
    merged, into = locked[merged.pk], locked[into.pk]
    _check(merged, into)
    ctx = MergeContext(merged=merged, into=into, by=by, at=timezone.now())
    moved: dict[str, int] = {}
    kept: dict[str, int] = {}
    done: set[int] = set()
    for model, fld in unit_reference_fields():
        label = field_label(model, fld)
        how = _REGISTRY[label]
        if how == KEEP:
            continue
        if callable(how):
            if id(how) not in done:
                done.add(id(how))
                moved.update({k: v for k, v in how(ctx).items() if v})
            continue
        count, clashed = _move(model, fld, ctx, dedup=how == MOVE_DEDUP)
        if count:
            moved[label] = count
        if clashed and how == MOVE:
            kept[label] = clashed
    _alias_old_name(merged, into)
    Unit.objects.filter(pk=merged.pk).update(active=False, merged_into=into)
    merged.active, merged.merged_into = False, into
    return UnitMerge.objects.create(
        merged=merged, merged_name=merged.name, into=into, by=by, at=ctx.at, moved=moved, kept=kept
    )


def _alias_old_name(merged: Unit, into: Unit) -> None:
    """The merged unit's name is from now on another name of the surviving unit (its own
    aliases moved with the other references)."""
    alias = UnitAlias.objects.filter(alias=merged.name).first()
    if alias is None:
        UnitAlias.objects.create(alias=merged.name, unit=into)
    elif alias.unit_id != into.pk:
        UnitAlias.objects.filter(pk=alias.pk).update(unit=into)


def unit_merge_sources(unit_ids: Iterable[int]) -> dict[int, int]:
    """Unit id → the unit it was merged into, for ids of merged units among ``unit_ids`` (so
    that history naming a merged unit can be read as the unit it is part of now)."""
    return dict(
        Unit.objects.filter(pk__in=list(unit_ids), merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )


# accounts' own keys: sub-units and people move to the surviving unit; aliases too (each
# alias is unique, so none clashes); units merged earlier into the merged unit now point at
# the surviving one (no chains); the merge record names the units as they were.
unit_references_register(
    fields=["accounts.Unit.parent", "accounts.User.unit", "accounts.UnitAlias.unit"], how=MOVE
)
unit_references_register(fields=["accounts.Unit.merged_into"], how=MOVE)
unit_references_register(fields=["accounts.UnitMerge.merged", "accounts.UnitMerge.into"], how=KEEP)
