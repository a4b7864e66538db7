"""Tasks: the filtered list (cursor pages of at most 100, in a fixed number of queries) and one
task. Access: ``tasks.permissions.visible_tasks``, as on the pages."""

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api.base import ApiReadOnlyViewSet, error_responses, register
from api.views import task_rows
from api.views.task_parts import TaskPartsMixin
from api.views.task_serializers import (
    ORDERINGS,
    TaskDetailSerializer,
    TaskQuerySerializer,
    TaskSerializer,
)
from tasks.lights import light_expression, overdue_q
from tasks.models import ProgressReport, TaskSupport
from tasks.permissions import visible_tasks
from tasks.selectors import TaskFilters, apply_filters


class TaskCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_ordering(self, request, queryset, view):
        return ORDERINGS[getattr(view, "ordering_key", "id")]


def _supported_by(unit_id: int | None) -> Q:
    """Supported by the unit, as EXISTS: no join, so no task repeats on a page."""
    return Q(Exists(TaskSupport.objects.filter(task=OuterRef("pk"), unit_id=unit_id)))  # type: ignore[misc]


def _narrow(qs, params: dict, today):
    """The filters apply_filters does not know: campaign, supporting unit, deadline range,
    claimed, and overdue false."""
    if params.get("campaign"):
        qs = qs.filter(task_list__campaign__slug=params["campaign"])
    if params.get("supporting_unit"):
        qs = qs.filter(_supported_by(params["supporting_unit"]))
    if params.get("deadline_after"):
        qs = qs.filter(deadline__gte=params["deadline_after"])
    if params.get("deadline_before"):
        qs = qs.filter(deadline__lte=params["deadline_before"])
    if params.get("claimed") is not None:
        qs = qs.filter(claimed=params["claimed"])
    if params.get("overdue") is False:
        qs = qs.exclude(overdue_q(today))
    return qs


def task_list_queryset(user, params: dict):
    """The tasks ``user`` may read that ``params`` (TaskQuerySerializer's) select, with their
    light and last report's id; what a row shows of them is read by ``task_rows``."""
    today = timezone.localdate()
    filters = TaskFilters(
        status=params.get("status", ""),
        light=params.get("light", ""),
        task_list=params.get("task_list"),
        category=params.get("category"),
        unit=params.get("unit"),
        lead_unit=params.get("lead_unit"),
        overdue=params.get("overdue") is True,
        q=params.get("q", ""),
    )
    latest = ProgressReport.objects.filter(task=OuterRef("pk"), unit_id=OuterRef("lead_unit_id"))
    # Only what the rows show: with an indexed order the database computes the light and the
    # last report for the page's rows alone (LIMIT first), not for every task.
    qs = visible_tasks(user).annotate(
        light_value=light_expression(today),
        last_report_id=Subquery(latest.order_by("-submitted_at", "-id").values("id")[:1]),
    )
    qs = apply_filters(qs, filters, unit_id=None, today=today)
    qs = _narrow(qs, params, today)
    if params.get("mine"):
        qs = qs.filter(Q(lead_unit_id=user.unit_id) | _supported_by(user.unit_id))
    return qs


@extend_schema_view(
    list=extend_schema(
        parameters=[TaskQuerySerializer],
        responses={200: TaskSerializer, **error_responses(400, 401, 429)},
    ),
    retrieve=extend_schema(responses={200: TaskDetailSerializer, **error_responses(401, 404, 429)}),
)
class TaskViewSet(TaskPartsMixin, ApiReadOnlyViewSet):
    """Tasks the caller may read. The ETag of one task is its version."""

    pagination_class = TaskCursorPagination
    ordering_key = "id"

    def get_serializer_class(self):
        return TaskDetailSerializer if self.action == "retrieve" else TaskSerializer

    def get_queryset(self):
        if self.action != "list":
            return (
                task_list_queryset(self.request.user, {})
                .select_related("task_list__campaign", "category", "lead_unit")
                .prefetch_related(
                    Prefetch(
                        "supports",
                        queryset=TaskSupport.objects.select_related("unit").order_by("id"),
                    ),
                    "targets",
                    "milestones",
                )
            )
        query = TaskQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.ordering_key = query.validated_data.get("ordering") or "id"
        return task_list_queryset(self.request.user, query.validated_data)

    def list(self, request, *args, **kwargs):
        """Rows from plain values (``task_rows``: the same JSON as ``TaskSerializer``)."""
        page = self.paginate_queryset(self.get_queryset().values(*task_rows.VALUES))
        assert page is not None
        return self.get_paginated_response(task_rows.task_rows(page))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "last_reports": getattr(self, "_last", {})}

    def retrieve(self, request, *args, **kwargs):
        task = self.get_object()
        self._last = task_rows.last_reports([task.last_report_id])
        return Response(self.get_serializer(task).data)


register("tasks", TaskViewSet, "task")
