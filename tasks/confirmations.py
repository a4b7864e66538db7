"""What an irreversible button on a task page will do, in words and real figures, for the
dialog that asks before its form is sent (``data-confirm``, static/js/forms.js). Pages compute
these from what they already read; the rules themselves stay in the services."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from tasks.models import Task, TaskRequest


def _deadline(task: Task) -> str:
    if task.deadline:
        return f"{task.deadline.year}年{task.deadline.month}月{task.deadline.day}日"
    return task.deadline_text or _("no deadline")


def approve_question(task_request: TaskRequest) -> str:
    task = task_request.task
    name = f"{task.code}. {task.title[:40]}"
    if task_request.kind == TaskRequest.Kind.CLOSEOUT:
        question = _(
            "Approving closes out %(task)s: it is struck off the list and owes no more reports."
        ) % {"task": name}
        if task.progress < 100:
            # A close-out below 100 % went through without a word once: say it first.
            warning = _("Its progress is only %(percent)s%%, not 100%%.") % {
                "percent": task.progress
            }
            question = f"{warning} {question}"
        return question
    if task_request.kind == TaskRequest.Kind.EXTENSION:
        date = task_request.proposed_deadline
        return _("Approving moves the deadline of %(task)s from %(old)s to %(new)s.") % {
            "task": name,
            "old": _deadline(task),
            "new": f"{date.year}年{date.month}月{date.day}日" if date else "—",
        }
    return _(
        "Approving makes %(unit)s the lead unit of %(task)s instead of %(old)s; its owners "
        "are cleared for the new unit to name."
    ) % {"unit": task_request.proposed_unit, "task": name, "old": task.lead_unit}


def reject_question(task_request: TaskRequest) -> str:
    if task_request.kind == TaskRequest.Kind.CLOSEOUT:
        return _(
            "Rejecting sends %(task)s back to work and tells %(who)s why, with your comment."
        ) % {"task": task_request.task.code, "who": task_request.requested_by}
    return _("Rejecting tells %(who)s why, with your comment.") % {"who": task_request.requested_by}


def add_decision_questions(requests: Iterable[TaskRequest]) -> None:
    """Give each pending request the two questions its decision form asks."""
    for task_request in requests:
        if task_request.status == TaskRequest.Status.PENDING:
            task_request.approve_question = approve_question(task_request)  # type: ignore[attr-defined]
            task_request.reject_question = reject_question(task_request)  # type: ignore[attr-defined]
