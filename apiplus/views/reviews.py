"""Monthly reviews (月度认定): read the lines, rate, certify — through the services the page
uses. A refusal answers with the service's message (400, or 409 for a stale version or a
certified month) and writes nothing."""

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import TokenWritesRecorded
from apiplus.permissions import CertifiesReview, RatesReview
from apiplus.refusals import Conflict, refusals
from apiplus.serializers import (
    CertifySerializer,
    RatedSerializer,
    RateSerializer,
    ReviewDetailSerializer,
    ReviewItemFilterSerializer,
    ReviewItemSerializer,
    ReviewSerializer,
)
from config.errors import RuleViolation
from cycles import selectors, services
from cycles.models import MonthlyReview, Rating
from cycles.permissions import access_review, can_see_every_rating
from tasks.permissions import access_campaign, visible_tasks


def visible_lines(user, review: MonthlyReview):
    """The tasks whose lines ``user`` sees on a review (None: every line), as on the page."""
    return None if can_see_every_rating(user, review.campaign) else visible_tasks(user)


def with_etag(response: Response, review: MonthlyReview) -> Response:
    response["ETag"] = f'"{review.version}"'
    return response


class CampaignReviewList(ListAPIView):
    """The campaign's monthly reviews, newest first: whoever sees the campaign."""

    serializer_class = ReviewSerializer

    def get_queryset(self):
        campaign = access_campaign(self.request.user, self.kwargs["slug"])
        return campaign.reviews.select_related("campaign", "certified_by").order_by("-month")


class ReviewDetail(APIView):
    """A review with its lines counted per rating (the lines the caller sees); the ETag is its
    version, which certifying takes back."""

    @extend_schema(responses=ReviewDetailSerializer)
    def get(self, request, pk: int):
        review = access_review(request.user, pk)
        items = selectors.review_items(review=review, tasks=visible_lines(request.user, review))
        setattr(review, "counts", selectors.rating_counts(items=items))  # noqa: B010 (not a field)
        return with_etag(Response(ReviewDetailSerializer(review).data), review)


class ReviewItemList(ListAPIView):
    """A review's lines in the page's order, filtered as on the page: ``unit`` (lead unit id),
    ``proposed``, ``rating`` (or ``unrated``), ``q`` (words of the number or title)."""

    serializer_class = ReviewItemSerializer

    @extend_schema(parameters=[ReviewItemFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        review = access_review(self.request.user, self.kwargs["pk"])
        params = ReviewItemFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        given = params.validated_data
        filters = selectors.ReviewFilters(
            q=given.get("q", "").replace("\x00", ""),
            unit=given.get("unit"),
            proposed=given.get("proposed", ""),
            rating=given.get("rating", ""),
        )
        return selectors.review_items(
            review=review, tasks=visible_lines(self.request.user, review), filters=filters
        )


class ReviewRate(TokenWritesRecorded, APIView):
    """Rate some lines (the campaign's coordinators, while the month is open)."""

    permission_classes = [*APIView.permission_classes, RatesReview]

    @extend_schema(request=RateSerializer, responses=RatedSerializer)
    def post(self, request, pk: int):
        review = access_review(request.user, pk)
        self.check_object_permissions(request, review)
        body = RateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with refusals():
            changed = services.review_rate(
                review=review,
                by=request.user,
                ratings=body.validated_data["ratings"],
                shown=body.validated_data.get("shown"),
            )
        review.refresh_from_db()
        data = RatedSerializer({"changed": changed, "review": review}).data
        return with_etag(Response(data), review)


def expected_version(request, body: dict) -> int:
    """The version the caller read: the body's ``version``, else If-Match (``"3"`` or 3)."""
    if body.get("version") is not None:
        return body["version"]
    match = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if match.isdigit() and len(match) < 10:
        return int(match)
    raise RuleViolation(
        _("Send the version of the review you read (the field version, or If-Match)."),
        field="version",
    )


class ReviewCertify(TokenWritesRecorded, APIView):
    """Certify and lock the month (irreversible): every line rated, the version as read."""

    permission_classes = [*APIView.permission_classes, CertifiesReview]

    @extend_schema(
        request=CertifySerializer,
        responses=ReviewSerializer,
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )
    def post(self, request, pk: int):
        review = access_review(request.user, pk)
        self.check_object_permissions(request, review)
        body = CertifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with refusals():
            review = services.review_certify(
                review=review,
                by=request.user,
                expected_version=expected_version(request, body.validated_data),
            )
        return with_etag(Response(ReviewSerializer(review).data), review)


def review_totals(review: MonthlyReview) -> dict[str, int]:
    """Tasks per rating of a certified month, excused ones left out (as the bulletin page)."""
    counts = dict(
        review.items.filter(excused_at__isnull=True)
        .values_list("rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {rating: counts.get(rating, 0) for rating in Rating.values}


def require_certified(review: MonthlyReview) -> None:
    if review.status != MonthlyReview.Status.CERTIFIED:
        raise Conflict(_("The monthly bulletin appears once the month is certified."))
