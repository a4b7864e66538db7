"""Read-only: rounds, answers and their history are written only by inspections.services."""

from django.contrib import admin

from inspections.models import Answer, AnswerEvent, InspectionRound, Rectification


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AnswerEventInline(admin.TabularInline):
    model = AnswerEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "before", "after", "note")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnly):
    list_display = ["title", "campaign", "checklist", "due_date", "opened_at", "closed_at"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "checklist"]


@admin.register(Answer)
class AnswerAdmin(ReadOnly):
    list_display = ["round", "question", "unit", "value", "verification", "verified_value"]
    list_filter = ["round", "value", "verification"]
    list_select_related = ["round", "question", "unit"]
    inlines = [AnswerEventInline]


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["task", "answer", "created_at"]
    list_select_related = ["task", "answer"]
