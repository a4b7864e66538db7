"""Where webhooks may post: https only, never this machine (checked when a subscription is
saved, and again on every send after the name is resolved).

Private networks are allowed: a 政务 data exchange usually lives on the government's own
network. ``WEBHOOKS_ALLOW_LOOPBACK`` lets tests (and a local relay) use http on 127.0.0.1.
"""

import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _


def _ip_problem(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return _ip_problem(str(ip.ipv4_mapped))
    if ip.is_loopback and settings.WEBHOOKS_ALLOW_LOOPBACK:
        return ""
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return _("The address leads to this machine or a link-local network (%(ip)s).") % {"ip": ip}
    return ""


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_problem(url: str, *, resolve: bool = False) -> str:
    """Why a webhook may not post to ``url`` ("" when it may)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return _("The webhook address is not a valid address.")
    host = (parts.hostname or "").lower()
    if not host:
        return _("The webhook address is not a valid address.")
    loopback_http = (
        parts.scheme == "http" and settings.WEBHOOKS_ALLOW_LOOPBACK and _is_loopback_host(host)
    )
    if parts.scheme != "https" and not loopback_http:
        return _("A webhook address must begin with https://.")
    if parts.username or parts.password:
        return _("A webhook address may not carry a user name or password.")
    problem = _ip_problem(host)
    if problem or not resolve:
        return problem
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return ""  # the send reports the name that does not resolve (worth a retry)
    for info in infos:
        problem = _ip_problem(str(info[4][0]))
        if problem:
            return problem
    return ""
