"""Dispatch rounds, their weekly bulletins as JSON, and what the caller's unit still owes."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apiplus.permissions import ReportsInBulk
from apiplus.serializers import OwedSerializer, RoundSerializer, WeeklyBulletinSerializer
from cycles import bulletin_page, selectors
from cycles.permissions import access_round
from reporting.selectors import owed_tasks
from tasks.permissions import access_campaign

ROUND_ORDER = ("-week_start", "-id")


class CampaignRoundList(ListAPIView):
    """The campaign's weekly dispatch rounds (调度), newest first: whoever sees the campaign."""

    serializer_class = RoundSerializer

    def get_queryset(self):
        campaign = access_campaign(self.request.user, self.kwargs["slug"])
        return campaign.rounds.select_related("campaign").order_by(*ROUND_ORDER)


class RoundBulletin(APIView):
    """One round and its weekly bulletin (周通报), the figures of the page; while the round
    is open, the figures so far (``provisional``)."""

    @extend_schema(responses=WeeklyBulletinSerializer)
    def get(self, request, pk: int):
        round_ = access_round(request.user, pk)
        until = min(timezone.now(), round_.closes_at)
        result = round_.result or bulletin_page.live_result(round_, until)
        result = selectors.round_result_for(user=request.user, round_=round_, result=result)
        return Response(
            WeeklyBulletinSerializer(
                {"round": round_, "provisional": not round_.closed_at, "bulletin": result}
            ).data
        )


class Owed(APIView):
    """What the caller's unit still owes in every campaign's current round (本周应报送): unit
    staff and heads (404 for anyone else, as the 一表填报 page). Five queries."""

    permission_classes = [*APIView.permission_classes, ReportsInBulk]

    @extend_schema(responses=OwedSerializer)
    def get(self, request):
        owed = owed_tasks(unit_id=request.user.unit_id)
        return Response(
            OwedSerializer(
                {
                    "unit": request.user.unit.name,
                    "total": owed.total,
                    "reported": owed.reported,
                    "rounds": owed.rounds,
                    "tasks": owed.tasks,
                }
            ).data
        )
