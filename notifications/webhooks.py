"""Where a group robot may post, and how users' text is made harmless in its markdown.

A webhook address must be https, on a host of the platforms (or ``ROBOT_WEBHOOK_HOSTS``), and
must not lead to this machine or the private network (checked when saved, and again on every
send, after the name is resolved). Text a person wrote (a title, a report, an answer, a name)
reaches the robots with markdown's active characters replaced by their full-width forms, so it
can neither carry a link or an image nor @ anyone: only the message's own link and mentions
are live. Nothing here imports models.
"""

import ipaddress
import re
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _

# Markdown's active characters in WeCom and DingTalk robots, and what a person's text shows
# instead (the same shapes, inert).
_INERT = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "!": "！",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "@": "＠",
        "\\": "＼",
    }
)
# A bare address would still be turned into a link by the chat: break the scheme and "www.".
_BARE_LINK = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//)")
_WWW = re.compile(r"(?i)\bwww\.")


def inert_text(text: str) -> str:
    """``text`` as it may appear inside a robot's markdown: no link, image, mention, quote,
    heading or formatting of its own."""
    text = str(text).translate(_INERT)
    text = _BARE_LINK.sub(lambda m: f"{m.group(1)}：{m.group(2)}", text)
    return _WWW.sub("www．", text)


def _address_problem(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return ""
    if settings.ROBOT_WEBHOOK_ALLOW_PRIVATE:
        return ""
    if (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or (
            ip.version == 6 and ip.ipv4_mapped is not None and _address_problem(str(ip.ipv4_mapped))
        )
    ):
        return _("The webhook address leads to this machine or a private network (%(ip)s).") % {
            "ip": ip
        }
    return ""


def webhook_problem(url: str, *, resolve: bool = False) -> str:
    """Why a robot may not post to ``url`` ("" when it may). ``resolve``: also look the name
    up and refuse it if any of its addresses is loopback or private (done on every send)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return _("The webhook address is not a valid address.")
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (
        settings.ROBOT_WEBHOOK_ALLOW_HTTP and parts.scheme == "http"
    ):
        return _("A webhook address must begin with https://.")
    if parts.username or parts.password:
        return _("A webhook address may not carry a user name or password.")
    allowed = {name.lower() for name in settings.ROBOT_WEBHOOK_HOSTS}
    if host not in allowed:
        return _(
            "Robots post only to the platforms' own hosts (%(hosts)s); ask the system "
            "administrator to add another host to ROBOT_WEBHOOK_HOSTS."
        ) % {"hosts": "、".join(sorted(allowed))}
    problem = _address_problem(host)
    if problem or not resolve:
        return problem
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return ""  # the send itself reports that the name does not resolve (worth a retry)
    for info in infos:
        problem = _address_problem(str(info[4][0]))
        if problem:
            return problem
    return ""
