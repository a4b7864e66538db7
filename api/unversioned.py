"""The first read API at /api/ (campaigns, tasks), kept for the clients that use it: out of the
schema, pages numbered, its rows in their first shape. It is /api/v1/'s serializers and
selectors with the first names: a campaign without ``organiser_id``; a task with its category,
lead unit and supporting units by name and its last report's time (v1 gives ids and names, and
the report). /api/v1/ is the documented one."""

from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from api.views import directory
from api.views.task_serializers import TaskSerializer as V1TaskSerializer
from tasks.permissions import visible_tasks
from tasks.selectors import TaskFilters, apply_filters, with_list_columns


class CampaignSerializer(directory.CampaignSerializer):
    class Meta(directory.CampaignSerializer.Meta):
        fields = [f for f in directory.CampaignSerializer.Meta.fields if f != "organiser_id"]


class TaskSerializer(V1TaskSerializer):
    """v1's task row with the first API's names, in its order."""

    FIELDS = [
        "id",
        "code",
        "title",
        "campaign",
        "task_list",
        "category",
        "lead_unit",
        "supporting_units",
        "deadline",
        "deadline_text",
        "ongoing",
        "status",
        "progress",
        "light",
        "last_report_at",
    ]

    category = serializers.CharField(source="category.name", allow_null=True, default=None)  # type: ignore[assignment]
    lead_unit = serializers.CharField(source="lead_unit.name")  # type: ignore[assignment]
    last_report_at = serializers.DateTimeField(allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        return {name: fields[name] for name in self.FIELDS}

    def get_supporting_units(self, task) -> list[str]:  # type: ignore[override]
        return [unit["name"] for unit in super().get_supporting_units(task)]


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    schema = None
    serializer_class = CampaignSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return directory.campaigns_with_lists(self.request.user).order_by("-year", "name")


class TwoStepPagination(PageNumberPagination):
    """A page of keys first, then the rows of those keys with their joins and subqueries (as
    ``config.pages.two_step_page``): the database sorts keys, not whole rows."""

    def paginate_queryset(self, queryset, request, view=None):
        keys = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
        if keys is None:
            return None
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
        return [rows[pk] for pk in keys if pk in rows]


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks the caller may read. Filters: status, light, task_list, q; none answers 400 (a
    task_list that is no number is ignored, a NUL byte dropped), unlike v1's."""

    serializer_class = TaskSerializer
    schema = None
    pagination_class = TwoStepPagination

    def get_queryset(self):
        params = self.request.query_params
        filters = TaskFilters(
            status=params.get("status", ""),
            light=params.get("light", ""),
            task_list=int(params["task_list"]) if params.get("task_list", "").isdigit() else None,
            # A NUL byte is no text PostgreSQL stores or compares: it is dropped.
            q=params.get("q", "").replace("\x00", "")[:100],
        )
        qs = with_list_columns(visible_tasks(self.request.user), today=timezone.localdate())
        return apply_filters(qs, filters, unit_id=None).order_by("task_list_id", "order", "id")
