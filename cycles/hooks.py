"""What apps above ``cycles`` add to its moments and pages, registered at start-up.

``cycles`` never imports those apps (they sit above it: their rows point at reviews and
tasks). The measures app, for one, proposes incentives and penalties once a month is
certified, adds its 红榜 / 黑榜 to the monthly bulletin and tells the ranking formula which
penalties were applied in a month; the cockpit stores a weekly snapshot when a round closes.
Each registers here from its ``AppConfig.ready()``, the same way ``campaigns.kinds`` lets
apps add export columns. The app of 揭榜 calls says here which tasks were claimed
(``claimed_register``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Expression, Value

AfterCertify = Callable[[int], None]
AfterRoundClose = Callable[[int], None]


@dataclass
class BulletinSection:
    """A part of the monthly bulletin: a template included with its own context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # The same figures as a sheet of the bulletin's .xlsx: (title, header, rows), or None.
    sheet: tuple[str, list[str], list[list]] | None = None


BulletinSectionProvider = Callable[[Any, Any], BulletinSection | None]

_AFTER_CERTIFY: list[AfterCertify] = []
_AFTER_ROUND_CLOSE: list[AfterRoundClose] = []
_BULLETIN_SECTIONS: list[BulletinSectionProvider] = []
_CAMPAIGN_SECTIONS: list[BulletinSectionProvider] = []


def after_certify_register(fn: AfterCertify) -> None:
    """Call ``fn(review_id)`` once a certification has committed (register in ``ready()``).
    ``fn`` should only hand a job over: it runs in the certifying request."""
    if fn not in _AFTER_CERTIFY:
        _AFTER_CERTIFY.append(fn)


def after_certify(review_id: int) -> None:
    """Run what apps registered for a certified review (``review_certify`` calls this on
    commit)."""
    for fn in _AFTER_CERTIFY:
        fn(review_id)


def after_round_close_register(fn: AfterRoundClose) -> None:
    """Call ``fn(round_id)`` once a round's close (and its bulletin) has committed (register in
    ``ready()``). It runs in beat's job; a failure is logged and never undoes the close."""
    if fn not in _AFTER_ROUND_CLOSE:
        _AFTER_ROUND_CLOSE.append(fn)


def after_round_close(round_id: int) -> None:
    """Run what apps registered for a closed round (``round_close`` calls this on commit)."""
    for fn in _AFTER_ROUND_CLOSE:
        fn(round_id)


def bulletin_section_register(fn: BulletinSectionProvider) -> None:
    """Let an app add a section to the monthly bulletin: ``fn(review, user)`` gives the section
    or None (register in ``ready()``)."""
    if fn not in _BULLETIN_SECTIONS:
        _BULLETIN_SECTIONS.append(fn)


def bulletin_sections(*, review, user) -> list[BulletinSection]:
    """The sections apps add to ``review``'s bulletin as ``user`` sees it."""
    sections = (fn(review, user) for fn in _BULLETIN_SECTIONS)
    return [section for section in sections if section is not None]


def campaign_section_register(fn: BulletinSectionProvider) -> None:
    """Let an app add a section to both bulletins, weekly and monthly, about the campaign as it
    stands: ``fn(campaign, user)`` gives the section (with its sheet for the .xlsx) or None
    (register in ``ready()``). The problem ledger's counts come this way."""
    if fn not in _CAMPAIGN_SECTIONS:
        _CAMPAIGN_SECTIONS.append(fn)


def campaign_sections(*, campaign, user) -> list[BulletinSection]:
    """The sections apps add to every bulletin of ``campaign`` as ``user`` sees it."""
    sections = (fn(campaign, user) for fn in _CAMPAIGN_SECTIONS)
    return [section for section in sections if section is not None]


# --- the ranking formula's inputs from above ----------------------------------------------


@dataclass(frozen=True)
class Penalty:
    """A penalty applied to a unit (or one of its people) in a month: the formula deducts
    its kind's points. ``kind`` is one of "criticism", "talk", "accountability"."""

    unit_id: int
    kind: str
    ref: int  # the application's id
    label: str  # what it was, in words
    date: str  # when it was applied, YYYY-MM-DD


PenaltyProvider = Callable[[int, datetime.datetime, datetime.datetime], list[Penalty]]
_PENALTIES: list[PenaltyProvider] = []


def penalties_register(fn: PenaltyProvider) -> None:
    """``fn(campaign_id, start, end)`` gives the penalties applied in [start, end), in a fixed
    number of queries (register in ``ready()``)."""
    if fn not in _PENALTIES:
        _PENALTIES.append(fn)


def penalties(*, campaign_id: int, start, end) -> list[Penalty]:
    return [p for fn in _PENALTIES for p in fn(campaign_id, start, end)]


_CLAIMED: list[Callable[[], Expression]] = []


def claimed_register(fn: Callable[[], Expression]) -> None:
    """``fn()`` gives a boolean expression on ``tasks.Task``: true for a claimed (揭榜) task,
    e.g. ``Q(claimed_call__isnull=False)`` wrapped in an ``ExpressionWrapper``, or an
    ``Exists`` of the award. The last registered wins."""
    if fn not in _CLAIMED:
        _CLAIMED.append(fn)


def claimed_annotation() -> Expression:
    """The ``claimed`` annotation the ranking reads on tasks: False for every task until an
    app registers what a claimed task is (``claimed_register``)."""
    return _CLAIMED[-1]() if _CLAIMED else Value(False, output_field=BooleanField())


def claims_known() -> bool:
    """Whether any app says which tasks are claimed (else the ranking asks nothing)."""
    return bool(_CLAIMED)


def claimed_rule() -> Callable[[], Expression] | None:
    """The registered rule (``claimed_register``) that ``claimed_annotation`` builds from, or
    None: a key for SQL written from it once per process."""
    return _CLAIMED[-1] if _CLAIMED else None
