"""The monthly bulletin and the unit ranking (赛马) as JSON: the figures of their pages."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apiplus.permissions import SeesRanking
from apiplus.serializers import MonthlyBulletinSerializer, RankingSerializer
from apiplus.views.reviews import require_certified, review_totals
from cycles import selectors
from cycles.permissions import access_review
from cycles.ranking.selectors import review_ranking


class MonthlyBulletin(APIView):
    """A certified month's bulletin (月通报): tasks per rating, the ranking, the targets by
    unit. Before certification: 409."""

    @extend_schema(responses=MonthlyBulletinSerializer)
    def get(self, request, pk: int):
        review = access_review(request.user, pk)
        require_certified(review)
        data = {
            "review": review,
            "totals": review_totals(review),
            "ranking": review_ranking(review=review).rows,
            "attainment": selectors.review_attainment(review=review),
        }
        return Response(MonthlyBulletinSerializer(data).data)


class Ranking(APIView):
    """The units of a month best first with each term of the score; before the month is
    certified, a draft for its coordinators and leaders only (403 for others)."""

    permission_classes = [*APIView.permission_classes, SeesRanking]

    @extend_schema(responses=RankingSerializer)
    def get(self, request, pk: int):
        review = access_review(request.user, pk)
        self.check_object_permissions(request, review)
        return Response(RankingSerializer(review_ranking(review=review)).data)
