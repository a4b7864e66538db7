"""What apps above ``notifications`` add to its pages, registered at start-up.

The webhooks app, for one, lists its deliveries that gave up on the 发送失败 page (it sits
above: it reuses this app's backoff). ``notifications`` never imports those apps.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FailedSection:
    """A part of the 发送失败 page: a template included with its own context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


FailedSectionProvider = Callable[[Any], FailedSection | None]
_FAILED_SECTIONS: list[FailedSectionProvider] = []


def failed_section_register(fn: FailedSectionProvider) -> None:
    """``fn(user)`` gives the section ``user`` sees, or None (register in ``ready()``)."""
    if fn not in _FAILED_SECTIONS:
        _FAILED_SECTIONS.append(fn)


def failed_sections(*, user) -> list[FailedSection]:
    sections = (fn(user) for fn in _FAILED_SECTIONS)
    return [section for section in sections if section is not None]
