"""Read-only: problems and their history are written only by problems.services."""

from django.contrib import admin

from config.admin import ViewOnlyAdmin, ViewOnlyInline
from problems.models import Problem, ProblemEvent


class ProblemEventInline(ViewOnlyInline):
    model = ProblemEvent
    fields = readonly_fields = ("at", "kind", "actor", "before", "after", "note")


@admin.register(Problem)
class ProblemAdmin(ViewOnlyAdmin):
    list_display = ["title", "campaign", "unit", "state", "assigned_unit", "raised_at"]
    list_filter = ["campaign", "state", "referral"]
    list_select_related = ["campaign", "unit", "assigned_unit"]
    inlines = [ProblemEventInline]
