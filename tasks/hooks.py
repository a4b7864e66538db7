"""What apps above ``tasks`` add to 我的任务 and to a task's page, registered at start-up.

``tasks`` never imports those apps (they sit above it: the weekly rounds point at tasks). The
reporting app, for one, puts the current round's owed tasks at the top of 我的任务 with their
due time and the 一表填报 download; it registers that section here from its
``AppConfig.ready()``, as apps add sections to the monthly bulletin through ``cycles.hooks``.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """A part of 我的任务: a template included with its own context (as ``section``)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# fn(user, today, sort) → the section, or None when it has nothing to show to that user.
SectionProvider = Callable[[Any, datetime.date, str], Section | None]

_MY_TASKS_SECTIONS: list[SectionProvider] = []


def my_tasks_section_register(fn: SectionProvider) -> None:
    """Let an app add a section above the task table of 我的任务 (register in ``ready()``)."""
    if fn not in _MY_TASKS_SECTIONS:
        _MY_TASKS_SECTIONS.append(fn)


def my_tasks_sections(*, user, today: datetime.date, sort: str = "") -> list[Section]:
    """The sections apps add to ``user``'s 我的任务; ``sort`` is the order the page asks for."""
    sections = (fn(user, today, sort) for fn in _MY_TASKS_SECTIONS)
    return [section for section in sections if section is not None]


# fn(user, task) → a section of the task's page (e.g. the problems raised about it), or None.
TaskSectionProvider = Callable[[Any, Any], Section | None]

_TASK_PAGE_SECTIONS: list[TaskSectionProvider] = []


def task_page_section_register(fn: TaskSectionProvider) -> None:
    """Let an app add a section to a task's page (register in ``ready()``): the problem ledger
    lists the problems raised about the task there."""
    if fn not in _TASK_PAGE_SECTIONS:
        _TASK_PAGE_SECTIONS.append(fn)


def task_page_sections(*, user, task) -> list[Section]:
    sections = (fn(user, task) for fn in _TASK_PAGE_SECTIONS)
    return [section for section in sections if section is not None]


# fn(reports) → None: called with the reports just written, in the transaction that wrote
# them (the weekly rounds mark the reports owed that they settle, ``cycles.services.owed``).
ReportsWritten = Callable[[list[Any]], Any]

_REPORTS_WRITTEN: list[ReportsWritten] = []


def reports_written_register(fn: ReportsWritten) -> None:
    """Let an app keep what it derives from reports in step with them (register in
    ``ready()``): every service that writes a report calls it in its transaction."""
    if fn not in _REPORTS_WRITTEN:
        _REPORTS_WRITTEN.append(fn)


def reports_written(reports: list[Any]) -> None:
    for fn in _REPORTS_WRITTEN:
        fn(reports)
