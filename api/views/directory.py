"""Campaigns, their lists and categories, and the unit directory (with aliases)."""

from django.db.models import Prefetch
from rest_framework import serializers

from accounts.models import Unit, UnitAlias
from api.base import ApiReadOnlyViewSet, IdCursorPagination, register
from campaigns.models import Campaign, Category, TaskList
from tasks.permissions import visible_campaigns, visible_lists_q


class ListBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskList
        fields = ["id", "name", "kind", "source_document", "published_at"]


class CampaignSerializer(serializers.ModelSerializer):
    organiser = serializers.CharField(source="organiser.name")
    organiser_id = serializers.IntegerField()
    lists = ListBriefSerializer(many=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "name",
            "year",
            "organiser",
            "organiser_id",
            "status",
            "start_date",
            "end_date",
            "lists",
        ]


class CampaignViewSet(ApiReadOnlyViewSet):
    """Campaigns the caller may see (the same rule as the pages), each with its lists."""

    serializer_class = CampaignSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return campaigns_with_lists(self.request.user)


def campaigns_with_lists(user):
    """The campaigns ``user`` may see, each with the lists they may see in it (drafts only for
    their coordinators), in the lists' order."""
    lists = TaskList.objects.filter(visible_lists_q(user)).order_by("order", "id")
    return (
        visible_campaigns(user)
        .select_related("organiser")
        .prefetch_related(Prefetch("lists", queryset=lists))
    )


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "order"]


class TaskListSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    categories = CategorySerializer(many=True)

    class Meta:
        model = TaskList
        fields = [
            "id",
            "campaign",
            "name",
            "kind",
            "source_document",
            "published_at",
            "categories",
        ]


class TaskListViewSet(ApiReadOnlyViewSet):
    """Lists of the campaigns the caller may see (drafts only for their coordinators)."""

    serializer_class = TaskListSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        user = self.request.user
        return (
            TaskList.objects.filter(visible_lists_q(user), campaign__in=visible_campaigns(user))
            .select_related("campaign")
            .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("order")))
        )


class CategoryFullSerializer(CategorySerializer):
    task_list = serializers.IntegerField(source="task_list_id")

    class Meta(CategorySerializer.Meta):
        fields = [*CategorySerializer.Meta.fields, "task_list"]


class CategoryViewSet(ApiReadOnlyViewSet):
    serializer_class = CategoryFullSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        user = self.request.user
        lists = TaskList.objects.filter(visible_lists_q(user), campaign__in=visible_campaigns(user))
        return Category.objects.filter(task_list__in=lists)


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent", "active", "order", "aliases"]

    def get_aliases(self, unit) -> list[str]:
        return [alias.alias for alias in unit.aliases.all()]


class UnitViewSet(ApiReadOnlyViewSet):
    """The unit directory: every unit, with the other names lists use for it."""

    serializer_class = UnitSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Unit.objects.prefetch_related(
            Prefetch("aliases", queryset=UnitAlias.objects.order_by("alias"))
        )


register("campaigns", CampaignViewSet, "campaign")
register("lists", TaskListViewSet, "list")
register("categories", CategoryViewSet, "category")
register("units", UnitViewSet, "unit")
