"""Who and where a request comes from, as the audit trail and the lockout count it."""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address: REMOTE_ADDR, or, behind ``TRUSTED_PROXIES`` reverse proxies, the
    address the nearest of them saw (the last ones in X-Forwarded-For are the proxies' own).
    A header a client wrote itself is never believed beyond that."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


# The request being served, so that a service deep down (a certification, an import) records
# the address and path of the request that called it without being handed it. Set by
# ``audit.middleware.AuditMiddleware``; empty in jobs and commands.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
