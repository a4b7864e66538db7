"""Read-only: problems and their history are written only by problems.services."""

from django.contrib import admin

from problems.models import Problem, ProblemEvent


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "before", "after", "note")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "unit", "state", "assigned_unit", "raised_at"]
    list_filter = ["campaign", "state", "referral"]
    list_select_related = ["campaign", "unit", "assigned_unit"]
    inlines = [ProblemEventInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
