"""What these resources send and take, described for the OpenAPI schema."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import ListImport, TaskList
from cycles.models import DispatchRound, MonthlyReview, Rating, ReviewItem, UnitMonth


class RoundSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    label = serializers.CharField(source="iso_label")  # type: ignore[assignment]

    class Meta:
        model = DispatchRound
        fields = [
            "id",
            "campaign",
            "label",
            "week_start",
            "opens_at",
            "due_at",
            "reminder_at",
            "closes_at",
            "closed_at",
        ]


class BulletinTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    deadline = serializers.CharField(required=False, allow_null=True)
    progress = serializers.IntegerField(required=False)


class WeeklyBulletinSerializer(serializers.Serializer):
    """The weekly bulletin (周通报) with the figures of its page; its task lines only those the
    caller may open (unless they see every rating)."""

    round = RoundSerializer()
    provisional = serializers.BooleanField(help_text="The round is still open: figures so far.")
    bulletin = serializers.JSONField(
        help_text="As the page: totals, units (owed, reported, rate, missing), and the red, "
        "overdue, late and closed task lines."
    )


class OwedRoundSerializer(serializers.Serializer):
    round = RoundSerializer()
    owed = serializers.IntegerField()
    reported = serializers.IntegerField()
    missing = serializers.IntegerField()


class OwedTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    code = serializers.CharField(source="task.code")
    title = serializers.CharField(source="task.title")
    campaign = serializers.CharField(source="task.task_list.campaign.slug")
    round = serializers.IntegerField(source="round.pk")
    progress = serializers.IntegerField(source="task.progress")
    light = serializers.CharField(source="light.light", allow_null=True)
    reported = serializers.BooleanField()
    awaiting_confirmation = serializers.BooleanField(source="awaiting")
    last_report_at = serializers.DateTimeField(
        source="last_report.submitted_at", allow_null=True, default=None
    )


class OwedSerializer(serializers.Serializer):
    """What the caller's unit still owes in the current dispatch rounds (本周应报送)."""

    unit = serializers.CharField()
    total = serializers.IntegerField()
    reported = serializers.IntegerField()
    rounds = OwedRoundSerializer(many=True)
    tasks = OwedTaskSerializer(many=True)


class ReviewSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    month = serializers.DateField(format="%Y-%m")
    label = serializers.CharField()  # type: ignore[assignment]
    certified_by: "serializers.StringRelatedField[Any]" = serializers.StringRelatedField()

    class Meta:
        model = MonthlyReview
        fields = [
            "id",
            "campaign",
            "month",
            "label",
            "status",
            "version",
            "opened_at",
            "certified_at",
            "certified_by",
        ]


class ReviewDetailSerializer(ReviewSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text='Lines per rating the caller sees ("" for not rated yet).',
    )

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "counts"]


class ReviewItemFilterSerializer(serializers.Serializer):
    """The review page's filters; a value that is none of them is refused (400)."""

    unit = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    proposed = serializers.ChoiceField(choices=Rating.choices, required=False)
    rating = serializers.ChoiceField(
        choices=[*Rating.choices, ("unrated", "unrated")], required=False
    )
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ReviewItemSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    code = serializers.CharField(source="task.code")
    title = serializers.CharField(source="task.title")
    lead_unit = serializers.CharField(source="lead_unit.name")
    confirmed_by: "serializers.StringRelatedField[Any]" = serializers.StringRelatedField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "task",
            "code",
            "title",
            "lead_unit",
            "proposed",
            "reason",
            "reports",
            "progress",
            "rating",
            "confirmed_by",
            "confirmed_at",
            "excused_at",
        ]


class RateSerializer(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.ChoiceField(choices=Rating.choices),
        allow_empty=False,
        help_text="Review line id → rating.",
    )
    shown = serializers.DictField(
        child=serializers.ChoiceField(choices=[("", "—"), *Rating.choices]),
        required=False,
        help_text='Review line id → the rating it had when the caller read it ("" for none):'
        " a line someone changed since is refused, and nothing is saved.",
    )

    def validate_ratings(self, value):
        return _ids(value)

    def validate_shown(self, value):
        return _ids(value)


def _ids(value: dict) -> dict[int, str]:
    if any(not str(key).isdigit() or len(str(key)) > 12 for key in value):
        raise serializers.ValidationError(
            _("Keys must be the ids of review lines (whole numbers).")
        )
    return {int(key): rating for key, rating in value.items()}


class RatedSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    review = ReviewSerializer()


class CertifySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        help_text="The review's version as read (or send it as If-Match).",
    )


class AttainmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    targets = serializers.IntegerField()
    met = serializers.IntegerField()
    not_met = serializers.IntegerField()
    unmeasured = serializers.IntegerField()
    share = serializers.IntegerField(allow_null=True)


class RankingRowSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField()
    previous_rank = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)

    class Meta:
        model = UnitMonth
        fields = [
            "unit",
            "unit_name",
            "rank",
            "score",
            "tasks",
            "on_track",
            "behind",
            "completed",
            "not_completed",
            "reports",
            "term_ratings",
            "term_reporting",
            "term_punctuality",
            "term_targets",
            "term_claimed",
            "term_penalties",
            "supported",
            "board",
            "previous_rank",
            "change",
        ]


class RankingSerializer(serializers.Serializer):
    """The units of a month best first (赛马), each term of the score; a draft under the
    current formula while the month is open."""

    review = ReviewSerializer()
    draft = serializers.BooleanField()
    formula = serializers.ListField(child=serializers.CharField(), source="words")
    rows = RankingRowSerializer(many=True)


class MonthlyBulletinSerializer(serializers.Serializer):
    """The monthly bulletin (月通报) of a certified month: ratings, ranking, targets."""

    review = ReviewSerializer()
    totals = serializers.DictField(
        child=serializers.IntegerField(), help_text="Tasks per rating (excused ones left out)."
    )
    ranking = RankingRowSerializer(many=True)
    attainment = AttainmentSerializer(many=True)


# --- imports -----------------------------------------------------------------------------------


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The list as .xlsx (as on the import page).")
    task_list = serializers.IntegerField(
        required=False, allow_null=True, help_text="A live list to revise; empty: a new list."
    )
    list_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    list_kind = serializers.ChoiceField(
        choices=TaskList.Kind.choices, required=False, allow_blank=True
    )


class ImportIssueSerializer(serializers.Serializer):
    level = serializers.CharField(help_text="error or warning")
    message = serializers.CharField()
    sheet = serializers.CharField(allow_null=True, required=False)
    row = serializers.IntegerField(allow_null=True, required=False)
    column = serializers.CharField(allow_null=True, required=False)


class ImportStateSerializer(serializers.ModelSerializer):
    """Enough to poll: status, stage and progress while a job runs."""

    campaign = serializers.CharField(source="campaign.slug")
    running = serializers.BooleanField(source="is_running")

    class Meta:
        model = ListImport
        fields = ["id", "campaign", "status", "stage", "progress", "message", "running"]


class ImportSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    running = serializers.BooleanField(source="is_running")
    issues = serializers.SerializerMethodField()

    class Meta:
        model = ListImport
        fields = [
            "id",
            "campaign",
            "source_name",
            "status",
            "stage",
            "progress",
            "message",
            "running",
            "task_list",
            "list_name",
            "list_kind",
            "summary",
            "created_at",
            "finished_at",
            "issues",
        ]

    @extend_schema_field(ImportIssueSerializer(many=True))
    def get_issues(self, obj) -> list[dict]:
        issues = (obj.preview or {}).get("issues", []) if "preview" in obj.__dict__ else []
        return list(ImportIssueSerializer(issues, many=True).data)


class ImportRowFilterSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=10**6, required=False)
    show = serializers.ChoiceField(choices=["problems", "changes"], required=False)


class ImportRowSerializer(serializers.Serializer):
    """One row of the file and what it becomes, with its own issues."""

    sheet = serializers.CharField(allow_blank=True, allow_null=True)
    row = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    lead = serializers.CharField(allow_blank=True, help_text="The lead unit as written.")
    lead_unit = serializers.CharField(allow_blank=True, help_text="The unit it resolves to.")
    deadline = serializers.CharField(allow_null=True)
    deadline_text = serializers.CharField(allow_blank=True)
    action = serializers.CharField(help_text="create, update, unchanged or error")
    changes = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[field, before, after] for a row that changes a task.",
    )
    issues = ImportIssueSerializer(many=True)


class ImportRowsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ImportRowSerializer(many=True)
