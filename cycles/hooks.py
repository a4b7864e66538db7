"""What apps above ``cycles`` add to its moments and pages, registered at start-up.

``cycles`` never imports those apps (they sit above it: their rows point at reviews and
tasks). The measures app, for one, proposes incentives and penalties once a month is
certified and adds its 红榜 / 黑榜 to the monthly bulletin; the cockpit stores a weekly
snapshot when a round closes. Each registers here from its ``AppConfig.ready()``, the same way
``campaigns.kinds`` lets apps add export columns.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

AfterCertify = Callable[[int], None]
AfterRoundClose = Callable[[int], None]


@dataclass
class BulletinSection:
    """A part of the monthly bulletin: a template included with its own context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


BulletinSectionProvider = Callable[[Any, Any], BulletinSection | None]

_AFTER_CERTIFY: list[AfterCertify] = []
_AFTER_ROUND_CLOSE: list[AfterRoundClose] = []
_BULLETIN_SECTIONS: list[BulletinSectionProvider] = []


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
