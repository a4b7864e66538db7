"""``{% owed_rows %}``: the rows of 本周应报送 on 我的任务, written in Python.

The same markup as a ``{% for %}`` over the rows in the template, at a fraction of the CPU: the
most visited page shows 50 of them, and the template engine spent about as long on those rows
as the database on the whole page (each row resolved some forty variables, tags and filters).
tests/reporting checks the rows against what the page shows.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
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


def _when(value, fmt: str) -> str:
    """As the ``date`` filter writes it, in the current time zone (the values are aware)."""
    return localtime(value).strftime(_FORMATS[fmt])


def _awaiting(item) -> SafeString | str:
    if not item.awaiting:
        return ""
    # Like {% blocktranslate %}: the value is escaped, the translated sentence is not.
    text = _("%(percent)s%% (waiting for the unit head's confirmation)") % {
        "percent": conditional_escape(item.round_report.percent)
    }
    return mark_safe(f'<br><small class="awaiting" data-testid="awaiting">{text}</small>')


def _round(item, words: dict[str, str]) -> SafeString:
    if item.reported:
        return format_html(
            '<mark class="ok">{}</mark> <small><time>{}</time></small>',
            words["reported"],
            _when(item.round_report.submitted_at, "m-d H:i"),
        )
    return format_html(
        '<mark class="bad">{}</mark> <small>{} <time>{}</time></small>',
        words["not_reported"],
        words["due"],
        _when(item.round.due_at, "m-d H:i"),
    )


def _last(item, words: dict[str, str]) -> SafeString:
    if item.last_report:
        return conditional_escape(_when(item.last_report.submitted_at, "Y-m-d"))
    return format_html('<span class="muted">{}</span>', words["none_yet"])


@register.simple_tag
def owed_rows(items, today) -> SafeString:
    """One ``<tr>`` per owed task (``reporting.selectors.OwedTask``)."""
    words = _labels()
    labels = {key: conditional_escape(value) for key, value in words.items() if key[:2] == "l_"}
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
                code=conditional_escape(task.code),
                url=url.format(task.pk),
                title=conditional_escape(task.title),
                campaign=conditional_escape(task.task_list.campaign),
                task_list=conditional_escape(task.task_list),
                deadline=deadline_cell(task, today),
                progress=conditional_escape(task.progress),
                awaiting=_awaiting(item),
                round=_round(item, words),
                last=_last(item, words),
                **labels,
            )
        )
    return mark_safe("".join(rows))  # every value above is escaped
