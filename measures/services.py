"""Writes of the measures app: a measure's kind and rule, the rules' proposals after a month
is certified, and each application's life (confirm, edit, drop, add by hand). Each is atomic,
checks who acts and the state, and leaves an ``ApplicationEvent`` (or a ``TaskEvent`` on the
measure's line when the line itself changes)."""

import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.models import Campaign, TaskList
from config.errors import RuleViolation
from cycles.models import MonthlyReview, ReviewItem
from cycles.services import review_item_excuse
from measures import rules
from measures.models import (
    Application,
    ApplicationEvent,
    Measure,
    MeasureKind,
    MeasureRule,
)
from measures.permissions import can_manage_measures, may_be_named
from notifications.models import Notification
from notifications.services import notify
from tasks.models import Task, TaskEvent

# First match wins: 约谈问责 is a talk; 红榜 and 黑榜 say which list they are.
KIND_HINTS = (
    ("容错", MeasureKind.TOLERANCE),
    ("免责", MeasureKind.TOLERANCE),
    ("约谈", MeasureKind.TALK),
    ("问责", MeasureKind.ACCOUNTABILITY),
    ("黑榜", MeasureKind.CRITICISM),
    ("批评", MeasureKind.CRITICISM),
    ("红榜", MeasureKind.PRAISE),
    ("表扬", MeasureKind.PRAISE),
    ("表彰", MeasureKind.PRAISE),
    ("奖励", MeasureKind.REWARD),
    ("加分", MeasureKind.REWARD),
)
_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_RUNNING = re.compile(r"连续\s*([一二两三四五六\d])\s*个?月[^。；]*滞后")


def guess_kind(title: str) -> str:
    """A measure's kind from its title (黑榜/通报批评 → criticism, 约谈 → talk, ...)."""
    for word, kind in KIND_HINTS:
        if word in title:
            return kind
    return MeasureKind.OTHER


def guess_rule(text: str) -> tuple[str, int | None]:
    """A rule its wording states plainly ("连续两个月进度滞后的 ..."), else none."""
    if found := _RUNNING.search(text):
        digit = found.group(1)
        return MeasureRule.BEHIND_RUNNING, int(digit) if digit.isdigit() else _NUMBERS[digit]
    return MeasureRule.NONE, None


def measure_guess(line: Task) -> Measure:
    """The measure a line would be if nobody had set it (not saved)."""
    rule, number = guess_rule(f"{line.title}{line.content}")
    return Measure(line=line, kind=guess_kind(line.title), rule=rule, number=number)


def measures_ensure(*, campaign: Campaign) -> list[Measure]:
    """Every line of the campaign's measures lists as a saved Measure, guessed on first use."""
    lines = Task.objects.filter(
        task_list__campaign=campaign, task_list__kind=TaskList.Kind.MEASURE
    ).order_by("task_list__order", "order", "pk")
    missing = [measure_guess(line) for line in lines.filter(measure__isnull=True)]
    Measure.objects.bulk_create(missing, ignore_conflicts=True)
    return list(
        Measure.objects.filter(line__in=lines)
        .select_related("line")
        .order_by("line__task_list__order", "line__order", "line_id")
    )


def _measure_of(line: Task) -> Measure:
    if line.task_list.kind != TaskList.Kind.MEASURE:
        raise RuleViolation(_("This line is not a measure."), field="measure")
    measure = Measure.objects.filter(line=line).first()
    if measure is None:
        measures_ensure(campaign=line.task_list.campaign)
        measure = Measure.objects.get(line=line)
    return measure


@transaction.atomic
def measure_update(*, line: Task, by: User, kind: str, rule: str, number: int | None) -> Measure:
    """Set a measure's kind and rule (the rule's number: None for its default)."""
    if not can_manage_measures(by, line.task_list.campaign):
        raise PermissionDenied
    if kind not in MeasureKind.values:
        raise RuleViolation(_("Unknown kind of measure."), field="kind")
    if rule not in MeasureRule.values:
        raise RuleViolation(_("Unknown rule."), field="rule")
    measure = _measure_of(line)
    before = {"kind": measure.kind, "rule": measure.rule, "number": measure.number}
    measure.kind, measure.rule, measure.number, measure.updated_by = kind, rule, number, by
    measure.save()
    after = {"kind": kind, "rule": rule, "number": number}
    if before != after:
        TaskEvent.objects.create(
            task=line, actor=by, kind=TaskEvent.Kind.UPDATED, before=before, after=after
        )
    return measure


