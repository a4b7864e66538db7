from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from campaigns.kinds import export_columns_register
        from campaigns.models import TaskList
        from inspections.models import ANSWER_FILES_DIR, AnswerFile
        from inspections.selectors import checklist_export_columns, is_export_column
        from tasks.services import evidence_folder_register

        # campaigns knows nothing of answers: a checklist's export gets them from here.
        export_columns_register(
            kind=TaskList.Kind.CHECKLIST,
            provider=checklist_export_columns,
            is_column=is_export_column,
        )
        # The nightly file sweep (tasks) removes answer files that no AnswerFile names.
        evidence_folder_register(folder=ANSWER_FILES_DIR, model=AnswerFile)
