"""Close-out, extension and transfer requests, and the coordinators' decisions on them."""

import datetime
from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from tasks import permissions
from tasks.models import Task, TaskEvent, TaskRequest
from tasks.services._common import (
    check_files,
    coordinators_of,
    require,
    store_files,
    task_url,
)
from tasks.services.core import event_record, lead_unit_check, task_update
from tasks.services.editing import owner_changes
from tasks.services.followups import followup_schedule
from webhooks.events import REQUEST_DECIDED, TASK_CLOSED, webhook_emit


def _stale(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and task.version != expected_version:
        raise RuleViolation(
            _(
                "Someone else changed this task after you opened it. "
                "Reload the page to see their change, then try again."
            ),
            code="stale",
        )


@transaction.atomic
def request_create(
    *,
    task: Task,
    by: User,
    kind: str,
    reason: str,
    proposed_deadline: datetime.date | None = None,
    proposed_unit: Unit | None = None,
    files: Iterable = (),
    expected_version: int | None = None,
    today: datetime.date | None = None,
) -> TaskRequest:
    require(permissions.can_request(by, task))
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign")
        .get(pk=task.pk)
    )
    require(permissions.can_request(by, task))
    _stale(task, expected_version)
    today = today or timezone.localdate()
    if kind not in TaskRequest.Kind.values:
        raise RuleViolation(_("Choose what you are asking for."), field="kind")
    if not reason or not reason.strip():
        raise RuleViolation(_("Give the reason for the request."), field="reason")
    if kind == TaskRequest.Kind.EXTENSION:
        if proposed_deadline is None:
            raise RuleViolation(_("Give the new deadline you propose."), field="proposed_deadline")
        if proposed_deadline <= today:
            raise RuleViolation(
                _("The new deadline must be after today."), field="proposed_deadline"
            )
        if task.deadline and proposed_deadline <= task.deadline:
            raise RuleViolation(
                _("The new deadline must be later than the current one (%(date)s).")
                % {"date": task.deadline.isoformat()},
                field="proposed_deadline",
            )
    if kind == TaskRequest.Kind.TRANSFER:
        if proposed_unit is None or not proposed_unit.active:
            raise RuleViolation(_("Choose the unit to hand the task to."), field="proposed_unit")
        if proposed_unit.pk == task.lead_unit_id:
            raise RuleViolation(
                _("The task is already led by %(unit)s.") % {"unit": proposed_unit.name},
                field="proposed_unit",
            )
        lead_unit_check(proposed_unit, field="proposed_unit")
    checked = check_files(files)
    if kind == TaskRequest.Kind.CLOSEOUT and not checked:
        raise RuleViolation(
            _("A close-out request needs evidence: attach at least one file."), field="files"
        )
    if TaskRequest.objects.filter(task=task, kind=kind, status=TaskRequest.Status.PENDING).exists():
        raise RuleViolation(
            _("A request of this kind is already waiting for a decision."), code="duplicate"
        )
    try:
        with transaction.atomic():
            request = TaskRequest.objects.create(
                task=task,
                kind=kind,
                reason=reason.strip(),
                proposed_deadline=proposed_deadline if kind == TaskRequest.Kind.EXTENSION else None,
                proposed_unit=proposed_unit if kind == TaskRequest.Kind.TRANSFER else None,
                requested_by=by,
            )
    except IntegrityError as error:  # a second click that raced the first
        raise RuleViolation(
            _("A request of this kind is already waiting for a decision."), code="duplicate"
        ) from error
    store_files(checked, request=request)
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.REQUEST_MADE,
        after={
            "request_id": request.pk,
            "kind": kind,
            "proposed_deadline": proposed_deadline.isoformat() if proposed_deadline else None,
            "proposed_unit_id": proposed_unit.pk if proposed_unit else None,
            "files": [c.original_name for c in checked],
        },
        note=request.reason,
    )
    if kind == TaskRequest.Kind.CLOSEOUT:
        task_update(task=task, by=by, status=Task.Status.AWAITING_SIGNOFF)
    notify(
        recipients=coordinators_of(task),
        kind=Notification.Kind.REQUEST_MADE,
        title=_("%(unit)s asks for %(kind)s of %(code)s %(title)s")
        % {
            "unit": task.lead_unit.name,
            "kind": request.get_kind_display(),
            "code": task.code,
            "title": task.title[:40],
        },
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return request


@transaction.atomic
def request_decide(
    *,
    request: TaskRequest,
    by: User,
    approve: bool,
    comment: str = "",
    expected_version: int | None = None,
    owners: Mapping[str, str] | None = None,
) -> TaskRequest:
    """Approve or reject. Approval changes the task; the requester is told either way.

    ``owners`` (``principal_owner_name`` … as the decision form sends them) names the people of
    the new lead unit on an approved transfer; owners not named are kept as they are.
    """
    # of=("self",): PostgreSQL refuses to lock the nullable side of the outer joins
    # (decided_by, proposed_unit), and only the request's row needs the lock.
    request = (
        TaskRequest.objects.select_for_update(of=("self",))
        .select_related("task__task_list__campaign", "decided_by", "proposed_unit")
        .get(pk=request.pk)
    )
    task = request.task
    require(permissions.can_coordinate(by, task))
    if request.status != TaskRequest.Status.PENDING:
        raise RuleViolation(
            _("This request was already %(status)s by %(who)s.")
            % {"status": request.get_status_display(), "who": request.decided_by or "—"},
            code="stale",
        )
    if expected_version is not None and request.version != expected_version:
        raise RuleViolation(_("This request changed after you opened it."), code="stale")
    if not approve and not comment.strip():
        raise RuleViolation(_("Say why the request is rejected."), field="comment")
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign")
        .get(pk=task.pk)
    )
    if approve and task.status == Task.Status.CLOSED:
        raise RuleViolation(_("The task is already closed out."), code="stale")

    if approve:
        _approval_apply(request, task=task, by=by, owners=owners)
    elif request.kind == TaskRequest.Kind.CLOSEOUT:
        task_update(task=task, by=by, status=Task.Status.IN_PROGRESS)

    _request_settle(
        request,
        task=task,
        by=by,
        status=TaskRequest.Status.APPROVED if approve else TaskRequest.Status.REJECTED,
        comment=comment.strip(),
    )
    _request_announce(request, task=task)
    verdict = _("approved") if approve else _("rejected")
    notify(
        recipients=[request.requested_by],
        kind=Notification.Kind.REQUEST_DECIDED,
        title=_("Your %(kind)s request for %(code)s %(title)s was %(verdict)s")
        % {
            "kind": request.get_kind_display(),
            "code": task.code,
            "title": task.title[:40],
            "verdict": verdict,
        },
        body=request.decision_comment,
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return request


def _request_announce(request: TaskRequest, *, task: Task) -> None:
    """Tell the systems subscribed (webhooks): the decision, and the close-out it made."""
    webhook_emit(
        event=REQUEST_DECIDED,
        data={
            "request": request.pk,
            "kind": request.kind,
            "status": request.status,
            "task": task.pk,
            "task_code": task.code,
            "campaign": task.task_list.campaign.slug,
            "decided_at": request.decided_at,
        },
    )
    if request.kind == TaskRequest.Kind.CLOSEOUT and request.status == TaskRequest.Status.APPROVED:
        webhook_emit(
            event=TASK_CLOSED,
            data={
                "task": task.pk,
                "task_code": task.code,
                "campaign": task.task_list.campaign.slug,
                "lead_unit": task.lead_unit_id,
                "closed_at": request.decided_at,
            },
        )


def _close_other_requests(*, task: Task, keep: TaskRequest, by: User) -> None:
    """A closed task has nothing left to extend or hand over: its other pending requests end."""
    for other in (
        TaskRequest.objects.select_for_update(of=("self",))
        .filter(task=task, status=TaskRequest.Status.PENDING)
        .exclude(pk=keep.pk)
    ):
        _request_settle(
            other,
            task=task,
            by=by,
            status=TaskRequest.Status.REJECTED,
            comment=_("The task was closed out."),
        )


def _approval_apply(
    request: TaskRequest, *, task: Task, by: User, owners: Mapping[str, str] | None = None
) -> None:
    """What an approval does to the task: close it, move its deadline or hand it over."""
    if request.kind == TaskRequest.Kind.CLOSEOUT:
        task_update(task=task, by=by, status=Task.Status.CLOSED, progress=100)
        followup_schedule(task=task, closed_on=timezone.localdate())
        _close_other_requests(task=task, keep=request, by=by)
    elif request.kind == TaskRequest.Kind.EXTENSION:
        date = request.proposed_deadline
        assert date is not None, "request_create refuses an extension without a date"
        task_update(
            task=task,
            by=by,
            deadline=date,
            ongoing=False,
            deadline_text=_("extended to %(date)s")
            % {"date": f"{date.year}年{date.month}月{date.day}日"},
        )
    elif request.kind == TaskRequest.Kind.TRANSFER:
        # The coordinator names the new unit's owners in the decision, or keeps the names the
        # task has; an account of someone outside the new unit is unlinked (the digest then
        # goes to the new unit's staff).
        assert request.proposed_unit is not None, "request_create refuses a transfer without one"
        # Asked again: the unit may have become a supervisory body since it was proposed.
        lead_unit_check(request.proposed_unit, field="decision")
        task_update(
            task=task,
            by=by,
            lead_unit=request.proposed_unit,
            **owner_changes(task, lead_unit_id=request.proposed_unit.pk, names=owners),
        )
        notify(
            recipients=permissions.unit_members(request.proposed_unit_id),
            kind=Notification.Kind.REQUEST_DECIDED,
            title=_("%(code)s %(title)s was handed to your unit")
            % {"code": task.code, "title": task.title[:40]},
            url=task_url(task),
            campaign=task.task_list.campaign,
        )


def _request_settle(
    request: TaskRequest, *, task: Task, by: User, status: str, comment: str | None = None
) -> None:
    """End a pending request and record it; ``comment`` (even empty) marks a decision.

    A decision stamps who decided, when and why; a withdrawal only changes the status.
    """
    request.status = status
    request.version += 1
    fields = ["status", "version"]
    if comment is not None:
        request.decided_by = by
        request.decided_at = timezone.now()
        request.decision_comment = comment
        fields += ["decided_by", "decided_at", "decision_comment"]
    request.save(update_fields=fields)
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.REQUEST_DECIDED,
        before={"request_id": request.pk, "status": TaskRequest.Status.PENDING},
        after={"request_id": request.pk, "status": request.status},
        note=comment or "",
    )


@transaction.atomic
def request_withdraw(*, request: TaskRequest, by: User) -> TaskRequest:
    request = (
        TaskRequest.objects.select_for_update(of=("self",))
        .select_related("task")
        .get(pk=request.pk)
    )
    require(permissions.is_lead_member(by, request.task))
    if request.status != TaskRequest.Status.PENDING:
        raise RuleViolation(_("Only a pending request can be withdrawn."), code="stale")
    _request_settle(request, task=request.task, by=by, status=TaskRequest.Status.WITHDRAWN)
    if request.kind == TaskRequest.Kind.CLOSEOUT:
        task_update(task=request.task, by=by, status=Task.Status.IN_PROGRESS)
    return request
