"""What every request may leave in the audit trail: a refusal (403, or a 404 raised by a view's
access check), a download, a change in the administration site."""

from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin

from audit.context import current_request
from audit.models import AuditEvent
from audit.services import audit_record

_SEEN = "_audit_recorded"


class AuditMiddleware(MiddlewareMixin):
    def __call__(self, request):
        token = current_request.set(request)
        try:
            return super().__call__(request)
        finally:
            current_request.reset(token)

    def process_request(self, request):
        request._audit_started = timezone.now()

    def process_exception(self, request, exception):
        # A 404 the view raised (an access helper's "not yours") is a refusal worth keeping;
        # a URL that matches no route never reaches a view and is not recorded.
        if isinstance(exception, (Http404, PermissionDenied)) and request.user.is_authenticated:
            audit_record(
                kind=AuditEvent.Kind.DENIED,
                request=request,
                outcome=AuditEvent.Outcome.DENIED,
                detail={"status": 404 if isinstance(exception, Http404) else 403},
            )
            setattr(request, _SEEN, True)
        return None

    def process_response(self, request, response):
        self._record(request, response)
        return response

    def _record(self, request, response) -> None:
        if getattr(request, _SEEN, False):
            return
        status = response.status_code
        if status == 403:
            audit_record(
                kind=AuditEvent.Kind.DENIED,
                request=request,
                outcome=AuditEvent.Outcome.DENIED,
                detail={"status": 403},
            )
        elif status == 200 and response.get("Content-Disposition", "").startswith("attachment"):
            audit_record(
                kind=AuditEvent.Kind.EXPORT,
                request=request,
                target=response["Content-Disposition"][:200],
            )
        elif request.method == "POST" and request.path.startswith("/admin/"):
            _admin_change(request, response)


def _admin_change(request, response) -> None:
    """Any POST in /admin/ (superusers' included): the path, the action and the rows it
    chose, and what Django's admin log says was changed (field names, never values)."""
    if not request.user.is_authenticated or request.path.startswith("/admin/login"):
        return
    started = getattr(request, "_audit_started", None)
    entries = (
        list(
            LogEntry.objects.filter(user=request.user, action_time__gte=started).values_list(
                "object_repr", "action_flag", "change_message"
            )
        )
        if started
        else []
    )
    detail = {
        "status": response.status_code,
        "changes": [
            {"object": repr_, "flag": flag, "message": message} for repr_, flag, message in entries
        ],
    }
    if request.POST.get("action"):
        detail["action"] = request.POST["action"][:100]
        detail["selected"] = request.POST.getlist("_selected_action")[:200]
    audit_record(
        kind=AuditEvent.Kind.ADMIN_CHANGE,
        request=request,
        outcome=(
            AuditEvent.Outcome.SUCCESS if response.status_code < 400 else AuditEvent.Outcome.FAILURE
        ),
        detail=detail,
    )
