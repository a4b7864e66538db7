from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from accounts.merging import MOVE, unit_references_register
        from tasks.services.units import tasks_units_merge

        # Merging units: tasks move with a TaskEvent each; reports and requests simply move.
        unit_references_register(
            fields=["tasks.Task.lead_unit", "tasks.TaskSupport.unit"], how=tasks_units_merge
        )
        unit_references_register(
            fields=["tasks.ProgressReport.unit", "tasks.TaskRequest.proposed_unit"], how=MOVE
        )
