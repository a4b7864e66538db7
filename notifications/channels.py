"""The ways a notice leaves the system besides the bell: email and WeCom / DingTalk group robots.

Each sender returns when the channel accepted the message and otherwise raises
``TransientError`` (worth another try later: no connection, a timeout, HTTP 5xx or 429, an
SMTP 4xx, a robot's rate limit) or ``PermanentError`` (trying again cannot help: HTTP 4xx, SMTP
5xx, a platform error code such as a wrong key or signature). Only the standard library talks
to the robots, with a timeout, so a slow platform cannot hold a worker.

Nothing here writes to the database; ``notifications.services.delivery_send`` records the
outcome.
"""

import base64
import hashlib
import hmac
import http.client
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.validators import MOBILE_PATTERN, WECOM_USERID_PATTERN
from notifications.webhooks import inert_text, webhook_problem

# A robot's message is at most 4096 bytes on WeCom; DingTalk allows more. Stay under both.
ROBOT_MAX_BYTES = 3800
MAX_NAMES = 30
# However many people a message names, this much of the notice's text is kept (if it has it).
BODY_MIN_BYTES = 1000
# The platforms as notifications.models.Channel spells them (this module imports no models).
WECOM = "wecom"
DINGTALK = "dingtalk"
# The platforms' own "too many messages" codes (20 a minute per robot) mean "later", like a 429.
WECOM_TRANSIENT_CODES = frozenset({45009})
DINGTALK_TRANSIENT_CODES = frozenset({130101})


class SendError(Exception):
    pass


class TransientError(SendError):
    """The channel may well accept the same message later."""


class PermanentError(SendError):
    """The channel refused the message; only a change of settings can help."""


# What the platforms can @ (accounts.validators): the user's fields are validated against these
# when saved, and a robot message checks them again before writing them into markup.
_MOBILE = re.compile(MOBILE_PATTERN)
_WECOM_USERID = re.compile(WECOM_USERID_PATTERN)


@dataclass(frozen=True)
class Person:
    """Someone a robot message names: how a page shows them (``label``) and what a platform
    needs to @ them. A robot's delivery keeps only what its own platform uses."""

    name: str
    unit: str = ""  # named beside the person in a campaign's group, which mixes units
    mobile: str = ""  # DingTalk
    wecom_userid: str = ""  # WeCom

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    def as_json(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}

    @classmethod
    def from_json(cls, value) -> "Person":
        """Read what ``as_json`` wrote, or a plain label from rows written before mentions."""
        if isinstance(value, dict):
            return cls(**{key: str(value.get(key) or "") for key in _PERSON_FIELDS})
        return cls(name=str(value))

    @property
    def wecom_mention(self) -> str:
        return f"<@{self.wecom_userid}>" if _WECOM_USERID.match(self.wecom_userid) else ""

    @property
    def dingtalk_mobile(self) -> str:
        return self.mobile if _MOBILE.match(self.mobile) else ""


_PERSON_FIELDS = ("name", "unit", "mobile", "wecom_userid")


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""  # absolute, or empty when SITE_URL is not set
    people: list[Person] = field(default_factory=list)  # whom a robot message names


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


@dataclass(frozen=True)
class RobotText:
    text: str
    mentioned: list[Person]  # those @-mentioned for real in ``text`` (not the "N more")


def robot_markdown(message: Message, *, platform: str = "") -> RobotText:
    """The text both robots post: title, text, who it concerns, the link, and the product name
    (so that a DingTalk robot secured by keyword can be given the keyword 清单通).

    Each person is @-mentioned the way ``platform`` understands when the system knows how
    (WeCom ``<@userid>``, DingTalk ``@mobile``) and named as plain "@name" otherwise. Mentions
    are never cut in half: as many whole ones as fit, at most MAX_NAMES, then "and N more".
    Beyond its first BODY_MIN_BYTES, the notice's text gives way to them.
    """
    clean = inert_text  # a person's text links, shows and @s nothing (notifications/webhooks)
    head = f"#### {clean(message.title)}\n"
    after = []
    if message.url:
        label = _("Open in Qingdan")
        after.append(f"[{label}]({message.url})")
    after.append(f"— {_('Qingdan')}")
    after_text = "\n\n" + "\n\n".join(after)
    body = clean(message.body)
    fixed = len(head.encode()) + len(after_text.encode())
    body_kept = min(len(body.encode()) + 1, BODY_MIN_BYTES) if body else 0  # +1: its "\n"
    shown = [_mention(person, platform, clean) for person in message.people[:MAX_NAMES]]
    line, count = _mention_line(
        [token for token, _real in shown],
        total=len(message.people),
        budget=ROBOT_MAX_BYTES - fixed - body_kept - 2,  # 2: the "\n\n" before the line
    )
    tail_text = (f"\n\n{line}" if line else "") + after_text
    room = ROBOT_MAX_BYTES - len(head.encode()) - len(tail_text.encode()) - 1
    body = _cut_to_bytes(body, max(room, 0)) if body else ""
    mentioned = [
        person
        for person, (_token, real) in zip(message.people, shown[:count], strict=False)
        if real
    ]
    return RobotText(head + (f"\n{body}" if body else "") + tail_text, mentioned)


def _mention(person: Person, platform: str, clean) -> tuple[str, bool]:
    """How ``person`` appears in the message, and whether the platform will really @ them."""
    unit = f"（{clean(person.unit)}）" if person.unit else ""
    if platform == WECOM and person.wecom_mention:
        return person.wecom_mention + unit, True
    if platform == DINGTALK and person.dingtalk_mobile:
        # A space ends the number, so DingTalk finds it whatever follows.
        return f"@{person.dingtalk_mobile}" + (f" {unit}" if unit else ""), True
    return f"@{clean(person.name)}{unit}", False


def _mention_line(tokens: list[str], *, total: int, budget: int) -> tuple[str, int]:
    """As many whole mentions as fit in ``budget`` bytes, with "and N more" for the rest;
    returns the line and how many mentions it holds."""

    def line(count: int) -> str:
        words = tokens[:count]
        if total > count:
            words = [*words, _("and %(n)d more") % {"n": total - count}]
        return " ".join(words)

    count = 0
    while count < len(tokens) and len(line(count + 1).encode()) <= budget:
        count += 1
    return line(count), count


def _cut_to_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode(errors="ignore") + "…"


def wecom_payload(message: Message) -> dict:
    # Markdown, not text with mentioned_list: only markdown carries the layout and the link,
    # and a second text message just to @ people would spend the robot's 20 messages a minute
    # twice. Markdown cannot @ by mobile, so WeCom needs the person's WeCom account.
    text = robot_markdown(message, platform=WECOM).text
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_payload(message: Message) -> dict:
    robot_text = robot_markdown(message, platform=DINGTALK)
    mobiles = list(dict.fromkeys(person.dingtalk_mobile for person in robot_text.mentioned))
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:100], "text": robot_text.text},
        # DingTalk pings the numbers listed here and highlights them where "@number" is in
        # the text; robot_markdown wrote exactly these.
        "at": {"atMobiles": mobiles, "isAtAll": False},
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
    its key is what lets anyone post to the group. An address the robots may not use (not
    https, another host, a private or loopback address once resolved) is refused unsent."""
    problem = webhook_problem(url, resolve=True)
    if problem:
        raise PermanentError(f"webhook refused: {problem}")
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
