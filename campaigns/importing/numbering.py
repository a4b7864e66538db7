"""Numbering: every task gets a number that is unique in its list (a re-import matches by it)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from .drafts import ERROR, MAX_CODE, WARNING, DraftCategory, DraftTask, Issue

__all__ = ["number_tasks"]


def number_tasks(
    tasks: list[DraftTask], categories: dict[str, DraftCategory], issues: list[Issue]
) -> None:
    """Fill in missing numbers; qualify numbers that restart in each category; flag the rest."""
    codes = [task.code for task in tasks]
    if "" not in codes and len(set(codes)) == len(codes):
        return  # the usual case: every task numbered, each number once
    _fill_missing(tasks, issues)
    rows_by_code: dict[str, list[DraftTask]] = defaultdict(list)
    for task in tasks:
        rows_by_code[task.code].append(task)
    if all(len(group) == 1 for group in rows_by_code.values()):
        return
    if not _qualify(tasks, categories, issues):
        _flag_duplicates(rows_by_code, issues)


def _fill_missing(tasks: list[DraftTask], issues: list[Issue]) -> None:
    """A task without a number is numbered by its position (primed when that is taken)."""
    used = {task.code for task in tasks if task.code}
    for task in tasks:
        if task.code:
            continue
        candidate = str(task.order)
        while candidate in used:
            candidate = f"{candidate}'"
        task.code = candidate
        used.add(candidate)
        issues.append(
            Issue(
                WARNING,
                _(
                    "%(where)s: no number; numbered %(code)s by its position (a re-import "
                    "matches it by that number)."
                )
                % {"where": _("Row %(row)s") % {"row": task.row}, "code": candidate},
                row=task.row,
                column=task.columns.get("code"),
                sheet=task.sheet,
                code="code_missing",
            )
        )


def _qualify(
    tasks: list[DraftTask], categories: dict[str, DraftCategory], issues: list[Issue]
) -> bool:
    """Put each category's number in front when numbers start again in each category (一-1);
    False when that does not make them unique."""

    def prefix(task: DraftTask) -> str:
        category = categories.get(task.category or "")
        if category is None:
            return ""
        number = category.code.strip("（）()") or str(category.order + 1)
        return f"{number}-"

    qualified = [f"{prefix(task)}{task.code}" for task in tasks]
    if len(set(qualified)) != len(qualified) or not all(prefix(t) for t in tasks):
        return False
    for task, code in zip(tasks, qualified, strict=True):
        task.code = code[:MAX_CODE]
    issues.append(
        Issue(
            WARNING,
            _(
                "Numbers start again in each category, so each number was given its "
                "category's number in front (for example %(code)s); a re-import matches "
                "tasks by these numbers."
            )
            % {"code": qualified[0]},
            code="codes_qualified",
        )
    )
    return True


def _flag_duplicates(rows_by_code: dict[str, list[DraftTask]], issues: list[Issue]) -> None:
    """Every use of a number after its first is an error."""
    for code, group in rows_by_code.items():
        first = group[0]
        for task in group[1:]:
            task.has_errors = True
            where = (
                _("Row %(row)s") % {"row": task.row}
                if task.sheet == first.sheet
                else _("Sheet “%(sheet)s”, row %(row)s") % {"sheet": task.sheet, "row": task.row}
            )
            issues.append(
                Issue(
                    ERROR,
                    _("%(where)s: number %(code)s is used again (first in row %(first)s).")
                    % {"where": where, "code": code, "first": first.row},
                    row=task.row,
                    column=task.columns.get("code"),
                    sheet=task.sheet,
                    code="code_duplicate",
                )
            )
