from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Bulk reporting")

    def ready(self):
        from accounts.merging import MOVE_DEDUP, unit_references_register

        # Merging units: the merged unit's uploads are the surviving unit's (one per file).
        unit_references_register(fields=["reporting.ReportUpload.unit"], how=MOVE_DEDUP)
        from reporting import sections
        from tasks.hooks import my_tasks_section_register

        # tasks knows nothing of rounds: the owed tasks join 我的任务 from here.
        my_tasks_section_register(sections.owed_section)
