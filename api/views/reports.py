"""Progress reports (list, create with evidence files and target values, edit while the month
is open, confirm by the unit head) and the evidence download. Writes go through tasks.services,
as the task page's forms do."""

import contextlib
from decimal import Decimal

from django.db.models import Prefetch
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils import html

from api.base import (
    IF_MATCH,
    ApiViewSet,
    IdCursorPagination,
    error_responses,
    expected_version,
    register,
)
from config.errors import RuleViolation
from tasks import services
from tasks.models import Evidence, ProgressReport
from tasks.permissions import access_task, visible_tasks
from tasks.selectors import evidence_for_download

MAX_ID = 2**31 - 1


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "original_name", "size", "content_type", "uploaded_at"]


class ReportSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    unit = serializers.IntegerField(source="unit_id")
    submitted_by = serializers.CharField(source="submitted_by.__str__", allow_null=True)
    evidence = EvidenceSerializer(many=True)
    target_values = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "version",
            "task",
            "unit",
            "period_start",
            "text",
            "percent",
            "obstacles",
            "next_steps",
            "submitted_by",
            "submitted_at",
            "confirmed_at",
            "edited_at",
            "locked_at",
            "evidence",
            "target_values",
        ]

    @extend_schema_field(
        serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    )
    def get_target_values(self, report) -> dict[str, str]:
        """The values the report gave, target id → value."""
        return {str(row.target_id): f"{row.value:.2f}" for row in report.target_values.all()}


class TargetValuesField(serializers.DictField):
    """``{"<target id>": "<value>"}``: the task's target values, as the page's report form takes
    them (JSON: an object; multipart: ``target_values.<id>=<value>``). A malformed id or value
    is a 400 naming ``target_values`` (one flat list of messages, each naming its target)."""

    def __init__(self, **kwargs):
        child = serializers.DecimalField(max_digits=14, decimal_places=2)
        super().__init__(child=child, **kwargs)

    def to_internal_value(self, data) -> dict[int, Decimal]:
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {"": error.detail}
            raise serializers.ValidationError(
                [
                    f"{key}：{msg}" if key else str(msg)
                    for key, msgs in detail.items()
                    for msg in _flat(msgs)
                ]
            ) from None
        out: dict[int, Decimal] = {}
        for key, value in values.items():
            if not (key.isascii() and key.isdigit() and len(key) < 11 and 0 < int(key) <= MAX_ID):
                raise serializers.ValidationError(
                    [_("%(key)s is not the id of a target.") % {"key": key[:20]}]
                )
            out[int(key)] = value
        return out


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for item in messages.values() for m in _flat(item)]
    if isinstance(messages, (list, tuple)):
        return [m for item in messages for m in _flat(item)]
    return [str(messages)]


@contextlib.contextmanager
def target_refusals():
    """The service's refusals about target values name the API's field, ``target_values``."""
    try:
        yield
    except RuleViolation as refusal:
        if refusal.field == "targets":
            refusal.field = "target_values"
        raise


class ReportWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    obstacles = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    next_steps = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default=""
    )
    version = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_ID, help_text="or If-Match"
    )
    target_values = TargetValuesField(
        required=False,
        help_text="the lead unit's values for the task's targets: target id → value "
        "(multipart: target_values.<id>=<value>); on edit, replaces the report's values",
    )


class ReportCreateSerializer(ReportWriteSerializer):
    task = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="evidence files (佐证材料)"
    )


class ReportQuerySerializer(serializers.Serializer):
    task = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


@extend_schema_view(
    list=extend_schema(
        parameters=[ReportQuerySerializer],
        responses={200: ReportSerializer, **error_responses(400, 401, 429)},
    ),
    retrieve=extend_schema(responses={200: ReportSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        request={"multipart/form-data": ReportCreateSerializer},
        parameters=[IF_MATCH],
        responses={201: ReportSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    partial_update=extend_schema(
        request=ReportWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ReportSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    confirm=extend_schema(
        request=None,
        responses={200: ReportSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    ),
)
class ReportViewSet(
    ApiViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Reports on the tasks the caller may read. Create: multipart, several ``files``; the task's
    version (If-Match or ``version``) guards against a stale page. Edit (PATCH): until the month
    is certified, with the report's version. Confirm: the unit head, a report waiting for it."""

    serializer_class = ReportSerializer
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = ProgressReport.objects.filter(task__in=visible_tasks(self.request.user).values("pk"))
        if self.action == "list":
            query = ReportQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data.get("task"):
                qs = qs.filter(task_id=query.validated_data["task"])
        return qs.select_related("submitted_by").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("id")), "target_values"
        )

    def create(self, request, *args, **kwargs):
        body = ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        task = access_task(request.user, data["task"])
        with target_refusals():
            report = services.report_submit(
                task=task,
                by=request.user,
                text=data["text"],
                percent=data["percent"],
                obstacles=data["obstacles"],
                next_steps=data["next_steps"],
                target_values=data.get("target_values") or None,
                files=request.FILES.getlist("files"),
                expected_version=expected_version(request),
            )
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        body = ReportWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        values = data.get("target_values")
        if not values and html.is_html_input(request.data):
            values = None  # a form cannot say "none": no target_values.<id> leaves them
        with target_refusals():
            services.report_edit(
                report=report,
                by=request.user,
                text=data["text"],
                percent=data["percent"],
                obstacles=data["obstacles"],
                next_steps=data["next_steps"],
                target_values=values,
                expected_version=expected_version(request),
            )
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The unit head confirms a report of their unit waiting for it (as on the task page);
        a lead-unit report then moves the task's progress and target values."""
        report = self.get_object()
        services.report_confirm(report=report, by=request.user)
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)


@extend_schema_view(
    retrieve=extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **error_responses(401, 404),
        },
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
)
class EvidenceViewSet(ApiViewSet):
    """An evidence file, if the caller may read its task (404 otherwise), as an attachment."""

    queryset = Evidence.objects.none()

    def retrieve(self, request, pk=None):
        evidence = evidence_for_download(user=request.user, evidence_id=int(pk))
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


register("reports", ReportViewSet, "report")
register("evidence", EvidenceViewSet, "evidence")
