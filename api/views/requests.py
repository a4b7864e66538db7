"""Requests (close-out, extension, transfer: create, decide, withdraw), instructions (give,
answer) and the caller's notifications (list, mark read). Through tasks.services and
notifications.services, as the pages do; a row on a task the caller cannot read is 404."""

from collections.abc import Callable

from django.db.models import Model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from accounts.models import Unit
from api.base import (
    IF_MATCH,
    ApiViewSet,
    IdCursorPagination,
    error_responses,
    expected_version,
    register,
)
from notifications.models import Notification
from notifications.services import notifications_mark_read
from tasks import services
from tasks.models import Instruction, TaskRequest
from tasks.permissions import access_task, visible_tasks

MAX_ID = 2**31 - 1
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 429)


class RequestSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    proposed_unit = serializers.IntegerField(source="proposed_unit_id", allow_null=True)
    requested_by = serializers.CharField(source="requested_by.__str__", allow_null=True)

    class Meta:
        model = TaskRequest
        fields = [
            "id",
            "version",
            "task",
            "kind",
            "status",
            "reason",
            "proposed_deadline",
            "proposed_unit",
            "requested_by",
            "requested_at",
            "decided_at",
            "decision_comment",
        ]


class RequestCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=TaskRequest.Kind.choices)
    reason = serializers.CharField(max_length=5000)
    proposed_deadline = serializers.DateField(required=False, allow_null=True)
    proposed_unit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    version = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    version = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)


def _write(
    view: GenericViewSet,
    body: type[serializers.Serializer] | None,
    write: Callable[[dict], Model],
    *,
    status: int = 200,
) -> Response:
    """One write action: check the request's ``body`` (a serializer; None: no body), hand its
    data to ``write`` (the service call, returning the row) and answer the row as the resource
    reads it, re-read through the caller's visibility."""
    data: dict = {}
    if body is not None:
        checked = body(data=view.request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
    row = write(data)
    return Response(view.get_serializer(view.get_queryset().get(pk=row.pk)).data, status=status)


def _unit(pk: int | None) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, active=True).first()
    if unit is None:
        raise serializers.ValidationError({"proposed_unit": ["没有这个单位。"]})
    return unit


@extend_schema_view(
    list=extend_schema(responses={200: RequestSerializer, **error_responses(401, 429)}),
    retrieve=extend_schema(responses={200: RequestSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        request=RequestCreateSerializer,
        parameters=[IF_MATCH],
        responses={201: RequestSerializer, **WRITE_ERRORS},
    ),
    decide=extend_schema(
        request=DecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: RequestSerializer, **WRITE_ERRORS},
    ),
    withdraw=extend_schema(request=None, responses={200: RequestSerializer, **WRITE_ERRORS}),
)
class RequestViewSet(ApiViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Requests on the tasks the caller may read. ``version``/If-Match: the task's version on
    create, the request's on decide."""

    serializer_class = RequestSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return TaskRequest.objects.filter(
            task__in=visible_tasks(self.request.user).values("pk")
        ).select_related("requested_by")

    def create(self, request):
        return _write(
            self,
            RequestCreateSerializer,
            lambda data: services.request_create(
                task=access_task(request.user, data["task"]),
                by=request.user,
                kind=data["kind"],
                reason=data["reason"],
                proposed_deadline=data.get("proposed_deadline"),
                proposed_unit=_unit(data.get("proposed_unit")),
                expected_version=expected_version(request),
            ),
            status=201,
        )

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        row = self.get_object()
        return _write(
            self,
            DecisionSerializer,
            lambda data: services.request_decide(
                request=row,
                by=request.user,
                approve=data["approve"],
                comment=data["comment"],
                expected_version=expected_version(request),
            ),
        )

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        row = self.get_object()
        return _write(self, None, lambda _: services.request_withdraw(request=row, by=request.user))


class InstructionSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    given_by = serializers.CharField(source="given_by.__str__", allow_null=True)

    class Meta:
        model = Instruction
        fields = [
            "id",
            "task",
            "text",
            "given_by",
            "given_at",
            "reply_by",
            "answer",
            "answered_at",
            "urged_at",
            "urge_count",
        ]


class InstructionCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    text = serializers.CharField(max_length=5000)
    reply_by = serializers.DateField(required=False, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


@extend_schema_view(
    list=extend_schema(responses={200: InstructionSerializer, **error_responses(401, 429)}),
    retrieve=extend_schema(responses={200: InstructionSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        request=InstructionCreateSerializer, responses={201: InstructionSerializer, **WRITE_ERRORS}
    ),
    answer=extend_schema(
        request=AnswerSerializer, responses={200: InstructionSerializer, **WRITE_ERRORS}
    ),
    urge=extend_schema(request=None, responses={200: InstructionSerializer, **WRITE_ERRORS}),
)
class InstructionViewSet(ApiViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Instructions on the tasks the caller may read: give (leaders, coordinators), answer (the
    lead unit), urge (催办: whoever may give one; at most once an hour, while unanswered)."""

    serializer_class = InstructionSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Instruction.objects.filter(
            task__in=visible_tasks(self.request.user).values("pk")
        ).select_related("given_by")

    def create(self, request):
        return _write(
            self,
            InstructionCreateSerializer,
            lambda data: services.instruction_give(
                task=access_task(request.user, data["task"]),
                by=request.user,
                text=data["text"],
                reply_by=data.get("reply_by"),
            ),
            status=201,
        )

    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        row = self.get_object()
        return _write(
            self,
            AnswerSerializer,
            lambda data: services.instruction_answer(
                instruction=row, by=request.user, answer=data["answer"]
            ),
        )

    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """催办: remind the lead unit (and its heads, past the answer deadline), as the page's
        button does."""
        row = self.get_object()
        services.instruction_urge(instruction=row, by=request.user)
        return _write(self, None, lambda _: row)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


@extend_schema_view(
    list=extend_schema(responses={200: NotificationSerializer, **error_responses(401, 429)}),
    read=extend_schema(request=None, responses={200: NotificationSerializer, **WRITE_ERRORS}),
)
class NotificationViewSet(ApiViewSet, mixins.ListModelMixin):
    """The caller's own notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        row = get_object_or_404(self.get_queryset(), pk=pk)
        notifications_mark_read(user=request.user, ids=[row.pk])
        row.refresh_from_db()
        return Response(NotificationSerializer(row).data, status=status.HTTP_200_OK)


register("requests", RequestViewSet, "request")
register("instructions", InstructionViewSet, "instruction")
register("notifications", NotificationViewSet, "notification")
