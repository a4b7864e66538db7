"""The task page's read: one task with everything its page shows, in a fixed number of
queries (the access check reads it with ``task_detail_queryset``, then ``task_detail_rest``
reads the rare relations it has)."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from accounts.models import User
from tasks.models import (
    Evidence,
    Followup,
    Instruction,
    Milestone,
    ProgressReport,
    ReportTargetValue,
    Target,
    Task,
    TaskEvent,
    TaskRequest,
    TaskSupport,
)


def task_detail(*, task: Task) -> Task:
    """One task with everything its page shows, in a fixed number of queries at most."""
    return task_detail_rest(task_detail_queryset().get(pk=task.pk))


def task_detail_queryset() -> QuerySet[Task]:
    """Tasks with everything the task page shows but what ``task_detail_rest`` adds; for
    ``access_task(..., queryset=...)``, which then reads the task once, not twice."""
    evidence = Evidence.objects.order_by("id")
    return (
        Task.objects.select_related(
            "task_list__campaign", "category", "lead_unit", "acknowledged_by"
        )
        .defer(*_not_shown("acknowledged_by"))
        .annotate(
            **{
                f"has_{name}": Exists(model._default_manager.filter(task=OuterRef("pk")))
                for name, model in _RARE_MODELS.items()
            }
        )
        .prefetch_related(
            Prefetch("supports", queryset=TaskSupport.objects.select_related("unit")),
            Prefetch(
                "reports",
                queryset=ProgressReport.objects.select_related(
                    "unit", "submitted_by", "confirmed_by"
                )
                .defer(*_not_shown("submitted_by"), *_not_shown("confirmed_by"))
                .prefetch_related(
                    Prefetch("evidence", queryset=evidence),
                    Prefetch(
                        "target_values",
                        queryset=ReportTargetValue.objects.select_related("target"),
                    ),
                )
                .order_by("-submitted_at", "-id"),
            ),
            Prefetch(
                "events",
                queryset=TaskEvent.objects.select_related("actor").defer(*_not_shown("actor")),
            ),
        )
    )


#: What the task page shows of a person (who acknowledged, reported, acted): the name.
USER_SHOWN = ("id", "username", "first_name", "last_name", "display_name")


def _not_shown(path: str) -> list[str]:
    """The columns of the person at ``path`` the page does not show (their password hash,
    second factor, contact fields ...): not read, nor made into attributes, for each person."""
    return [f"{path}__{f.attname}" for f in User._meta.concrete_fields if f.name not in USER_SHOWN]


# What most tasks have none of (targets, milestones, instructions, requests, follow-ups): the
# task's query says whether each has any (an EXISTS), and only those are read. A prefetch
# query costs the web process more than the EXISTS, even when it finds nothing.
_RARE_MODELS = {
    "targets": Target,
    "milestones": Milestone,
    "instructions": Instruction,
    "requests": TaskRequest,
    "followups": Followup,
}


def _rare_lookups() -> dict[str, Prefetch]:
    evidence = Evidence.objects.order_by("id")
    return {
        "targets": Prefetch("targets"),
        "milestones": Prefetch("milestones"),
        "instructions": Prefetch(
            "instructions", queryset=Instruction.objects.select_related("given_by", "answered_by")
        ),
        "requests": Prefetch(
            "requests",
            queryset=TaskRequest.objects.select_related(
                "requested_by", "decided_by", "proposed_unit"
            ).prefetch_related(Prefetch("evidence", queryset=evidence)),
        ),
        "followups": Prefetch("followups", queryset=Followup.objects.select_related("checked_by")),
    }


def task_detail_rest(task: Task) -> Task:
    """Read the rare relations ``task`` has (``task_detail_queryset``'s flags); the others
    are set empty, as a prefetch finding nothing would leave them."""
    lookups = _rare_lookups()
    prefetch_related_objects(
        [task], *[lookups[name] for name in _RARE_MODELS if getattr(task, f"has_{name}")]
    )
    cache = task.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, model in _RARE_MODELS.items():
        if not getattr(task, f"has_{name}"):
            empty = model._default_manager.none()
            empty._result_cache = []  # read: nothing (not even the query Django would build)
            cache[name] = empty
    return task
