"""What apps above ``campaigns`` add to the lists of their kind, registered at start-up.

A checklist's lines are questions (the inspections app) and a measures list's lines are
measures (the measures app). ``campaigns`` imports, exports and re-imports every list the same
way; when it exports a list that is not work, it asks the app that owns the kind for the
columns that replace the task's progress columns (answers per unit, applications ...).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from campaigns.importing.headers import export_tail_register
from campaigns.models import TaskList


@dataclass
class ExportColumns:
    """Headers, and for each line (by its Task id) the cells under them."""

    headers: list[str] = field(default_factory=list)
    cells: dict[int, list[Any]] = field(default_factory=dict)


# (the list, its lines' ids, the user exporting): a provider gives only what that user may see.
ExportColumnsProvider = Callable[[TaskList, Sequence[int], User], ExportColumns]

_EXPORT_COLUMNS: dict[str, ExportColumnsProvider] = {}


def export_columns_register(
    *,
    kind: str,
    provider: ExportColumnsProvider,
    is_column: Callable[[str], bool] | None = None,
) -> None:
    """Let the app that owns ``kind`` give the export's last columns (called in ``ready()``).

    ``is_column`` recognises those columns' headers (in their matching form, see
    ``campaigns.importing.headers.normalise_header``), so that re-importing an export ignores
    them as it ignores the progress columns. Exports are written in Chinese."""
    _EXPORT_COLUMNS[kind] = provider
    if is_column is not None:
        export_tail_register(is_column)


def export_columns(*, task_list: TaskList, line_ids: Sequence[int], user: User) -> ExportColumns:
    """The last columns of an export of ``task_list``: none unless an app registered some."""
    provider = _EXPORT_COLUMNS.get(task_list.kind)
    return provider(task_list, line_ids, user) if provider else ExportColumns()
