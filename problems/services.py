"""Every write of the problem ledger: raise, assign, resolve, refer, record the referral's
answer, reopen. Each is atomic, asks problems.permissions, refuses with RuleViolation (a page
opened before someone else changed the problem: by its version), and leaves a ProblemEvent."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.models import Campaign
from config.errors import RuleViolation
from inspections.models import Answer, Value
from notifications.models import Notification
from notifications.services import notify
from problems import permissions
from problems.models import Problem, ProblemEvent
from tasks.models import Instruction, ProgressReport, Task
from tasks.permissions import unit_members

State = Problem.State


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _url(problem: Problem) -> str:
    return reverse("problems:problem", args=[problem.pk])


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _source(
    *,
    by: User,
    campaign: Campaign,
    report: ProgressReport | None,
    answer: Answer | None,
    instruction: Instruction | None,
) -> tuple[str, Task | None, Unit | None]:
    """What the problem was raised from: its source, task and unit (checked for ``by``)."""
    if report is not None:
        _require(permissions.can_raise_from_report(by, report))
        return Problem.Source.REPORT, report.task, report.unit
    if instruction is not None:
        _require(permissions.can_raise_from_instruction(by, instruction))
        return Problem.Source.INSTRUCTION, instruction.task, instruction.task.lead_unit
    if answer is not None:
        _require(permissions.can_raise_from_answer(by, answer))
        if answer.final_value != Value.NO or not answer.is_verified:
            raise RuleViolation(_("Only a verified 否 can be entered in the ledger."))
        rectification = getattr(answer, "rectification", None)
        return Problem.Source.INSPECTION, getattr(rectification, "task", None), answer.unit
    _require(permissions.can_raise_by_hand(by, campaign))
    return Problem.Source.OFFICE, None, None


@transaction.atomic
def problem_raise(
    *,
    campaign: Campaign,
    by: User,
    title: str,
    description: str = "",
    location: str = "",
    unit: Unit | None = None,
    task: Task | None = None,
    report: ProgressReport | None = None,
    answer: Answer | None = None,
    instruction: Instruction | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    """Enter a problem: from a report's obstacles, an instruction or a verified 否 (its task
    and unit come from there), or by the office by hand (naming the unit, maybe a task)."""
    source, source_task, source_unit = _source(
        by=by, campaign=campaign, report=report, answer=answer, instruction=instruction
    )
    task = source_task or task
    unit = source_unit or unit or (task.lead_unit if task else None)
    if task is not None and task.task_list.campaign_id != campaign.pk:
        raise RuleViolation(_("The task is not one of this campaign's."), field="task")
    if answer is not None and answer.round.campaign_id != campaign.pk:
        raise RuleViolation(_("The answer is not one of this campaign's."))
    if unit is None:
        raise RuleViolation(_("Name the unit the problem concerns."), field="unit")
    if not (title or "").strip():
        raise RuleViolation(_("Say what the problem is."), field="title")
    problem = Problem.objects.create(
        campaign=campaign,
        title=title.strip()[:300],
        description=description.strip(),
        location=location.strip()[:200],
        task=task,
        unit=unit,
        source=source,
        report=report,
        answer=answer,
        instruction=instruction,
        raised_by=by,
        raised_at=at or timezone.now(),
    )
    ProblemEvent.objects.create(
        problem=problem,
        kind=ProblemEvent.Kind.RAISED,
        actor=by,
        at=problem.raised_at,
        after={"title": problem.title, "unit_id": unit.pk, "source": source},
    )
    if not permissions.works_ledger(by, campaign):
        notify(
            recipients=campaign.coordinators.filter(is_active=True),
            kind=Notification.Kind.OTHER,
            title=_("New problem in the ledger: %(title)s (%(unit)s)")
            % {"title": problem.title[:60], "unit": unit.name},
            url=_url(problem),
            campaign=campaign,
        )
    return problem


def _step(
    problem: Problem,
    *,
    by: User,
    kind: str,
    allowed: tuple[str, ...],
    changes: dict[str, Any],
    expected_version: int | None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Problem:
    """One step of the ledger: lock, check who and from which state, write, record."""
    _require(permissions.works_ledger(by, problem.campaign))
    locked = Problem.objects.select_for_update().select_related("campaign").get(pk=problem.pk)
    if expected_version is not None and locked.version != expected_version:
        raise RuleViolation(
            _("Someone else changed this problem after you opened it. Reload the page."),
            code="stale",
        )
    if locked.state not in allowed:
        raise RuleViolation(
            _("The problem is %(state)s: this step does not apply.")
            % {"state": locked.get_state_display()},
            code="stale",
        )
    before = {name: _jsonable(getattr(locked, name)) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    after = {name: _jsonable(getattr(locked, name)) for name in changes}
    ProblemEvent.objects.create(
        problem=locked,
        kind=kind,
        actor=by,
        at=at or timezone.now(),
        before={k: v for k, v in before.items() if v != after[k]},
        after={k: v for k, v in after.items() if v != before[k]},
        note=note.strip(),
    )
    problem.__dict__.update(locked.__dict__)
    return problem


@transaction.atomic
def problem_assign(
    *,
    problem: Problem,
    by: User,
    unit: Unit,
    due_date: datetime.date | None,
    note: str = "",
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    """协调: ask a unit to solve it by a date (again: another unit or date)."""
    if due_date is not None and due_date < timezone.localdate():
        raise RuleViolation(_("The deadline cannot be in the past."), field="due_date")
    _step(
        problem,
        by=by,
        kind=ProblemEvent.Kind.ASSIGNED,
        allowed=(State.REPORTED, State.COORDINATING),
        changes={"state": State.COORDINATING, "assigned_unit_id": unit.pk, "due_date": due_date},
        expected_version=expected_version,
        note=note,
        at=at,
    )
    notify(
        recipients=unit_members(unit.pk),
        kind=Notification.Kind.OTHER,
        title=_("Your unit is asked to solve a problem: %(title)s") % {"title": problem.title[:60]},
        body=note.strip(),
        url=_url(problem),
        campaign=problem.campaign,
    )
    return problem


@transaction.atomic
def problem_resolve(
    *,
    problem: Problem,
    by: User,
    resolution: str,
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    if not resolution.strip():
        raise RuleViolation(_("Say how it was solved."), field="resolution")
    when = at or timezone.now()
    return _step(
        problem,
        by=by,
        kind=ProblemEvent.Kind.RESOLVED,
        allowed=(State.REPORTED, State.COORDINATING, State.REFERRED),
        changes={"state": State.RESOLVED, "resolution": resolution.strip(), "resolved_at": when},
        expected_version=expected_version,
        at=when,
    )


def discipline_body_name() -> str:
    """The receiving body a referral for discipline matters goes to by default: the
    directory's supervisory body (区纪委监委), if it has one."""
    body = (
        Unit.objects.filter(kind=Unit.Kind.SUPERVISION, active=True)
        .order_by("order", "name")
        .first()
    )
    return body.name if body else ""


