"""The ways a notice leaves the system besides the bell: email and WeCom / DingTalk group robots.

Each sender returns when the channel accepted the message and otherwise raises
``TransientError`` (worth another try later: no connection, a timeout, HTTP 5xx or 429, an
SMTP 4xx, a robot's rate limit) or ``PermanentError`` (trying again cannot help: HTTP 4xx, SMTP
5xx, a platform error code such as a wrong key or signature). Only the standard library talks
to the robots, with a timeout, so a slow platform cannot hold a worker.

Nothing here writes to the database; ``accounts.services.delivery_send`` records the outcome.
"""

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

# A robot's message is at most 4096 bytes on WeCom; DingTalk allows more. Stay under both.
ROBOT_MAX_BYTES = 3800
MAX_NAMES = 30
# The platforms' own "too many messages" codes (20 a minute per robot) mean "later", like a 429.
WECOM_TRANSIENT_CODES = frozenset({45009})
DINGTALK_TRANSIENT_CODES = frozenset({130101})


class SendError(Exception):
    pass


class TransientError(SendError):
    """The channel may well accept the same message later."""


class PermanentError(SendError):
    """The channel refused the message; only a change of settings can help."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""  # absolute, or empty when SITE_URL is not set
    people: list[str] = field(default_factory=list)  # names a robot message mentions


def absolute_url(path: str) -> str:
    """A link that works outside the browser (in a mail or a chat), or "" without SITE_URL."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else ""


# --- Email --------------------------------------------------------------------------------


def send_email(*, to: str, message: Message) -> None:
    subject = " ".join(f"[{_('Qingdan')}] {message.title}".split())  # one line, always
    lines = [message.title, ""]
    if message.body:
        lines += [message.body, ""]
    if message.url:
        lines += [_("Open: %(url)s") % {"url": message.url}, ""]
    lines.append(_("You get these emails because they are on in your notification settings."))
    settings_url = absolute_url(reverse("notification_settings"))
    if settings_url:
        lines.append(settings_url)
    try:
        send_mail(subject, "\n".join(lines), None, [to], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _message in error.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TransientError(f"recipient refused for now: {codes}") from error
        raise PermanentError(f"recipient refused: {codes}") from error
    except smtplib.SMTPResponseException as error:
        # SMTP turns HTTP around: 4xx means "try later", 5xx means "no".
        text = f"SMTP {error.smtp_code}: {_decode(error.smtp_error)}"
        if 400 <= error.smtp_code < 500 or error.smtp_code < 0:
            raise TransientError(text) from error
        raise PermanentError(text) from error
    except smtplib.SMTPServerDisconnected as error:
        raise TransientError(f"SMTP server disconnected: {error}") from error
    except smtplib.SMTPException as error:  # e.g. no AUTH or STARTTLS where settings need it
        raise PermanentError(f"SMTP: {error}") from error
    except ssl.SSLCertVerificationError as error:
        raise PermanentError(f"TLS certificate: {error.verify_message}") from error
    except OSError as error:  # refused, unreachable, timed out
        raise TransientError(f"mail server: {error}") from error


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


# --- Group robots -------------------------------------------------------------------------


def robot_markdown(message: Message) -> str:
    """The text both robots post: title, text, who it concerns, the link, and the product name
    (so that a DingTalk robot secured by keyword can be given the keyword 清单通)."""
    names = message.people[:MAX_NAMES]
    more = len(message.people) - len(names)
    mentions = " ".join(f"@{name}" for name in names)
    if more > 0:
        mentions += " " + _("and %(n)d more") % {"n": more}
    tail = []
    if mentions:
        tail.append(mentions)
    if message.url:
        label = _("Open in Qingdan")
        tail.append(f"[{label}]({message.url})")
    tail.append(f"— {_('Qingdan')}")
    head = f"#### {message.title}\n"
    tail_text = "\n\n" + "\n\n".join(tail)
    room = ROBOT_MAX_BYTES - len(head.encode()) - len(tail_text.encode())
    body = _cut_to_bytes(message.body, max(room, 0)) if message.body else ""
    return head + (f"\n{body}" if body else "") + tail_text


def _cut_to_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode(errors="ignore") + "…"


def wecom_payload(message: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": robot_markdown(message)}}


def dingtalk_payload(message: Message) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:100], "text": robot_markdown(message)},
    }


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_signed_url(url: str, *, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = dingtalk_sign(secret=secret, timestamp_ms=timestamp_ms)
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"


def send_wecom(*, url: str, message: Message) -> None:
    _post_json(url, wecom_payload(message), transient_codes=WECOM_TRANSIENT_CODES)


def send_dingtalk(*, url: str, secret: str, message: Message) -> None:
    _post_json(
        dingtalk_signed_url(url, secret=secret),
        dingtalk_payload(message),
        transient_codes=DINGTALK_TRANSIENT_CODES,
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; never carry the message somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post_json(url: str, payload: dict, *, transient_codes: frozenset[int]) -> None:
    """POST the payload; the answer must be {"errcode": 0, ...}. Errors never quote the URL:
    its key is what lets anyone post to the group."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        error.close()
        text = f"HTTP {error.code}"
        if error.code >= 500 or error.code == 429:
            raise TransientError(text) from None
        raise PermanentError(text) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            raise PermanentError(f"TLS certificate: {error.reason.verify_message}") from None
        raise TransientError(f"no connection: {error.reason}") from None
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise TransientError(f"no answer: {error or type(error).__name__}") from None
    try:
        answer = json.loads(raw)
        errcode = int(answer["errcode"])
    except (ValueError, KeyError, TypeError):
        raise PermanentError("the robot's answer is not the JSON it should be") from None
    if errcode == 0:
        return
    text = f"errcode {errcode}: {str(answer.get('errmsg', ''))[:200]}"
    if errcode in transient_codes:
        raise TransientError(text)
    raise PermanentError(text)
