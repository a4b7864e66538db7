"""Read-only: calls, bids and their history are written only by challenges.services."""

from django.contrib import admin

from challenges.models import Bid, Call, CallEvent
from config.admin import ViewOnlyAdmin, ViewOnlyInline


class CallEventInline(ViewOnlyInline):
    model = CallEvent
    fields = readonly_fields = ("at", "kind", "actor", "bid", "before", "after", "note")


@admin.register(Call)
class CallAdmin(ViewOnlyAdmin):
    list_display = ["number", "title", "campaign", "status", "claim_deadline", "places"]
    list_filter = ["campaign", "status"]
    list_select_related = ["campaign"]
    inlines = [CallEventInline]


@admin.register(Bid)
class BidAdmin(ViewOnlyAdmin):
    list_display = ["call", "unit", "status", "commander", "complete_by", "task"]
    list_filter = ["status", "call__campaign"]
    list_select_related = ["call", "unit", "task"]
