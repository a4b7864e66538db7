from django.contrib import admin

from measures.models import Application, ApplicationEvent, Measure


class ReadOnlyAdmin(admin.ModelAdmin):
    """For reference: measures change only through their pages, which keep history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("line", "kind", "rule", "number")
    list_filter = ("kind", "rule")


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "before", "after")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("measure", "campaign", "month", "unit", "person", "status", "origin")
    list_filter = ("status", "origin", "measure__kind")
    inlines = [ApplicationEventInline]
