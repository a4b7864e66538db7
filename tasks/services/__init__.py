"""Every write to a task and what hangs off it. Each service is atomic, checks who may act
(tasks.permissions), refuses with RuleViolation, and leaves a TaskEvent."""

from tasks.services.acknowledgements import (
    acknowledgements_remind,
    task_acknowledge,
    tasks_acknowledge,
)
from tasks.services.bulk_reports import NewReport, ReportRefused, reports_submit_held
from tasks.services.confirming import report_evidence_add, reports_confirm_all
from tasks.services.core import (
    event_record,
    events_dated,
    handover_reset,
    history_now,
    lead_unit_check,
    one_transaction,
    snapshot,
    task_create,
    task_set_supporting_units,
    task_update,
)
from tasks.services.editing import owner_changes, task_add, task_edit
from tasks.services.evidence import evidence_folder_register, evidence_orphans_remove
from tasks.services.followups import followup_record, followup_schedule
from tasks.services.instructions import instruction_answer, instruction_give, instruction_urge
from tasks.services.reports import report_confirm, report_edit, report_record, report_submit
from tasks.services.requests import request_create, request_decide, request_withdraw

__all__ = [
    "acknowledgements_remind",
    "handover_reset",
    "owner_changes",
    "task_acknowledge",
    "task_add",
    "task_edit",
    "tasks_acknowledge",
    "event_record",
    "events_dated",
    "history_now",
    "lead_unit_check",
    "one_transaction",
    "evidence_folder_register",
    "evidence_orphans_remove",
    "followup_record",
    "followup_schedule",
    "instruction_answer",
    "instruction_give",
    "instruction_urge",
    "report_confirm",
    "report_edit",
    "report_evidence_add",
    "report_record",
    "report_submit",
    "reports_submit_held",
    "NewReport",
    "ReportRefused",
    "reports_confirm_all",
    "request_create",
    "request_decide",
    "request_withdraw",
    "snapshot",
    "task_create",
    "task_set_supporting_units",
    "task_update",
]
