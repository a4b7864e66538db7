"""``{% owed_rows %}``: the rows of 本周应报送 on 我的任务, written in Python.

The same markup as a ``{% for %}`` over the rows in the template, at a fraction of the CPU: the
most visited page shows 50 of them, and the template engine spent about as long on those rows
as the database on the whole page (each row resolved some forty variables, tags and filters).
tests/reporting checks the rows against what the page shows.
"""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import address_of
from tasks.templatetags.qingdan import deadline_cell, light_badge

register = template.Library()

_ROW = (
    '\n      <tr data-testid="owed-row" class="{state}">'
    '\n        <td data-label="{l_light}">{light}</td>'
    '\n        <td data-label="{l_no}">{code}</td>'
    '\n        <td data-label="{l_task}" class="title"><a href="{url}">{title}</a><br>'
    '<small class="muted">{campaign} · {task_list}</small></td>'
    '\n        <td data-label="{l_deadline}">{deadline}</td>'
    '\n        <td data-label="{l_progress}"><progress value="{progress}" max="100"></progress> '
    "<small>{progress}%</small>{awaiting}</td>"
    '\n        <td data-label="{l_round}">{round}</td>'
    '\n        <td data-label="{l_last}">{last}</td>'
    "\n      </tr>"
)


def _labels() -> dict[str, str]:
    """The column labels and the rows' words, translated once for all rows."""
    return {
        "l_light": _("Light"),
        "l_no": _("No."),
        "l_task": _("Task"),
        "l_deadline": _("Deadline"),
        "l_progress": _("Progress"),
        "l_round": _("This round"),
        "l_last": _("Last report"),
        "reported": _("reported"),
        "not_reported": _("not reported yet"),
        "due": _("due"),
        "none_yet": _("none yet"),
    }


#: The ``date`` filter's formats used here, as ``strftime`` writes them: all digits, so the
#: language's formats are never looked up (Django's formatter was a tenth of the rows' CPU).
_FORMATS = {"m-d H:i": "%m-%d %H:%M", "Y-m-d": "%Y-%m-%d"}


def _when(value, fmt: str, zone) -> str:
    """As the ``date`` filter writes it, in the current time zone ``zone`` (the values are
    aware): all digits and dashes, nothing to escape."""
    return value.astimezone(zone).strftime(_FORMATS[fmt])


def _awaiting(item) -> str:
    if not item.awaiting:
        return ""
    # Like {% blocktranslate %}: the value is escaped, the translated sentence is not.
    text = _("%(percent)s%% (waiting for the unit head's confirmation)") % {
        "percent": escape(str(item.round_report.percent))
    }
    return f'<br><small class="awaiting" data-testid="awaiting">{text}</small>'


def _round(item, words: dict[str, str], zone) -> str:
    if item.reported:
        at = _when(item.round_report.submitted_at, "m-d H:i", zone)
        return f'<mark class="ok">{words["reported"]}</mark> <small><time>{at}</time></small>'
    due = _when(item.round.due_at, "m-d H:i", zone)
    return (
        f'<mark class="bad">{words["not_reported"]}</mark> '
        f"<small>{words['due']} <time>{due}</time></small>"
    )


def _last(item, words: dict[str, str], zone) -> str:
    if item.last_report:
        return _when(item.last_report.submitted_at, "Y-m-d", zone)
    return f'<span class="muted">{words["none_yet"]}</span>'


@register.simple_tag
def owed_rows(items, today) -> SafeString:
    """One ``<tr>`` per owed task (``reporting.selectors.OwedTask``). Values are escaped as
    ``format_html`` and ``conditional_escape`` did (``html.escape`` of their text, which is
    what Django's ``escape`` writes), the words translated and escaped once a table."""
    words = {key: escape(value) for key, value in _labels().items()}
    labels = {key: value for key, value in words.items() if key[:2] == "l_"}
    zone = timezone.get_current_timezone()
    url = address_of("tasks:detail")
    badges: dict[str, str] = {}  # one per light: its words are translated once
    rows = []
    for item in items:
        task = item.task
        light = item.light.light if item.light else ""
        if light not in badges:
            badges[light] = light_badge(light)
        rows.append(
            _ROW.format(
                state="reported" if item.reported else "missing",
                light=badges[light],
                code=escape(task.code),
                url=url.format(task.pk),
                title=escape(task.title),
                campaign=escape(str(task.task_list.campaign)),
                task_list=escape(str(task.task_list)),
                deadline=deadline_cell(task, today),
                progress=escape(str(task.progress)),
                awaiting=_awaiting(item),
                round=_round(item, words, zone),
                last=_last(item, words, zone),
                **labels,
            )
        )
    return mark_safe("".join(rows))  # every value above is escaped
