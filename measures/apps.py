from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Incentive and penalty measures")

    def ready(self):
        from accounts.merging import MOVE, unit_references_register
        from campaigns.kinds import export_columns_register
        from campaigns.models import TaskList
        from cycles.hooks import (
            after_certify_register,
            bulletin_section_register,
            penalties_register,
        )
        from measures import jobs, selectors

        # campaigns and cycles know nothing of this app: it joins their moments from here.
        export_columns_register(
            kind=TaskList.Kind.MEASURE,
            provider=selectors.export_columns,
            is_column=selectors.is_export_column,
        )
        after_certify_register(jobs.queue_proposals)
        bulletin_section_register(selectors.bulletin_section)
        # Merging units: measures applied to the merged unit are the surviving unit's.
        unit_references_register(fields=["measures.Application.unit"], how=MOVE)
        # The ranking formula deducts points for the penalties applied in the month.
        penalties_register(selectors.penalties_applied)
