"""Coordinators running a campaign in the app: create and edit it, its coordinators and lists,
archive and restore it. Each write checks ``tasks.permissions`` and leaves a CampaignEvent."""

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.models import Campaign, CampaignEvent, TaskList
from config.errors import RuleViolation
from tasks import permissions

# What the edit page changes (the schedule is cycles' page; the status has archive/restore).
CAMPAIGN_FIELDS = (
    "name",
    "year",
    "organiser",
    "description",
    "start_date",
    "end_date",
    "status",
    "requires_head_confirmation",
    "acknowledge_within_hours",
)
LIST_FIELDS = ("name", "kind", "source_document", "order")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")
RESERVED_SLUGS = {"new"}  # /campaigns/new/ is the page that creates one


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _json(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Unit | User):
        return str(value)
    return value


def _record(campaign: Campaign, by: User | None, kind: str, before=None, after=None) -> None:
    CampaignEvent.objects.create(
        campaign=campaign, actor=by, kind=kind, before=before or {}, after=after or {}
    )


def _check(fields: dict[str, Any]) -> None:
    """The rules every campaign keeps, whatever the form let through."""
    if "name" in fields and not (fields["name"] or "").strip():
        raise RuleViolation(_("Give the campaign a name."), field="name")
    year = fields.get("year")
    if year is not None and not 2000 <= year <= 2100:
        raise RuleViolation(_("The year must lie between 2000 and 2100."), field="year")
    start, end = fields.get("start_date"), fields.get("end_date")
    if start and end and end < start:
        raise RuleViolation(_("The campaign cannot end before it starts."), field="end_date")
    hours = fields.get("acknowledge_within_hours")
    if hours is not None and not 1 <= hours <= 24 * 30:
        raise RuleViolation(
            _("Give between 1 and 720 hours for units to acknowledge a task."),
            field="acknowledge_within_hours",
        )
    if fields.get("status") == Campaign.Status.ARCHIVED:
        raise RuleViolation(_("Archive a campaign with its own button."), field="status")


def _check_coordinators(people: list[User]) -> None:
    if not people:
        raise RuleViolation(_("A campaign needs at least one coordinator."), field="coordinators")
    missing = [str(p) for p in people if not permissions.can_create_campaign(p) or not p.is_active]
    if missing:
        raise RuleViolation(
            _("%(people)s cannot coordinate: give them the coordinator role first.")
            % {"people": "、".join(missing)},
            field="coordinators",
        )


def _free_slug(year: int) -> str:
    taken = set(Campaign.objects.filter(slug__startswith=f"{year}-").values_list("slug", flat=True))
    n = 1
    while f"{year}-{n}" in taken:
        n += 1
    return f"{year}-{n}"


@transaction.atomic
def campaign_create(
    *,
    by: User,
    name: str,
    year: int,
    organiser: Unit,
    start_date: datetime.date,
    slug: str = "",
    coordinators: Iterable[User] = (),
    **fields: Any,
) -> Campaign:
    """A new campaign, coordinated by ``by`` and the ``coordinators`` named."""
    _require(permissions.can_create_campaign(by))
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"campaign_create() got unexpected fields {sorted(unknown)}")
    values = {"name": name.strip(), "year": year, "start_date": start_date, **fields}
    _check(values)
    people = list(dict.fromkeys([by, *coordinators]))
    _check_coordinators(people)
    slug = (slug or "").strip().lower() or _free_slug(year)
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise RuleViolation(
            _("The short name takes 3 to 60 small letters, digits and hyphens, e.g. 2026-reform."),
            field="slug",
        )
    if Campaign.objects.filter(slug=slug).exists():
        raise RuleViolation(
            _("The short name %(slug)s is taken by another campaign.") % {"slug": slug},
            field="slug",
        )
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(slug=slug, organiser=organiser, **values)
    except IntegrityError as error:  # the same short name, a moment earlier
        raise RuleViolation(
            _("The short name %(slug)s is taken by another campaign.") % {"slug": slug},
            field="slug",
        ) from error
    campaign.coordinators.set(people)
    after = {key: _json(getattr(campaign, key)) for key in CAMPAIGN_FIELDS}
    after["slug"] = slug
    after["coordinators"] = [str(p) for p in people]
    _record(campaign, by, CampaignEvent.Kind.CREATED, after=after)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    by: User,
    coordinators: Iterable[User] | None = None,
    **fields: Any,
) -> Campaign:
    """Change what the edit page shows; only what differs is written and recorded."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"campaign_update() got unexpected fields {sorted(unknown)}")
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(permissions.can_edit_campaign(by, locked))
    _check({"start_date": locked.start_date, "end_date": locked.end_date, **fields})
    before, after = {}, {}
    for key, value in fields.items():
        if getattr(locked, key) != value:
            before[key], after[key] = _json(getattr(locked, key)), _json(value)
            setattr(locked, key, value)
    if coordinators is not None:
        people = list(dict.fromkeys(coordinators))
        _check_coordinators(people)
        now = list(locked.coordinators.order_by("pk"))
        if {p.pk for p in people} != {p.pk for p in now}:
            before["coordinators"] = [str(p) for p in now]
            after["coordinators"] = [str(p) for p in people]
            locked.coordinators.set(people)
    if not after:
        return locked
    locked.save()
    _record(locked, by, CampaignEvent.Kind.UPDATED, before, after)
    return locked


@transaction.atomic
def campaign_archive(*, campaign: Campaign, by: User) -> Campaign:
    """Archive: read-only from now on, out of the rounds and (by default) of the lists."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(permissions.can_archive_campaign(by, locked))
    if locked.is_archived:
        return locked
    before = {"status": locked.status}
    locked.status = Campaign.Status.ARCHIVED
    locked.save(update_fields=["status"])
    _record(locked, by, CampaignEvent.Kind.ARCHIVED, before, {"status": locked.status})
    return locked


