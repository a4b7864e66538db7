"""Dating: deadlines that lie before the campaign's start, warned about row by row and, when
the coordinator asks for it, read in the campaign's year.

A list republished for this year's campaign often still carries last edition's dates
(2020年6月底前 in a 2026 campaign): imported as written, most of its tasks are red the moment
it goes live. The preview says so; the coordinator keeps them, or has each such date read in
the campaign's year (month and day kept, the text as written changed to match).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from campaigns.importing.drafts import WARNING, Drafts, DraftTask, Issue
from campaigns.models import Campaign

EXAMPLES = 5


@dataclass
class EarlyDeadlines:
    """What the preview shows: how many deadlines lay before the start, how many were moved
    into the campaign's year, and some of them."""

    start: dt.date
    year: int
    in_campaign_year: bool
    early: int = 0  # in the file, before any move
    moved: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "year": self.year,
            "in_campaign_year": self.in_campaign_year,
            "early": self.early,
            "moved": self.moved,
            "examples": self.examples,
        }


def in_year(date: dt.date, text: str, year: int) -> tuple[dt.date, str]:
    """The same month and day in ``year``, and the text as written with the old year changed
    to match (2020年6月底前 → 2026年6月底前; a text without the year, such as 6月底前, stays;
    29 February becomes the 28th, written as a date)."""
    try:
        moved = date.replace(year=year)
    except ValueError:  # 29 February: the text as written no longer says the date
        moved = date.replace(year=year, day=28)
        return moved, moved.isoformat()
    text = re.sub(rf"(?<!\d){date.year}(?!\d)", str(year), text)
    return moved, text


def early_deadlines(
    drafts: Drafts, campaign: Campaign, *, in_campaign_year: bool
) -> tuple[Drafts, list[Issue], EarlyDeadlines]:
    """The drafts (with early deadlines moved, if asked), a warning for every deadline that
    still lies before the campaign's start, and the figures for the preview."""
    start = campaign.start_date
    found = EarlyDeadlines(start=start, year=campaign.year, in_campaign_year=in_campaign_year)
    tasks: list[DraftTask] = []
    issues: list[Issue] = []
    for draft in drafts.tasks:
        if draft.deadline is None or draft.deadline >= start:
            tasks.append(draft)
            continue
        found.early += 1
        if len(found.examples) < EXAMPLES:
            found.examples.append(
                {
                    "row": draft.row,
                    "code": draft.code,
                    "deadline": draft.deadline.isoformat(),
                    "text": draft.deadline_text,
                }
            )
        if in_campaign_year and draft.deadline.year != campaign.year:
            date, text = in_year(draft.deadline, draft.deadline_text, campaign.year)
            draft = dataclasses.replace(draft, deadline=date, deadline_text=text)
            found.moved += 1
        tasks.append(draft)
        if draft.deadline is not None and draft.deadline < start:
            issues.append(_warning(draft, start))
    if not found.early:
        return drafts, issues, found
    return dataclasses.replace(drafts, tasks=tasks), issues, found


def _warning(draft: DraftTask, start: dt.date) -> Issue:
    column = draft.columns.get("deadline")
    assert draft.deadline is not None
    return Issue(
        WARNING,
        _(
            "%(where)s: the deadline %(deadline)s lies before the campaign's start "
            "(%(start)s); the task would be overdue at once."
        )
        % {
            "where": draft.where(column),
            "deadline": draft.deadline.isoformat(),
            "start": start.isoformat(),
        },
        row=draft.row,
        column=column,
        sheet=draft.sheet,
        code="deadline_early",
    )
