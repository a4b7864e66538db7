"""A closed round's weekly bulletin as its page reads it: ``DispatchRound.summary`` (the
figures, each unit's first tasks not reported, how long each list is) and ``BulletinLine``
rows (the lists of tasks, one row a task). The page reads the first ``SHOWN`` lines of each
list the reader may open and counts the rest in SQL; ``DispatchRound.result`` keeps the whole
bulletin for the .xlsx and the API. At 100,000 tasks the page parsed 18 MB of JSON before."""

from django.db.models import Count, F, Value, Window
from django.db.models.functions import RowNumber

from cycles.among import among

TASK_SECTIONS = ("red", "overdue", "late", "closed")
#: How many tasks each list of the page names (the .xlsx names them all).
SHOWN = 50
#: How many task numbers each unit's "not reported" cell names.
SHOWN_PER_UNIT = 20


def split(result: dict) -> tuple[dict, list[tuple[str, int, int, dict]]]:
    """The summary of a bulletin and its lines (section, position, task id, row). Pure: the
    migration that splits the bulletins stored before calls it too."""
    lines = [
        (key, position, row["id"], row)
        for key in TASK_SECTIONS
        for position, row in enumerate(result.get(key, []))
    ]
    return summarize(result), lines


def cut(result: dict) -> dict:
    """The bulletin as its page reads it, in one piece: the summary and each list's first
    ``SHOWN`` tasks (an open round's page keeps this, kilobytes, between readers)."""
    return {**summarize(result), **{key: result.get(key, [])[:SHOWN] for key in TASK_SECTIONS}}


def summarize(result: dict) -> dict:
    """The figures, each unit's first tasks not reported and how many, each list's length."""
    units = []
    for unit in result.get("units", []):
        missing = unit.get("missing", [])
        units.append(
            {
                **unit,
                "missing": missing[:SHOWN_PER_UNIT],
                "missing_count": len(missing),
                **(
                    {"missing_ids": unit["missing_ids"][:SHOWN_PER_UNIT]}
                    if unit.get("missing_ids") is not None
                    else {}
                ),
            }
        )
    summary = {
        key: value
        for key, value in result.items()
        if key not in TASK_SECTIONS and key not in ("units", "not_reported")
    }
    summary["units"] = units
    summary["counts"] = {key: len(result.get(key, [])) for key in TASK_SECTIONS}
    return summary


def store(round_) -> None:
    """Write ``round_.result``'s summary and lines (the round has just closed)."""
    from cycles.models import BulletinLine

    summary, lines = split(round_.result)
    round_.summary = summary
    round_.save(update_fields=["summary"])
    BulletinLine.objects.bulk_create(
        (
            BulletinLine(round=round_, section=key, position=position, task_id=task, row=row)
            for key, position, task, row in lines
        ),
        batch_size=5000,
    )


def stored_result(round_, visible=None) -> dict:
    """The bulletin from its summary and lines: each list's first ``SHOWN`` lines and
    ``counts`` of every line. ``visible``: the tasks the reader may open (None: all), lines
    of other tasks left out of the lists and the counts, as ``round_result_for`` does."""
    from cycles.models import BulletinLine

    lines = BulletinLine.objects.filter(round=round_)
    if visible is None:
        counts = round_.summary["counts"]
        first = lines.filter(position__lt=SHOWN).annotate(n=Value(0))
    else:
        # The reader's tasks as ids (a unit's few thousand): the lines are then found task by
        # task through the index, each list's length counted beside its first lines.
        ids = list(visible.order_by().values_list("pk", flat=True))
        first = (
            lines.filter(among("task_id", ids))
            .annotate(
                nth=Window(RowNumber(), partition_by=F("section"), order_by=F("position").asc()),
                n=Window(Count("*"), partition_by=F("section")),
            )
            .filter(nth__lte=SHOWN)
        )
        counts = {}
    result = {**round_.summary, "counts": {key: counts.get(key, 0) for key in TASK_SECTIONS}}
    for key in TASK_SECTIONS:
        result[key] = []
    rows = first.order_by("section", "position").values_list("section", "row", "n")
    for section, row, n in rows:
        result[section].append(row)
        if visible is not None:
            result["counts"][section] = n
    return result
