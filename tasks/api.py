"""Read API for campaigns and tasks. The same permission module as the pages decides access."""

from django.db.models import Prefetch
from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from campaigns.models import Campaign, TaskList
from tasks.permissions import visible_campaigns, visible_lists_q, visible_tasks
from tasks.selectors import TaskFilters, apply_filters, with_list_columns


class TaskListSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskList
        # published_at is empty for a draft an import made (only its coordinators see it).
        fields = ["id", "name", "kind", "source_document", "published_at"]


class CampaignSerializer(serializers.ModelSerializer):
    organiser = serializers.CharField(source="organiser.name")
    lists = TaskListSerializer(many=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "name",
            "year",
            "organiser",
            "status",
            "start_date",
            "end_date",
            "lists",
        ]


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    campaign = serializers.CharField(source="task_list.campaign.slug")
    task_list = serializers.IntegerField(source="task_list_id")
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    lead_unit = serializers.CharField(source="lead_unit.name")
    supporting_units = serializers.SerializerMethodField()
    deadline = serializers.DateField(allow_null=True)
    deadline_text = serializers.CharField()
    ongoing = serializers.BooleanField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    light = serializers.CharField(source="light_value")
    last_report_at = serializers.DateTimeField(allow_null=True)

    def get_supporting_units(self, task) -> list[str]:
        return [support.unit.name for support in task.supports.all()]


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    # The first, unversioned API; /api/v1/ (the api app) is the documented one.
    schema = None
    serializer_class = CampaignSerializer
    lookup_field = "slug"

    def get_queryset(self):
        user = self.request.user
        lists = TaskList.objects.filter(visible_lists_q(user)).order_by("order", "id")
        return (
            visible_campaigns(user)
            .select_related("organiser")
            .prefetch_related(Prefetch("lists", queryset=lists))
            .order_by("-year", "name")
        )


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
    """Tasks the caller may read. Filters: status, light, task_list, q."""

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
