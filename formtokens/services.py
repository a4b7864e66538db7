"""Claiming a form's one-time token, recording what came of the sending, forgetting old ones."""

import datetime
import re
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from config.prepared import PreparedUpdate
from formtokens.models import FormToken

# The name of the hidden field ``{% form_token %}`` writes into every POST form.
FIELD = "_form_token"
# How long a repeated sending waits for the first one to finish before giving up.
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.05
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Repeat:
    """The token was claimed before: where the first sending led (empty while it still runs)."""

    location: str
    # False when the token was claimed by someone else or for another address: not a repeat of
    # this person's form, so there is no result to show them.
    same_form: bool = True


def well_formed(token: str) -> bool:
    return bool(_SHAPE.match(token))


def form_token_claim(
    *, token: str, user_id: int | None, path: str, wait: float = WAIT_SECONDS
) -> int | Repeat:
    """Claim ``token`` for this sending: the id of the new row when this is the first, or a
    ``Repeat``. The unique constraint decides between sendings that arrive together; a repeat
    waits (up to ``wait`` seconds) until the first has a result to show."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with transaction.atomic():
                return FormToken.objects.create(token=token, user_id=user_id, path=path[:500]).pk
        except IntegrityError:
            pass
        first = FormToken.objects.filter(token=token).values("user_id", "path", "location").first()
        if first is None:
            continue  # the first sending was refused and let go of the token meanwhile
        if first["user_id"] != user_id or first["path"] != path[:500]:
            return Repeat(location="", same_form=False)
        if first["location"] or time.monotonic() >= deadline:
            return Repeat(location=first["location"])
        time.sleep(POLL_SECONDS)


@PreparedUpdate
def _led_to(values):
    """Where a claim's sending led: after every form sent, compiled once per process."""
    return FormToken.objects.filter(pk=values["claim"]), {"location": values["location"]}


def form_token_finish(*, claim: int, location: str) -> None:
    """Keep where the first sending led, or (``location`` empty: refused, failed) let the token
    go, so that the same form can be corrected and sent again."""
    if location:
        _led_to.update(claim=claim, location=location[:2000])
    else:
        FormToken.objects.filter(pk=claim).delete()


def form_tokens_prune(*, now: datetime.datetime, keep: datetime.timedelta) -> int:
    """Forget sendings older than ``keep``: a page kept open that long is sent as a new one."""
    deleted, _ = FormToken.objects.filter(created_at__lt=now - keep).delete()
    return deleted
