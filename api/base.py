"""The contract every /api/v1/ resource follows (README, "API"). A resource module:

1. subclasses ``ApiViewSet`` (or ``ApiReadOnlyViewSet``), whose ``get_queryset`` calls the app's
   permission/selector functions (rows the caller may not see are simply absent: 404) and
   whose writes call the app's services (a RuleViolation becomes 400, or 409 for a conflict);
2. calls ``register(prefix, viewset, basename)`` at import;
3. is named in ``ROUTE_MODULES`` in ``api/urls.py``.

Authentication, the token's scope, throttling and the error shape come from REST_FRAMEWORK's
defaults (config/settings.py) and need nothing here. What the base adds:

- input that no database takes is refused before the view runs (NUL bytes → 400);
- a response carrying one row with a ``version`` gets it as its ETag; ``expected_version``
  reads If-Match (or a ``version`` field) for the service's optimistic lock (stale → 409);
- every write made with a token is recorded (``TokenWrite``: the token, the person, the task
  history rows it left).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.routers import DefaultRouter

from api.auth import request_token
from api.services import token_write_record
from tasks.models import TaskEvent

# Path ids: digits only, at most nine (a larger number is no row: 404, not a database error).
ID_PATTERN = r"[0-9]{1,9}"
MAX_INT = 2**31 - 1


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()


def register(prefix: str, viewset, basename: str) -> None:
    """Add a resource at /api/v1/<prefix>/ (route names ``v1:<basename>-list`` / ``-detail``)."""
    router.register(prefix, viewset, basename=basename)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="中文说明")
    fields = serializers.DictField(  # type: ignore[assignment]  # a declared field
        child=serializers.ListField(child=serializers.CharField())
    )


def error_responses(*codes: int) -> dict:
    """The error shape under each status, for ``extend_schema(responses=...)``."""
    text = {
        400: "invalid input or a refused rule",
        401: "no valid token or session",
        403: "not allowed (or a read-only token)",
        404: "not found, or not yours to see",
        409: "stale version or locked state",
        429: "too many requests (Retry-After)",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=text.get(code, "")) for code in codes
    }


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The version the client last saw (the ETag, e.g. "3"); stale → 409.',
)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def parse_int(value, *, field: str, low: int = 0, high: int = MAX_INT) -> int:
    """A whole number in [low, high] or a 400 naming ``field``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a whole number.")]}) from None
    if not low <= number <= high:
        raise ValidationError({field: [_("The number is out of range.")]})
    return number


def expected_version(request) -> int | None:
    """The version the client saw: If-Match ("3", W/"3" or 3) or a ``version`` field."""
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        return parse_int(header.removeprefix("W/").strip('"'), field="If-Match")
    data = request.data if hasattr(request.data, "get") else {}
    value = data.get("version")
    if value in (None, ""):
        return None
    return parse_int(value, field="version")


class TokenWritesRecorded:
    """For any DRF view: every write (not GET/HEAD/OPTIONS) made with a token is recorded as a
    ``TokenWrite`` (the token, the person, the status, the task history rows it left), refused
    ones too. The views of ``api`` get it from ``ApiViewSetMixin``; others (apiplus) mix it in."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and request_token(request) is not None:
            request._events_before = (
                TaskEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = request_token(request)
        if token is not None and hasattr(request, "_events_before"):
            events = TaskEvent.objects.filter(
                id__gt=request._events_before, actor_id=token.user_id
            ).values_list("id", flat=True)
            token_write_record(
                token=token,
                method=request.method,
                path=request.get_full_path(),
                status=response.status_code,
                task_events=list(events[:100]),
            )
        return response


class ApiViewSetMixin(TokenWritesRecorded):
    lookup_value_regex = ID_PATTERN

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if _has_nul(dict(request.query_params.lists())):
            raise ValidationError({"query": [_("The query contains a NUL character.")]})
        body = request.data if request.method not in SAFE_METHODS else {}
        if _has_nul(body if isinstance(body, (dict, list)) else {}):
            raise ValidationError({"body": [_("The data contains a NUL character.")]})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if isinstance(data, dict) and "version" in data and "id" in data:
            response["ETag"] = f'"{data["version"]}"'
        return response


class ApiViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """Base for resources: add the mixins (or actions) the resource offers."""


class ApiReadOnlyViewSet(
    ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    pass


class IdCursorPagination(CursorPagination):
    """Cursor pagination on a unique ordering (stable under inserts); ``page_size`` up to 100."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


__all__ = [
    "IF_MATCH",
    "ApiReadOnlyViewSet",
    "ApiViewSet",
    "ErrorSerializer",
    "IdCursorPagination",
    "TokenWritesRecorded",
    "error_responses",
    "expected_version",
    "inline_serializer",
    "parse_int",
    "register",
    "router",
]
