from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "cycles"
    verbose_name = _("Dispatch and sign-off")

    def ready(self):
        from accounts.merging import unit_references_register
        from cycles.services.owed import owed_reports_record
        from cycles.services.units import cycles_units_merge
        from tasks.hooks import reports_written_register

        # A report written marks the weekly reports owed that it settles, in its transaction.
        reports_written_register(owed_reports_record)

        # Merging units: lines move, and the certified figures are computed again.
        unit_references_register(
            fields=[
                "cycles.RoundItem.lead_unit",
                "cycles.ReviewItem.lead_unit",
                "cycles.UnitMonth.unit",
            ],
            how=cycles_units_merge,
        )
