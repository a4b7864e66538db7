"""Every write of an inspection round: opening and closing it, a unit's answer, the inspection
group's verification, and the rectification task a verified 否 creates. Each service is atomic,
asks ``inspections.permissions``, refuses with RuleViolation and leaves an AnswerEvent."""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.models import Campaign, TaskList
from config.errors import RuleViolation
from inspections import permissions
from inspections.models import (
    Answer,
    AnswerEvent,
    AnswerFile,
    InspectionRound,
    Rectification,
    RoundUnit,
    Value,
)
from notifications.models import Notification
from notifications.services import notify
from tasks.files import stored_file_save
from tasks.models import Task, TaskSupport
from tasks.permissions import unit_members
from tasks.services import task_create
from tasks.services._common import check_files

RECTIFICATION_LIST_NAME = "整改任务清单"
RECTIFICATION_DAYS = 30


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def units_named(checklist: TaskList) -> list[Unit]:
    """Every unit a question of the checklist names, as lead or supporting unit, in order."""
    questions = Task.objects.filter(task_list=checklist)
    return list(
        Unit.objects.filter(
            Q(led_tasks__in=questions)
            | Q(pk__in=TaskSupport.objects.filter(task__in=questions).values("unit_id"))
        ).distinct()
    )


@transaction.atomic
def round_open(
    *,
    checklist: TaskList,
    by: User,
    title: str,
    due_date: datetime.date,
    units: Iterable[Unit] | None = None,
) -> InspectionRound:
    """Ask ``units`` (every unit the questions name, by default) to answer the checklist: one
    empty answer per question that names the unit, as lead or supporting unit."""
    _require(permissions.can_open_round(by, checklist))
    named = {unit.pk: unit for unit in units_named(checklist)}
    chosen = list(named.values()) if units is None else list(dict.fromkeys(units))
    strangers = [unit.name for unit in chosen if unit.pk not in named]
    if strangers:
        raise RuleViolation(
            _("No question of this checklist names %(units)s.") % {"units": "、".join(strangers)},
            field="units",
        )
    if not chosen:
        raise RuleViolation(_("Choose at least one unit."), field="units")
    if not title.strip():
        raise RuleViolation(_("Give the round a title."), field="title")
    round_ = InspectionRound.objects.create(
        campaign=checklist.campaign,
        checklist=checklist,
        title=title.strip(),
        due_date=due_date,
        opened_by=by,
    )
    ids = [unit.pk for unit in chosen]
    RoundUnit.objects.bulk_create([RoundUnit(round=round_, unit_id=pk) for pk in ids])
    pairs = set(
        Task.objects.filter(task_list=checklist, lead_unit_id__in=ids).values_list(
            "pk", "lead_unit_id"
        )
    ) | set(
        TaskSupport.objects.filter(task__task_list=checklist, unit_id__in=ids).values_list(
            "task_id", "unit_id"
        )
    )
    Answer.objects.bulk_create(
        [Answer(round=round_, question_id=q, unit_id=u) for q, u in sorted(pairs)]
    )
    transaction.on_commit(lambda: _tell_units(round_, ids))
    return round_


def _tell_units(round_: InspectionRound, unit_ids: Sequence[int]) -> None:
    people = [user for pk in unit_ids for user in unit_members(pk)]
    notify(
        recipients=people,
        kind=Notification.Kind.OTHER,
        title=_("Inspection round to answer: %(title)s") % {"title": round_.title},
        body=_("Answer by %(date)s.") % {"date": round_.due_date.isoformat()},
        url=reverse("inspections:unit_round", args=[round_.pk]),
        campaign=round_.campaign,
    )


