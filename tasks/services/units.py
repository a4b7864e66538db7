"""What merging two units (``accounts.merging``) does to tasks: the merged unit's tasks are
led or supported by the surviving unit from then on, and each task changed gets a TaskEvent
saying so (before → after, and which units were merged), so its history reads true."""

from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Q

from accounts.merging import MergeContext
from tasks.models import Task, TaskEvent, TaskSupport


def tasks_units_merge(ctx: MergeContext) -> dict[str, int]:
    """Lead and supporting units of every task, in a fixed number of queries. A task never
    has its lead unit among its supporting units, nor a supporting unit twice."""
    merged, into = ctx.merged.pk, ctx.into.pk
    affected = Q(lead_unit_id=merged) | Q(
        Exists(TaskSupport.objects.filter(task=OuterRef("pk"), unit_id=merged))
    )
    leads = dict(Task.objects.filter(affected).values_list("pk", "lead_unit_id"))
    if not leads:
        return {}
    supports: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id in (
        TaskSupport.objects.filter(task__in=Task.objects.filter(affected).values("pk"))
        .order_by("task_id", "unit_id")
        .values_list("task_id", "unit_id")
    ):
        supports[task_id].append(unit_id)
    Task.objects.filter(affected).update(version=F("version") + 1, updated_at=ctx.at)
    TaskSupport.objects.filter(unit_id=merged).filter(
        Q(task__lead_unit_id=into)
        | Q(Exists(TaskSupport.objects.filter(task=OuterRef("task"), unit_id=into)))
    ).delete()
    moved_supports = TaskSupport.objects.filter(unit_id=merged).update(unit_id=into)
    moved_leads = Task.objects.filter(lead_unit_id=merged).update(lead_unit_id=into)
    TaskSupport.objects.filter(unit_id=into, task__lead_unit_id=into).delete()
    events = []
    for task_id, lead in leads.items():
        new_lead = into if lead == merged else lead
        was = supports.get(task_id, [])
        now = sorted({into if u == merged else u for u in was} - {new_lead})
        before, after = {}, {}
        if new_lead != lead:
            before["lead_unit_id"], after["lead_unit_id"] = lead, new_lead
        if now != was:
            before["supporting_unit_ids"], after["supporting_unit_ids"] = was, now
        events.append(
            TaskEvent(
                task_id=task_id,
                actor=ctx.by,
                at=ctx.at,
                kind=TaskEvent.Kind.UNITS_CHANGED,
                before=before,
                after=after,
                note=ctx.note,
            )
        )
    TaskEvent.objects.bulk_create(events, batch_size=1000)
    return {"tasks.Task.lead_unit": moved_leads, "tasks.TaskSupport.unit": moved_supports}
