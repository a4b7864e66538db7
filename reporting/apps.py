from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Bulk reporting")

    def ready(self):
        from reporting import sections
        from tasks.hooks import my_tasks_section_register

        # tasks knows nothing of rounds: the owed tasks join 我的任务 from here.
        my_tasks_section_register(sections.owed_section)