@transaction.atomic
def campaign_restore(*, campaign: Campaign, by: User) -> Campaign:
    """Bring an archived campaign back as it was before (active unless it had finished)."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(permissions.can_archive_campaign(by, locked))
    if not locked.is_archived:
        return locked
    last = (
        CampaignEvent.objects.filter(campaign=locked, kind=CampaignEvent.Kind.ARCHIVED)
        .order_by("-id")
        .first()
    )
    status = (last.before.get("status") if last else None) or Campaign.Status.ACTIVE
    if status == Campaign.Status.ARCHIVED:
        status = Campaign.Status.ACTIVE
    locked.status = status
    locked.save(update_fields=["status"])
    _record(
        locked,
        by,
        CampaignEvent.Kind.RESTORED,
        {"status": Campaign.Status.ARCHIVED},
        {"status": status},
    )
    return locked


def _check_list(campaign: Campaign, values: dict[str, Any], *, exclude: int | None = None) -> None:
    name = (values.get("name") or "").strip()
    if "name" in values and not name:
        raise RuleViolation(_("Give the list a name."), field="name")
    if "kind" in values and values["kind"] not in TaskList.Kind.values:
        raise RuleViolation(_("Choose the kind of list."), field="kind")
    same = TaskList.objects.filter(campaign=campaign, name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if name and same.exists():
        raise RuleViolation(
            _("The campaign already has a list named %(name)s.") % {"name": name}, field="name"
        )


@transaction.atomic
def task_list_create(
    *, campaign: Campaign, by: User, name: str, kind: str, source_document: str = ""
) -> TaskList:
    """An empty list, last in the campaign, to add tasks to by hand or import into."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(permissions.can_edit_campaign(by, locked))
    _check_list(locked, {"name": name, "kind": kind})
    task_list = TaskList.objects.create(
        campaign=locked,
        name=name.strip(),
        kind=kind,
        source_document=source_document.strip(),
        order=locked.lists.count(),
    )
    _record(
        locked,
        by,
        CampaignEvent.Kind.LIST_CREATED,
        after={"list": task_list.name, "kind": kind},
    )
    return task_list


@transaction.atomic
def task_list_update(*, task_list: TaskList, by: User, **fields: Any) -> TaskList:
    """Rename, reorder or describe a list; its kind only while it has no lines (the kind
    decides whether its lines are work, so it cannot change under them)."""
    unknown = set(fields) - set(LIST_FIELDS)
    if unknown:
        raise TypeError(f"task_list_update() got unexpected fields {sorted(unknown)}")
    locked = TaskList.objects.select_for_update().select_related("campaign").get(pk=task_list.pk)
    _require(permissions.can_edit_campaign(by, locked.campaign))
    _check_list(locked.campaign, fields, exclude=locked.pk)
    if "kind" in fields and fields["kind"] != locked.kind and locked.tasks.exists():
        raise RuleViolation(
            _("The list already has lines; its kind can no longer change."), field="kind"
        )
    before, after = {}, {}
    for key, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(locked, key) != value:
            before[key], after[key] = getattr(locked, key), value
            setattr(locked, key, value)
    if not after:
        return locked
    locked.save()
    _record(
        locked.campaign,
        by,
        CampaignEvent.Kind.LIST_UPDATED,
        {"list": task_list.name, **before},
        {"list": locked.name, **after},
    )
    return locked
