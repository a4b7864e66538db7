"""How a task reads in the API: the list row (units, targets, last report) and the detail."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from tasks.lights import Light
from tasks.models import Milestone, ProgressReport, Target, Task


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = [
            "id",
            "metric",
            "unit_of_measure",
            "baseline",
            "target_value",
            "current_value",
            "direction",
            "order",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_date", "done_at", "order"]


class LastReportSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")

    class Meta:
        model = ProgressReport
        fields = ["id", "unit", "period_start", "percent", "text", "submitted_at", "confirmed_at"]


class TaskSerializer(serializers.Serializer):
    """One task as the list shows it. Reads only what the list's queryset prepared."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    campaign = serializers.CharField(source="task_list.campaign.slug")
    task_list = serializers.IntegerField(source="task_list_id")
    category = serializers.IntegerField(source="category_id", allow_null=True)
    category_name = serializers.CharField(source="category.name", allow_null=True, default=None)
    lead_unit = UnitRefSerializer()
    supporting_units = serializers.SerializerMethodField()
    deadline = serializers.DateField(allow_null=True)
    deadline_text = serializers.CharField()
    ongoing = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Task.Status.choices)
    progress = serializers.IntegerField()
    light = serializers.ChoiceField(source="light_value", choices=Light.choices)
    claimed = serializers.BooleanField()
    targets = TargetSerializer(many=True, source="targets.all")
    last_report = serializers.SerializerMethodField()

    def get_supporting_units(self, task) -> list[dict]:
        return [{"id": s.unit_id, "name": s.unit.name} for s in task.supports.all()]

    @extend_schema_field(LastReportSerializer(allow_null=True))
    def get_last_report(self, task) -> dict | None:
        # Serialised once for the whole page (context "last_reports": id → data).
        return self.context.get("last_reports", {}).get(task.last_report_id)


class TaskDetailSerializer(TaskSerializer):
    content = serializers.CharField()
    goal = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.source
    principal_owner_name = serializers.CharField()
    leader_in_charge_name = serializers.CharField()
    specific_owner_name = serializers.CharField()
    difficulty = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    milestones = MilestoneSerializer(many=True, source="milestones.all")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


ORDERINGS = {
    "id": ("id",),
    "-id": ("-id",),
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "progress": ("progress", "id"),
    "-progress": ("-progress", "-id"),
    "code": ("task_list_id", "order", "id"),
}


class TaskQuerySerializer(serializers.Serializer):
    """The task list's filters. Unknown parameters are ignored; a malformed value is a 400."""

    campaign = serializers.SlugField(
        required=False, max_length=Campaign._meta.get_field("slug").max_length or 50
    )
    task_list = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    category = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    lead_unit = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    supporting_unit = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    unit = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="lead or supporting"
    )
    mine = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="my unit leads or supports"
    )
    status = serializers.ChoiceField(required=False, choices=Task.Status.choices)
    light = serializers.ChoiceField(required=False, choices=Light.choices)
    overdue = serializers.BooleanField(required=False, default=None, allow_null=True)
    claimed = serializers.BooleanField(required=False, default=None, allow_null=True)
    deadline_after = serializers.DateField(required=False, help_text="deadline on or after")
    deadline_before = serializers.DateField(required=False, help_text="deadline on or before")
    q = serializers.CharField(
        required=False, max_length=100, help_text="words in title, content, code, unit, owner"
    )
    ordering = serializers.ChoiceField(
        required=False,
        choices=sorted(ORDERINGS),
        default="id",
        help_text="id (default, the fastest), code (the lists' order), deadline, progress; - reverses",
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False, max_length=500)
