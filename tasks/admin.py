from django.contrib import admin
from import_export.admin import ExportMixin

from tasks.models import Evidence, Milestone, ProgressReport, Target, Task, TaskEvent, TaskSupport
from tasks.resources import TaskExportResource
from tasks.services import task_update


class ReadOnlyInline(admin.TabularInline):
    """Shown for reference; changed only through the pages and imports, which keep history."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskSupportInline(ReadOnlyInline):
    model = TaskSupport


class TargetInline(ReadOnlyInline):
    model = Target


class MilestoneInline(ReadOnlyInline):
    model = Milestone


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "before", "after", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ExportMixin, admin.ModelAdmin):
    """Read-mostly: the fields a workflow owns (status, progress, lead unit) are read-only, and
    every other change is saved through ``task_update``, so it leaves a TaskEvent like any
    change made in the pages.

    Export gives every task as one flat row (tasks.resources); lists are imported through the
    campaign's import page, never here, so the admin adds no task.
    """

    resource_classes = [TaskExportResource]
    list_display = ["code", "title", "task_list", "lead_unit", "status", "progress", "deadline"]
    list_filter = ["status", "task_list__campaign", "task_list__kind"]
    search_fields = ["code", "title", "lead_unit__name"]
    list_select_related = ["task_list", "lead_unit"]
    readonly_fields = [
        "task_list",
        "status",
        "progress",
        "lead_unit",
        "version",
        "created_at",
        "updated_at",
        "closed_at",
        # 签收 is the lead unit's, on the task page; the admin only shows where it stands.
        "handed_over_at",
        "acknowledged_at",
        "acknowledged_by",
        "ack_reminded_at",
    ]
    inlines = [TaskSupportInline, TargetInline, MilestoneInline, TaskEventInline]
    autocomplete_fields = ["category", "principal_owner", "leader_in_charge", "specific_owner"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        task_update(task=obj, by=request.user, **changes)


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = readonly_fields = ["original_name", "size", "content_type", "uploaded_at"]


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    """Shown, never written: a report is made, corrected and locked through the services
    (tasks.services.reports), which leave its history and settle the weekly report it answers
    (cycles.services.owed); a change here would do neither."""

    list_display = ["task", "unit", "period_start", "percent", "submitted_by", "submitted_at"]
    list_filter = ["period_start"]
    list_select_related = ["task", "unit", "submitted_by"]
    search_fields = ["task__title", "text"]
    inlines = [EvidenceInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ["task", "kind", "actor", "at"]
    list_filter = ["kind"]
    list_select_related = ["task", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
