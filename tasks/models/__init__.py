"""The tasks app's models, one module per part of a task's life (re-exported here)."""

from tasks.models.events import TaskEvent, TaskEventQuerySet
from tasks.models.task import (
    DIFFICULTY_DEFAULT,
    DIFFICULTY_MAX,
    DIFFICULTY_MIN,
    Milestone,
    Target,
    Task,
    TaskQuerySet,
    TaskSupport,
)
from tasks.models.work import (
    Evidence,
    Followup,
    Instruction,
    ProgressReport,
    ReportTargetValue,
    TaskRequest,
    evidence_path,
)

__all__ = [
    "DIFFICULTY_DEFAULT",
    "DIFFICULTY_MAX",
    "DIFFICULTY_MIN",
    "Evidence",
    "Followup",
    "Instruction",
    "Milestone",
    "ProgressReport",
    "ReportTargetValue",
    "Target",
    "Task",
    "TaskEvent",
    "TaskEventQuerySet",
    "TaskQuerySet",
    "TaskRequest",
    "TaskSupport",
    "evidence_path",
]
