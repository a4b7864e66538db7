"""A task's targets, milestones and history, as actions of the task resource (the task is
fetched with the caller's visibility first: 404 if it is not theirs to read)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import error_responses
from api.views.task_serializers import MilestoneSerializer, TargetSerializer
from tasks.models import Task, TaskEvent


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.__str__", allow_null=True)
    actor_id = serializers.IntegerField(allow_null=True)
    before = serializers.DictField()
    after = serializers.DictField()

    class Meta:
        model = TaskEvent
        fields = ["id", "kind", "actor", "actor_id", "at", "before", "after", "note"]


class TaskPartsMixin:
    def _task(self) -> Task:
        return self.get_object()  # type: ignore[attr-defined]

    @extend_schema(responses={200: TargetSerializer(many=True), **error_responses(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def targets(self, request, pk=None):
        task = Task.objects.get(pk=self._task().pk)
        return Response(TargetSerializer(task.targets.order_by("order", "id"), many=True).data)

    @extend_schema(responses={200: MilestoneSerializer(many=True), **error_responses(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def milestones(self, request, pk=None):
        task = Task.objects.get(pk=self._task().pk)
        rows = task.milestones.order_by("order", "id")
        return Response(MilestoneSerializer(rows, many=True).data)

    @extend_schema(responses={200: EventSerializer(many=True), **error_responses(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """The task's history, oldest first (at most the last 500 rows)."""
        task_id = self._task().pk
        rows = TaskEvent.objects.filter(task_id=task_id).select_related("actor").order_by("-id")
        return Response(EventSerializer(reversed(rows[:500]), many=True).data)
