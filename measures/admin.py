"""Read-only: measures, their applications and history are written only by measures.services."""

from django.contrib import admin

from config.admin import ViewOnlyAdmin, ViewOnlyInline
from measures.models import Application, ApplicationEvent, Measure


@admin.register(Measure)
class MeasureAdmin(ViewOnlyAdmin):
    list_display = ("line", "kind", "rule", "number")
    list_filter = ("kind", "rule")


class ApplicationEventInline(ViewOnlyInline):
    model = ApplicationEvent
    fields = readonly_fields = ("at", "kind", "actor", "before", "after")


@admin.register(Application)
class ApplicationAdmin(ViewOnlyAdmin):
    list_display = ("measure", "campaign", "month", "unit", "person", "status", "origin")
    list_filter = ("status", "origin", "measure__kind")
    inlines = [ApplicationEventInline]
