"""A service's refusal as these resources answer it, whichever exception handler shapes it:
a conflict with the row's state (a stale version, a certified month) is 409 with the
service's message; any other broken rule goes on as the RuleViolation it is (400)."""

import contextlib
from collections.abc import Iterator

from rest_framework import status
from rest_framework.exceptions import APIException

from config.errors import RuleViolation

CONFLICT_CODES = frozenset({"stale", "locked", "conflict"})


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except RuleViolation as refusal:
        if refusal.code in CONFLICT_CODES:
            raise Conflict(detail=str(refusal.message), code=refusal.code) from None
        raise
