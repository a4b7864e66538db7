"""``{% upload_rows upload %}``: the rows of an 一表填报 upload's page, written in Python.

The same markup as the ``{% for %}`` over ``upload.rows`` that the template held (a test
renders that loop and compares), at a fraction of the CPU: a busy unit's sheet lists every
task it owes, 300 rows of which a person fills a few, and the template engine spent 60–90 ms
of the preview's CPU on them (each row some forty variables, tags and filters, seven
``{% translate %}``), on every preview, confirm and the page after it.
"""

from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import address_of

register = template.Library()

_ROW = (
    '\n    <tr id="row-{number}" data-testid="upload-row" class="action-{action}">'
    '\n      <td data-label="{l_row}">{number}</td>'
    '\n      <td data-label="{l_no}">{code}</td>'
    '\n      <td data-label="{l_task}" class="title">{title}</td>'
    '\n      <td data-label="{l_result}">'
    "\n        {result}"
    "\n        {awaiting}"
    "\n        {evidence}"
    "\n      </td>"
    '\n      <td data-label="{l_progress}">{progress}</td>'
    '\n      <td data-label="{l_done}">{done}</td>'
    '\n      <td data-label="{l_targets}">{targets}</td>'
    "\n    </tr>"
)
_GAP = "\n        "  # what the template left after each branch of the result but the last


def _words() -> dict[str, str]:
    """The column labels and the rows' words, translated once for all rows. As
    ``{% translate %}`` printed them: not escaped (they are the catalogue's, not a person's)."""
    return {
        "l_row": _("Row"),
        "l_no": _("No."),
        "l_task": _("Task"),
        "l_result": _("Result"),
        "l_progress": _("Progress"),
        "l_done": _("What was done"),
        "l_targets": _("Targets"),
        "reported": _("reported"),
        "new": _("new report"),
        "corrected": _("corrected"),
        "correction": _("correction of this week's report"),
        "same": _("same as this week's report"),
        "empty": _("left empty: not reported"),
        "refused": _("refused"),
        "awaiting": _("waiting for the unit head"),
        "evidence": _("Add evidence"),
        "obstacles": _("Obstacles"),
    }


def _text(value) -> str:
    """``{{ value }}`` of a JSON value: ``None`` printed as the template prints it."""
    return escape(str(value))


def _result(row: dict, confirmed: bool, words: dict[str, str]) -> str:
    action = row.get("action")
    if action == "create":
        return f'<mark class="changed">{words["reported" if confirmed else "new"]}</mark>{_GAP}'
    if action == "edit":
        word = words["corrected" if confirmed else "correction"]
        return f'<mark class="changed">{word}</mark>{_GAP}'
    if action == "unchanged":
        return f'<mark class="ok">{words["same"]}</mark>{_GAP}'
    if action == "empty":
        return f'<span class="muted">{words["empty"]}</span>{_GAP}'
    errors = "".join(
        "<li>"
        + (f"{_text(e.get('letter', ''))}“{_text(e['column'])}”：" if e.get("column") else "")
        + f"{_text(e.get('message', ''))}</li>"
        for e in row.get("errors") or ()
    )
    return f'<mark class="bad">{words["refused"]}</mark><ul class="errorlist">{errors}</ul>'


def _progress(row: dict) -> str:
    percent = row.get("percent", "")
    if not (percent or percent == 0):
        return ""
    change = ""
    if row.get("action") in ("create", "edit") and row.get("progress", "") != percent:
        change = f"{_text(row.get('progress', ''))}% → "
    return f"{change}<strong>{_text(percent)}%</strong>"


def _done(row: dict, words: dict[str, str]) -> str:
    text = row.get("text")
    done = escape(truncatechars(text, 120)) if text else ""  # most rows are left empty
    obstacles = row.get("obstacles")
    if obstacles:
        done += (
            f'<br><small class="muted">{words["obstacles"]}：'
            f"{escape(truncatechars(obstacles, 60))}</small>"
        )
    return done


def _row(row: dict, confirmed: bool, words: dict[str, str], urls: tuple[str, str]) -> str:
    task_id, title = row.get("task_id"), _text(row.get("title", ""))
    evidence = ""
    if confirmed and row.get("report_id") and row.get("action") in ("create", "edit"):
        evidence = (
            f'<br><a href="{urls[1].format(row["report_id"])}" class="small" '
            f'data-testid="add-evidence">{words["evidence"]}</a>'
        )
    labels = row.get("target_labels") or ()
    return _ROW.format(
        number=_text(row.get("row", "")),
        action=_text(row.get("action", "")),
        code=_text(row.get("code", "")),
        title=f'<a href="{urls[0].format(task_id)}">{title}</a>' if task_id else title,
        result=_result(row, confirmed, words),
        awaiting=f'<br><small class="awaiting">{words["awaiting"]}</small>'
        if row.get("awaiting")
        else "",
        evidence=evidence,
        progress=_progress(row),
        done=_done(row, words),
        targets="<br>".join(f"{_text(label[0])}：{_text(label[1])}" for label in labels),
        **{key: value for key, value in words.items() if key[:2] == "l_"},
    )


@register.simple_tag
def upload_rows(upload, rows=None) -> SafeString:
    """One ``<tr>`` per row of ``upload`` (``ReportUpload.rows``, as ``reporting.checking``
    wrote them; or those of them given as ``rows``): every value escaped as the template
    escaped it (``html.escape`` of its text, which is Django's ``escape``), the words
    translated once a table."""
    words = _words()
    confirmed = upload.status == "confirmed"
    urls = (address_of("tasks:detail"), address_of("tasks:report_evidence"))
    listed = upload.rows if rows is None else rows
    return mark_safe("".join(_row(row, confirmed, words, urls) for row in listed))
