"""Instructions (督办 / 批示) and the lead unit's answers."""

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


@transaction.atomic
def instruction_give(*, task: Task, by: User, text: str) -> Instruction:
    require(permissions.can_instruct(by, task))
    if not text or not text.strip():
        raise RuleViolation(_("Write the instruction."), field="text")
    instruction = Instruction.objects.create(task=task, text=text.strip(), given_by=by)
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.INSTRUCTION_GIVEN,
        after={"instruction_id": instruction.pk},
        note=instruction.text,
    )
    notify(
        recipients=permissions.unit_members(task.lead_unit_id),
        kind=Notification.Kind.INSTRUCTION,
        title=_("New instruction on %(code)s %(title)s")
        % {"code": task.code, "title": task.title[:40]},
        body=instruction.text,
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
