from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = _("Problem ledger")

    def ready(self) -> None:
        from accounts.merging import MOVE, unit_references_register
        from cycles.hooks import campaign_section_register
        from problems.selectors import bulletin_section, task_section
        from tasks.hooks import task_page_section_register

        # Merging units: the merged unit's problems are the surviving unit's.
        unit_references_register(
            fields=["problems.Problem.unit", "problems.Problem.assigned_unit"], how=MOVE
        )
        # The weekly and monthly bulletins show the ledger's counts by state and unit.
        campaign_section_register(bulletin_section)
        # A task's page lists the problems raised about it.
        task_page_section_register(task_section)
