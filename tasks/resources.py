"""django-import-export resource: a flat export of tasks for /admin/ (one row per task)."""

from import_export import fields, resources

from config.pages import FormulaSafeExport
from tasks.models import Task


class TaskExportResource(FormulaSafeExport, resources.ModelResource):
    """Every task as one flat row: campaign, list, category, units by name, dates, status."""

    campaign = fields.Field(attribute="task_list__campaign__name", column_name="campaign")
    task_list = fields.Field(attribute="task_list__name", column_name="list")
    category = fields.Field(attribute="category__name", column_name="category")
    lead_unit = fields.Field(attribute="lead_unit__name", column_name="lead_unit")
    supporting_units = fields.Field(column_name="supporting_units")

    class Meta:
        model = Task
        fields = (
            "id",
            "campaign",
            "task_list",
            "category",
            "code",
            "title",
            "content",
            "source",
            "lead_unit",
            "supporting_units",
            "principal_owner_name",
            "leader_in_charge_name",
            "specific_owner_name",
            "deadline",
            "deadline_text",
            "ongoing",
            "status",
            "progress",
            "extra",
            "updated_at",
        )
        export_order = fields

    def get_queryset(self):
        return (
            Task.objects.select_related("task_list__campaign", "category", "lead_unit")
            .prefetch_related("supports__unit")
            .order_by("task_list__campaign_id", "task_list__order", "task_list_id", "order", "id")
        )

    def dehydrate_supporting_units(self, task: Task) -> str:
        return "、".join(support.unit.name for support in task.supports.all())
