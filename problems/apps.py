from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = _("Problem ledger")

    def ready(self) -> None:
        from accounts.merging import MOVE, unit_references_register

        # Merging units: the merged unit's problems are the surviving unit's.
        unit_references_register(
            fields=["problems.Problem.unit", "problems.Problem.assigned_unit"], how=MOVE
        )
