"""One error type for broken business rules, mapped once to a 400 page and a 400 API response."""

from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin


class RuleViolation(Exception):
    """A request that breaks a rule of the domain. ``message`` is shown to the user as is.

    ``field`` names the form field it belongs to, when there is one, so that a page can show
    the message beside that field.
    """

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def add_to(self, form) -> None:
        """Show the refusal on ``form``: beside its field, or at the top of the form."""
        form.add_error(self.field if self.field in form.fields else None, str(self.message))


class RuleViolationMiddleware(MiddlewareMixin):
    """A view that lets a RuleViolation escape gets a plain 400 page instead of a 500."""

    def process_exception(self, request, exception):
        if isinstance(exception, RuleViolation):
            return render(request, "400.html", {"message": exception.message}, status=400)
        return None


def api_exception_handler(exc, context):
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    if isinstance(exc, RuleViolation):
        body = {"detail": str(exc.message), "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=400)
    return exception_handler(exc, context)
