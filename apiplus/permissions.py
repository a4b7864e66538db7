"""DRF permission classes of these resources. Each asks the project's own rule (the same one
the pages ask); rows the caller may not see are 404 earlier, in the ``access_*`` helpers."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from cycles.models import MonthlyReview
from cycles.permissions import can_certify, can_rate, can_see_draft_ranking
from reporting.permissions import can_report_in_bulk


class ReportsInBulk(BasePermission):
    """What a unit owes and its sheet: unit staff and heads of a unit (404 for anyone else, as
    the 一表填报 page)."""

    def has_permission(self, request, view) -> bool:
        if not can_report_in_bulk(request.user):
            raise Http404
        return True


class RatesReview(BasePermission):
    message = _("Only the campaign's coordinators rate its tasks.")

    def has_object_permission(self, request, view, obj: MonthlyReview) -> bool:
        return can_rate(request.user, obj)


class CertifiesReview(BasePermission):
    message = _("Only the campaign's coordinators certify its months.")

    def has_object_permission(self, request, view, obj: MonthlyReview) -> bool:
        return can_certify(request.user, obj)


class SeesRanking(BasePermission):
    """A month's ranking before it is certified: its coordinators and leaders only."""

    message = _("Before the month is certified, its draft ranking is for coordinators and leaders.")

    def has_object_permission(self, request, view, obj: MonthlyReview) -> bool:
        return obj.status == MonthlyReview.Status.CERTIFIED or can_see_draft_ranking(
            request.user, obj
        )