def _event(application: Application, kind: str, by: User | None, before=None, after=None):
    ApplicationEvent.objects.create(
        application=application, actor=by, kind=kind, before=before or {}, after=after or {}
    )


def _excuse(application: Application, by: User) -> None:
    """容错免责 applied: its task's rating leaves the unit's figures (cycles' own service)."""
    item = application.excused_item
    if application.measure.kind == MeasureKind.TOLERANCE and item is not None:
        review_item_excuse(item=item, by=by, reason=application.grounds)


def measures_propose(*, review: MonthlyReview) -> int:
    """What every rule of the campaign proposes for the certified ``review``: each measure to
    each target once per month (a unique constraint), so certifying again, or running this
    twice, proposes nothing new, and a dropped proposal is never proposed again."""
    if review.status != MonthlyReview.Status.CERTIFIED:
        return 0
    made = 0
    for measure in measures_ensure(campaign=review.campaign):
        for proposal in rules.proposals_for(measure=measure, review=review):
            made += _propose(measure, review, proposal)
    if made:
        notify(
            recipients=list(review.campaign.coordinators.filter(is_active=True)),
            kind=Notification.Kind.REVIEW,
            title=_("%(campaign)s: %(n)d measures proposed after %(month)s")
            % {"campaign": review.campaign.name, "n": made, "month": review.label},
            url=reverse("measures:register", args=[review.campaign.slug]) + "?status=proposed",
            campaign=review.campaign,
        )
    return made


def _propose(measure: Measure, review: MonthlyReview, proposal: rules.Proposal) -> int:
    try:
        with transaction.atomic():
            application = Application.objects.create(
                measure=measure,
                campaign_id=review.campaign_id,
                month=review.month,
                unit_id=proposal.unit_id,
                person_id=proposal.person_id,
                target_key=proposal.target_key,
                origin=Application.Origin.RULE,
                grounds=proposal.grounds,
                figures=proposal.figures,
                review=review,
            )
            application.tasks.set(proposal.task_ids)
            _event(application, ApplicationEvent.Kind.PROPOSED, None, after=_state(application))
    except IntegrityError:
        return 0  # proposed before (and maybe dropped since): never again
    return 1


def _state(application: Application) -> dict:
    return {
        "status": application.status,
        "unit": application.unit_id,
        "person": application.person_id,
        "grounds": application.grounds,
    }


def _locked(application: Application, by: User, *statuses: str) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign", "measure", "excused_item")
        .get(pk=application.pk)
    )
    if not can_manage_measures(by, application.campaign):
        raise PermissionDenied
    if application.status not in statuses:
        raise RuleViolation(
            _("This measure is %(status)s already.") % {"status": application.get_status_display()},
            code="state",
        )
    return application


@transaction.atomic
def application_confirm(*, application: Application, by: User) -> Application:
    """Apply a proposed measure: it enters the register."""
    application = _locked(application, by, Application.Status.PROPOSED)
    before = _state(application)
    application.status = Application.Status.APPLIED
    application.decided_at, application.decided_by = timezone.now(), by
    application.version = F("version") + 1
    application.save(update_fields=["status", "decided_at", "decided_by", "version"])
    application.refresh_from_db(fields=["version"])
    _event(application, ApplicationEvent.Kind.APPLIED, by, before, _state(application))
    _excuse(application, by)
    return application


@transaction.atomic
def application_drop(*, application: Application, by: User) -> Application:
    """Drop a proposal: it stays dropped, and its rule never proposes it again that month."""
    application = _locked(application, by, Application.Status.PROPOSED)
    before = _state(application)
    application.status = Application.Status.DROPPED
    application.decided_at, application.decided_by = timezone.now(), by
    application.version = F("version") + 1
    application.save(update_fields=["status", "decided_at", "decided_by", "version"])
    application.refresh_from_db(fields=["version"])
    _event(application, ApplicationEvent.Kind.DROPPED, by, before, _state(application))
    return application