@transaction.atomic
def problem_refer(
    *,
    problem: Problem,
    by: User,
    referral: str,
    referred_to: str = "",
    referred_on: datetime.date | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    """移交: hand the problem to the city level, or to 纪委监委 for a discipline matter. The
    problem is handed over, never a task: its task keeps its lead unit."""
    if referral not in Problem.Referral.values:
        raise RuleViolation(_("Choose where the problem is referred to."), field="referral")
    receiving = referred_to.strip() or (
        discipline_body_name() if referral == Problem.Referral.DISCIPLINE else ""
    )
    if not receiving:
        raise RuleViolation(_("Name the receiving body."), field="referred_to")
    return _step(
        problem,
        by=by,
        kind=ProblemEvent.Kind.REFERRED,
        allowed=(State.REPORTED, State.COORDINATING),
        changes={
            "state": State.REFERRED,
            "referral": referral,
            "referred_to": receiving[:100],
            "referred_on": referred_on or timezone.localdate(),
            "referral_answer": "",
            "answered_on": None,
        },
        expected_version=expected_version,
        note=note,
        at=at,
    )


@transaction.atomic
def problem_answer(
    *,
    problem: Problem,
    by: User,
    answer: str,
    answered_on: datetime.date | None = None,
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    """The receiving body's answer to a referral (it stays referred until resolved or
    reopened)."""
    if not answer.strip():
        raise RuleViolation(_("Give the receiving body's answer."), field="answer")
    answered_on = answered_on or timezone.localdate()
    if problem.referred_on and answered_on < problem.referred_on:
        raise RuleViolation(_("The answer cannot come before the referral."), field="answered_on")
    return _step(
        problem,
        by=by,
        kind=ProblemEvent.Kind.ANSWERED,
        allowed=(State.REFERRED,),
        changes={"referral_answer": answer.strip(), "answered_on": answered_on},
        expected_version=expected_version,
        at=at,
    )


@transaction.atomic
def problem_reopen(
    *,
    problem: Problem,
    by: User,
    reason: str,
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> Problem:
    """A solved or referred problem that is back: coordinated again (by the unit it was
    assigned to, if any). What it said before stays in its history."""
    if not reason.strip():
        raise RuleViolation(_("Say why the problem is reopened."), field="reason")
    return _step(
        problem,
        by=by,
        kind=ProblemEvent.Kind.REOPENED,
        allowed=(State.RESOLVED, State.REFERRED),
        changes={
            "state": State.COORDINATING if problem.assigned_unit_id else State.REPORTED,
            "resolution": "",
            "resolved_at": None,
            "referral": "",
            "referred_to": "",
            "referred_on": None,
            "referral_answer": "",
            "answered_on": None,
        },
        expected_version=expected_version,
        note=reason,
        at=at,
    )
