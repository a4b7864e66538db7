"""Big-screen links (大屏): made and revoked by coordinators, used by a wall display.

The link carries a long random token (``secrets.token_urlsafe``, 256 bits); only its SHA-256
is stored, so a copy of the database does not hand out working links. A revoked or unknown
token finds nothing (the page answers 404). Every use is counted per day, address and
browser."""

import hashlib
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Campaign
from cockpit import permissions
from cockpit.models import Screen, ScreenUse
from config.errors import RuleViolation

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def screen_for_token(token: str) -> Screen | None:
    """The active screen the token opens, or None (revoked, unknown, malformed)."""
    if not token or len(token) > 100:
        return None
    return Screen.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).first()


@transaction.atomic
def screen_create(*, by: User, name: str, campaigns: Iterable[Campaign]) -> tuple[Screen, str]:
    """A new link for ``campaigns`` (the coordinator's own); returns it with its token, which
    is never shown again."""
    campaigns = list(campaigns)
    name = name.strip()
    if not name:
        raise RuleViolation(_("Give the screen a name, e.g. the room it hangs in."), field="name")
    if not campaigns:
        raise RuleViolation(_("Choose at least one campaign to show."), field="campaigns")
    allowed = set(permissions.screen_campaign_choices(by).values_list("pk", flat=True))
    if not permissions.can_manage_screens(by) or any(c.pk not in allowed for c in campaigns):
        raise RuleViolation(
            _("Only campaigns you coordinate can be put on a screen."), field="campaigns"
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    screen = Screen.objects.create(name=name[:100], token_hash=token_hash(token), created_by=by)
    screen.campaigns.set(campaigns)
    return screen, token


@transaction.atomic
def screen_revoke(*, screen: Screen, by: User) -> Screen:
    """Revoke the link: from now on it opens nothing. Revoking twice changes nothing."""
    screen = Screen.objects.select_for_update().get(pk=screen.pk)
    if screen.revoked_at is None:
        screen.revoked_at = timezone.now()
        screen.revoked_by = by
        screen.save(update_fields=["revoked_at", "revoked_by"])
    return screen


def screen_use(*, screen: Screen, address: str, user_agent: str) -> None:
    """Record one use: counted on the row of the day, address and browser."""
    now = timezone.now()
    key = {
        "screen": screen,
        "day": timezone.localdate(now),
        "address": (address or "")[:45],
        "user_agent": (user_agent or "")[:200],
    }
    with transaction.atomic():
        updated = ScreenUse.objects.filter(**key).update(count=F("count") + 1, last_at=now)
        if not updated:
            try:
                with transaction.atomic():
                    ScreenUse.objects.create(**key, count=1, first_at=now, last_at=now)
            except IntegrityError:  # another request of the same display in the same instant
                ScreenUse.objects.filter(**key).update(count=F("count") + 1, last_at=now)
        Screen.objects.filter(pk=screen.pk).update(last_used_at=now)