def _check_target(campaign: Campaign, unit: Unit | None, person: User | None) -> Unit:
    if person is not None:
        if person.unit_id is None:
            raise RuleViolation(_("This person belongs to no unit."), field="person")
        if not may_be_named(person):
            raise RuleViolation(
                _("A measure names a unit's staff or heads, not %(person)s.") % {"person": person},
                field="person",
            )
        if unit is not None and person.unit_id != unit.pk:
            raise RuleViolation(_("This person is not of that unit."), field="person")
        assert person.unit is not None  # unit_id checked above
        return person.unit
    if unit is None:
        raise RuleViolation(_("Choose a unit or a person."), field="unit")
    return unit


@transaction.atomic
def application_edit(
    *, application: Application, by: User, grounds: str, unit: Unit | None, person: User | None
) -> Application:
    """Change a proposal's grounds or target before it is confirmed."""
    application = _locked(application, by, Application.Status.PROPOSED)
    grounds = grounds.strip()
    if not grounds:
        raise RuleViolation(_("Give the grounds."), field="grounds")
    unit = _check_target(application.campaign, unit, person)
    before = _state(application)
    application.grounds, application.unit, application.person = grounds, unit, person
    after = _state(application)
    if before == after:
        return application
    application.version = F("version") + 1
    application.save(update_fields=["grounds", "unit", "person", "version"])
    application.refresh_from_db(fields=["version"])
    _event(application, ApplicationEvent.Kind.EDITED, by, before, after)
    return application


@transaction.atomic
def application_add(
    *,
    campaign: Campaign,
    line: Task,
    by: User,
    grounds: str,
    unit: Unit | None = None,
    person: User | None = None,
    month=None,
    tasks: list[Task] | None = None,
    excused_item: ReviewItem | None = None,
) -> Application:
    """Apply any measure by hand, with grounds (and, for 容错免责, the rating it excuses)."""
    if not can_manage_measures(by, campaign):
        raise PermissionDenied
    if line.task_list.campaign_id != campaign.pk:
        raise RuleViolation(_("This measure is not of this campaign."), field="measure")
    measure = _measure_of(line)
    grounds = grounds.strip()
    if not grounds:
        raise RuleViolation(_("Give the grounds."), field="grounds")
    unit = _check_target(campaign, unit, person)
    if excused_item is not None:
        _check_excuse(campaign, measure, unit, excused_item)
        month = excused_item.review.month
    tasks = list(tasks or [])
    if any(task.task_list.campaign_id != campaign.pk for task in tasks):
        raise RuleViolation(_("A task of another campaign was named."), field="tasks")
    now = timezone.now()
    application = Application.objects.create(
        measure=measure,
        campaign=campaign,
        month=month,
        unit=unit,
        person=person,
        target_key=f"p{person.pk}" if person else f"u{unit.pk}",
        status=Application.Status.APPLIED,
        origin=Application.Origin.HAND,
        grounds=grounds,
        excused_item=excused_item,
        review=excused_item.review if excused_item else None,
        created_by=by,
        decided_at=now,
        decided_by=by,
    )
    application.tasks.set([t.pk for t in tasks] + ([excused_item.task_id] if excused_item else []))
    _event(application, ApplicationEvent.Kind.ADDED, by, after=_state(application))
    _excuse(application, by)
    return application


def _check_excuse(campaign: Campaign, measure: Measure, unit: Unit, item: ReviewItem) -> None:
    if measure.kind != MeasureKind.TOLERANCE:
        raise RuleViolation(_("Only fault tolerance excuses a rating."), field="excused_item")
    if item.review.campaign_id != campaign.pk or item.lead_unit_id != unit.pk:
        raise RuleViolation(_("That rating is not this unit's."), field="excused_item")
    # Locked, so two 容错免责 submitted at once cannot both excuse the same rating.
    if ReviewItem.objects.select_for_update().get(pk=item.pk).excused_at is not None:
        raise RuleViolation(_("That rating is excused already."), field="excused_item")