@transaction.atomic
def round_close(*, round_: InspectionRound, by: User) -> InspectionRound:
    """Units no longer answer; the inspection group may still verify."""
    _require(permissions.can_close_round(by, round_))
    InspectionRound.objects.filter(pk=round_.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    round_.refresh_from_db(fields=["closed_at"])
    return round_


def _lock(answer: Answer, expected_version: int | None) -> Answer:
    locked = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("round__campaign", "question", "unit")
        .get(pk=answer.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise RuleViolation(
            _(
                "Someone else changed this answer after you opened it. "
                "Reload the page to see their change, then make yours again."
            ),
            code="stale",
        )
    return locked


def _event(answer: Answer, by: User | None, kind: str, before: dict, after: dict, note=""):
    AnswerEvent.objects.create(
        answer=answer, actor=by, kind=kind, before=before, after=after, note=note
    )


@transaction.atomic
def answer_submit(
    *,
    answer: Answer,
    by: User,
    value: str,
    note: str = "",
    files: Iterable = (),
    expected_version: int | None = None,
) -> Answer:
    """The unit's answer to a question: 是 / 否 / 不适用, a note and evidence files. It may be
    changed until the round closes or the answer is verified."""
    _require(permissions.can_answer(by, answer))
    if value not in Value.values:
        raise RuleViolation(_("Answer yes, no or not applicable."), field="value")
    checked = check_files(files)  # every file is checked before anything is written
    locked = _lock(answer, expected_version)
    if not locked.round.is_open:
        raise RuleViolation(_("This round is closed: answers can no longer change."))
    if locked.is_verified:
        raise RuleViolation(_("This answer has been verified and can no longer change."))
    before = {"value": locked.value, "note": locked.note}
    stored = _store(locked, by, checked)
    locked.value, locked.note = value, note.strip()
    locked.answered_by, locked.answered_at = by, timezone.now()
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db(fields=["version"])
    after: dict[str, Any] = {"value": locked.value, "note": locked.note}
    if stored:
        after["files"] = [item.original_name for item in stored]
    _event(locked, by, AnswerEvent.Kind.ANSWERED, before, after)
    return locked


def _store(answer: Answer, by: User, checked) -> list[AnswerFile]:
    """Save the files under server-chosen names; remove what was written if anything fails."""
    stored: list[AnswerFile] = []
    try:
        for item in checked:
            row = AnswerFile(
                answer=answer,
                original_name=item.original_name,
                size=item.size,
                content_type=item.content_type,
                uploaded_by=by,
            )
            stored_file_save(row.file, item)
            stored.append(row)
        return AnswerFile.objects.bulk_create(stored)
    except BaseException:
        for row in stored:
            row.file.delete(save=False)
        raise


@transaction.atomic
def answer_verify(
    *,
    answer: Answer,
    by: User,
    overturn_to: str = "",
    reason: str = "",
    deadline: datetime.date | None = None,
    expected_version: int | None = None,
) -> Answer:
    """The inspection group confirms the unit's answer, or overturns it to ``overturn_to`` with
    a reason. A verified 否 creates the unit's rectification task, once (``deadline``: 30 days
    from today unless given)."""
    _require(permissions.can_verify(by, answer.round))
    locked = _lock(answer, expected_version)
    if overturn_to:
        if overturn_to not in Value.values:
            raise RuleViolation(_("Answer yes, no or not applicable."), field="value")
        if not reason.strip():
            raise RuleViolation(_("Say why the answer is overturned."), field="reason")
        verification, value = Answer.Verification.OVERTURNED, overturn_to
    else:
        if not locked.value:
            raise RuleViolation(
                _("The unit has not answered: overturn with the verified answer instead."),
                field="value",
            )
        verification, value = Answer.Verification.CONFIRMED, locked.value
    if value != Value.NO and Rectification.objects.filter(answer=locked).exists():
        raise RuleViolation(
            _(
                "A rectification task was already created from this answer: it stays 否. "
                "Close the rectification task through its close-out instead."
            ),
            field="value",
        )
    fields = ("verification", "verified_value", "verify_reason")
    before = {name: getattr(locked, name) for name in fields}
    locked.verification, locked.verified_value = verification, value
    locked.verify_reason = reason.strip()
    locked.verified_by, locked.verified_at = by, timezone.now()
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db(fields=["version"])
    kind = (
        AnswerEvent.Kind.OVERTURNED
        if verification == Answer.Verification.OVERTURNED
        else AnswerEvent.Kind.CONFIRMED
    )
    _event(locked, by, kind, before, {name: getattr(locked, name) for name in fields})
    if value == Value.NO:
        _rectification_create(answer=locked, by=by, deadline=deadline)
    return locked


def _rectification_list(campaign: Campaign) -> TaskList:
    """The campaign's rectification list, created on first use (the campaign row is locked, so
    two verifiers at once create one list)."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    found = (
        TaskList.objects.filter(campaign=campaign, kind=TaskList.Kind.RECTIFICATION)
        .order_by("order", "id")
        .first()
    )
    if found:
        return found
    last = TaskList.objects.filter(campaign=campaign).aggregate(m=Max("order"))["m"] or 0
    taken = set(TaskList.objects.filter(campaign=campaign).values_list("name", flat=True))
    name, n = RECTIFICATION_LIST_NAME, 1
    while name in taken:  # a list of another kind already has the name
        n += 1
        name = f"{RECTIFICATION_LIST_NAME}（{n}）"
    return TaskList.objects.create(
        campaign=campaign,
        name=name,
        kind=TaskList.Kind.RECTIFICATION,
        order=last + 1,
    )


def _rectification_create(*, answer: Answer, by: User, deadline: datetime.date | None) -> None:
    """One rectification task per answer (the caller holds the answer's row lock; the
    one-to-one link refuses a second anyway)."""
    if Rectification.objects.filter(answer=answer).exists():
        return
    round_, question = answer.round, answer.question
    deadline = deadline or timezone.localdate() + datetime.timedelta(days=RECTIFICATION_DAYS)
    title = _("Rectify: %(question)s") % {"question": question.title}
    task = task_create(
        task_list=_rectification_list(round_.campaign),
        code=f"{round_.pk}-{question.code}-{answer.unit_id}"[:30],
        title=title[:500],
        lead_unit=answer.unit,
        by=by,
        content=answer.verify_reason or answer.note,
        source=round_.title[:200],
        deadline=deadline,
        extra={"督查轮次": round_.title, "检查问题": f"{question.code} {question.title}"},
    )
    Rectification.objects.create(answer=answer, task=task)
    _event(answer, by, AnswerEvent.Kind.RECTIFICATION, {}, {"task_id": task.pk, "code": task.code})
    notify(
        recipients=unit_members(answer.unit_id),
        kind=Notification.Kind.OTHER,
        title=_("Rectification task: %(title)s") % {"title": task.title[:80]},
        body=_("Due %(date)s.") % {"date": deadline.isoformat()},
        url=reverse("tasks:detail", args=[task.pk]),
        campaign=round_.campaign,
    )
