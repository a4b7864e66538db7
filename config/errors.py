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


# The database is gone (restarting, the network cut): the connection-level errors, as Django
# wraps them. Not IntegrityError, ProgrammingError … (those are faults of ours: 500).
def _database_unavailable(exc: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, template_name: str = "500.html"):
    """handler500: a database that cannot be reached answers a clean 503 (templates/503.html,
    static like the 500 page, so it renders without the database), asking to retry; the
    failed request wrote nothing (each write is one transaction, rolled back with the
    connection). Any other error is the plain 500 page."""
    import sys

    from django.http import HttpResponse, HttpResponseServerError
    from django.template import loader

    if _database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template(template_name).render())
