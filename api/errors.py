"""One error shape for every 4xx of the API: ``{"code", "message", "fields"}``.

``message`` is Chinese (the rule's own message, or DRF's translated one); ``fields`` maps a field
name to its messages (empty when the error is not about one field). A broken rule
(RuleViolation) answers 400, or 409 when it is a conflict with the row's state (a stale version,
a locked month)."""

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from config.errors import RuleViolation

CONFLICT_CODES = frozenset({"stale", "locked", "conflict"})


def _plain(value):
    """ErrorDetail trees as plain strings, lists and dicts."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _rule(exc: RuleViolation) -> Response:
    status_code = 409 if exc.code in CONFLICT_CODES else 400
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    return Response(error_body(exc.code, exc.message, fields), status=status_code)


def _validation(exc: exceptions.ValidationError, response: Response) -> Response:
    detail = _plain(exc.detail)
    if isinstance(detail, dict):
        fields = {
            key: value if isinstance(value, list) else [value] for key, value in detail.items()
        }
        first = next(iter(fields.values()), [""])
        message = (
            first[0] if first and isinstance(first[0], str) else _("The data sent is invalid.")
        )
        if len(fields) > 1 or "non_field_errors" not in fields:
            message = _("Some fields are invalid: %(names)s.") % {"names": "、".join(fields)}
    else:
        fields = {}
        message = "；".join(detail) if isinstance(detail, list) else str(detail)
    response.data = error_body("invalid", message, fields)
    return response


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return _rule(exc)
    if isinstance(exc, DataError):
        # A value the database cannot hold (a number out of range, a NUL byte): bad input.
        return Response(
            error_body("invalid", _("A value sent is out of range or not allowed.")),
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return _validation(exc, response)
    if isinstance(exc, Http404 | exceptions.NotFound):
        code, message = "not_found", _("Not found, or not yours to see.")
    elif isinstance(exc, PermissionDenied):
        code, message = "permission_denied", _("You may not do this.")
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        message = (
            str(exc.detail) if not isinstance(exc.detail, (dict, list)) else exc.default_detail
        )
        if isinstance(exc, exceptions.PermissionDenied) and code == "permission_denied":
            message = str(exc.detail)
    else:
        code, message = "error", _("The request was refused.")
    response.data = error_body(str(code), str(message))
    return response
