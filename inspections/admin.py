"""Read-only: rounds, answers and their history are written only by inspections.services."""

from django.contrib import admin

from config.admin import ViewOnlyAdmin, ViewOnlyInline
from inspections.models import Answer, AnswerEvent, InspectionRound, Rectification


class AnswerEventInline(ViewOnlyInline):
    model = AnswerEvent
    fields = readonly_fields = ("at", "kind", "actor", "before", "after", "note")


@admin.register(InspectionRound)
class InspectionRoundAdmin(ViewOnlyAdmin):
    list_display = ["title", "campaign", "checklist", "due_date", "opened_at", "closed_at"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "checklist"]


@admin.register(Answer)
class AnswerAdmin(ViewOnlyAdmin):
    list_display = ["round", "question", "unit", "value", "verification", "verified_value"]
    list_filter = ["round", "value", "verification"]
    list_select_related = ["round", "question", "unit"]
    inlines = [AnswerEventInline]


@admin.register(Rectification)
class RectificationAdmin(ViewOnlyAdmin):
    list_display = ["task", "answer", "created_at"]
    list_select_related = ["task", "answer"]
