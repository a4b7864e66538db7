"""Instructions (督办 / 批示), the lead unit's answers, and chasing an answer (催办)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from tasks import permissions
from tasks.models import Instruction, Task, TaskEvent
from tasks.services._common import require, task_url
from tasks.services.core import event_record

# 催办 at most this often per instruction: a reminder repeated within the hour is noise.
URGE_INTERVAL = datetime.timedelta(hours=1)


def _date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@transaction.atomic
def instruction_give(
    *, task: Task, by: User, text: str, reply_by: datetime.date | None = None
) -> Instruction:
    """An instruction for the lead unit, optionally with the last day to answer it."""
    require(permissions.can_instruct(by, task))
    if not text or not text.strip():
        raise RuleViolation(_("Write the instruction."), field="text")
    if reply_by is not None and reply_by < timezone.localdate():
        raise RuleViolation(_("The answer deadline cannot be in the past."), field="reply_by")
    instruction = Instruction.objects.create(
        task=task, text=text.strip(), given_by=by, reply_by=reply_by
    )
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.INSTRUCTION_GIVEN,
        after={
            "instruction_id": instruction.pk,
            **({"reply_by": reply_by.isoformat()} if reply_by else {}),
        },
        note=instruction.text,
    )
    body = instruction.text
    if reply_by:
        body = _("Answer by %(date)s.") % {"date": _date(reply_by)} + "\n" + body
    notify(
        recipients=permissions.unit_members(task.lead_unit_id),
        kind=Notification.Kind.INSTRUCTION,
        title=_("New instruction on %(code)s %(title)s")
        % {"code": task.code, "title": task.title[:40]},
        body=body,
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return instruction


@transaction.atomic
def instruction_answer(*, instruction: Instruction, by: User, answer: str) -> Instruction:
    instruction = (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("task")
        .get(pk=instruction.pk)
    )
    task = instruction.task
    require(permissions.can_answer_instruction(by, task))
    if instruction.answered_at is not None:
        raise RuleViolation(
            _("This instruction was already answered by %(who)s.")
            % {"who": instruction.answered_by},
            code="stale",
        )
    if not answer or not answer.strip():
        raise RuleViolation(_("Write the answer."), field="answer")
    instruction.answer = answer.strip()
    instruction.answered_by = by
    instruction.answered_at = timezone.now()
    instruction.save(update_fields=["answer", "answered_by", "answered_at"])
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.INSTRUCTION_ANSWERED,
        after={"instruction_id": instruction.pk},
        note=instruction.answer,
    )
    notify(
        recipients=[instruction.given_by],
        kind=Notification.Kind.INSTRUCTION_ANSWERED,
        title=_("%(unit)s answered your instruction on %(code)s")
        % {"unit": task.lead_unit.name, "code": task.code},
        body=instruction.answer,
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return instruction


@transaction.atomic
def instruction_urge(
    *, instruction: Instruction, by: User, now: datetime.datetime | None = None
) -> list[User]:
    """催办: remind the lead unit that an instruction waits for its answer. Its staff are
    reminded; once the answer deadline has passed, its heads too. Returns who was reminded."""
    now = now or timezone.now()
    instruction = (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("task__task_list__campaign", "task__lead_unit")
        .get(pk=instruction.pk)
    )
    task = instruction.task
    require(permissions.can_urge_instruction(by, task))
    if not instruction.is_open:
        raise RuleViolation(
            _("This instruction was already answered by %(who)s.")
            % {"who": instruction.answered_by},
            code="stale",
        )
    if instruction.urged_at and now - instruction.urged_at < URGE_INTERVAL:
        raise RuleViolation(
            _("It was urged at %(time)s: urge again after an hour at the earliest.")
            % {"time": timezone.localtime(instruction.urged_at).strftime("%H:%M")},
            code="too_soon",
        )
    overdue = instruction.days_overdue(timezone.localdate(now))
    recipients = permissions.unit_staff(task.lead_unit_id)
    if overdue or not recipients:
        recipients = permissions.unit_members(task.lead_unit_id)
    if not recipients:
        raise RuleViolation(
            _("%(unit)s has no active staff or head to remind.") % {"unit": task.lead_unit}
        )
    instruction.urged_at = now
    instruction.urge_count += 1
    instruction.save(update_fields=["urged_at", "urge_count"])
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.INSTRUCTION_URGED,
        after={
            "instruction_id": instruction.pk,
            "times": instruction.urge_count,
            "days_overdue": overdue,
            "reminded": [user.pk for user in recipients],
        },
        note=instruction.text,
    )
    if overdue:
        state = _("%(n)d days past the answer deadline (%(date)s).") % {
            "n": overdue,
            "date": _date(instruction.reply_by),  # type: ignore[arg-type]
        }
    elif instruction.reply_by:
        state = _("Answer by %(date)s.") % {"date": _date(instruction.reply_by)}
    else:
        state = ""
    notify(
        recipients=recipients,
        kind=Notification.Kind.INSTRUCTION,
        title=_("Reminder: the instruction on %(code)s %(title)s waits for your answer")
        % {"code": task.code, "title": task.title[:40]},
        body=f"{state}\n{instruction.text}".strip(),
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return recipients
