"""Read-only: calls, bids and their history are written only by challenges.services."""

from django.contrib import admin

from challenges.models import Bid, Call, CallEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "bid", "before", "after", "note")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnly):
    list_display = ["number", "title", "campaign", "status", "claim_deadline", "places"]
    list_filter = ["campaign", "status"]
    list_select_related = ["campaign"]
    inlines = [CallEventInline]


@admin.register(Bid)
class BidAdmin(ReadOnly):
    list_display = ["call", "unit", "status", "commander", "complete_by", "task"]
    list_filter = ["status", "call__campaign"]
    list_select_related = ["call", "unit", "task"]
