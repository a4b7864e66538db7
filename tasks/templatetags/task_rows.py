"""``{% task_rows %}``: the rows of a task table (tasks/_task_table.html), written in Python.

The same markup as the ``{% for %}`` over the rows it replaces, at a fraction of the CPU: each
row resolved some fifty variables, tags and filters, so 50 rows of 我的任务 or of a list cost
as much as the page's queries. tests/tasks/test_task_rows.py checks what each row shows.
"""

from django import template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks.templatetags.qingdan import deadline_cell, light_badge

register = template.Library()

_ROW = (
    "\n    {group}"
    "\n    <tr>"
    '\n      <td data-label="{l_light}">{light}</td>'
    '\n      <td data-label="{l_no}">{code}</td>'
    '\n      <td data-label="{l_task}" class="title"><a href="{url}">{title}</a>'
    "\n        {ack}"
    "\n        {instructions}"
    "\n        {category}{inline}</td>"
    '\n      <td data-label="{l_lead}">{lead}{supports}</td>'
    '\n      <td data-label="{l_deadline}">{deadline}</td>'
    '\n      <td data-label="{l_progress}"><progress value="{progress}" max="100"></progress> '
    "<small>{progress}%</small>{awaiting}</td>"
    '\n      <td data-label="{l_status}">{status}</td>'
    '\n      <td data-label="{l_last}">{last}</td>'
    "\n    </tr>\n  "
)


def _labels() -> dict[str, str]:
    """The column labels, escaped, translated once for all rows."""
    return {
        key: conditional_escape(text)
        for key, text in {
            "l_light": _("Light"),
            "l_no": _("No."),
            "l_task": _("Task"),
            "l_lead": _("Lead unit"),
            "l_deadline": _("Deadline"),
            "l_progress": _("Progress"),
            "l_status": _("Status"),
            "l_last": _("Last report"),
        }.items()
    }


def _task_url():
    """``tasks:detail`` for any pk, reversed once for all rows (a number is never quoted)."""
    marker = 2_147_483_647
    head, tail = reverse("tasks:detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _list_name(task) -> str:
    return f"{conditional_escape(task.task_list.campaign)} · {conditional_escape(task.task_list)}"


class _Words:
    """The rows' words, translated once."""

    def __init__(self) -> None:
        self.overdue = conditional_escape(_("not acknowledged, overdue"))
        self.pending = conditional_escape(_("awaiting acknowledgement"))
        self.with_ = conditional_escape(_("with"))
        self.none_yet = conditional_escape(_("none yet"))


def _ack(task, words: _Words) -> str:
    state = task.acknowledgement_state
    if not state:
        return ""
    text = words.overdue if state == "overdue" else words.pending
    return f'<mark class="flag" data-testid="ack-flag">{text}</mark>'


def _instructions(task) -> str:
    n = getattr(task, "open_instructions", "")
    if not n:
        return ""
    text = ngettext("%(n)s open instruction", "%(n)s open instructions", int(n)) % {
        "n": conditional_escape(n)
    }
    return f'<mark class="flag">{text}</mark>'


def _supports(task, words: _Words) -> str:
    supports = task.supports.all()
    if not supports:
        return ""
    names = "、".join(str(conditional_escape(s.unit)) for s in supports)
    return f'<br><small class="muted">{words.with_} {names}</small>'


def _awaiting(task) -> str:
    percent = getattr(task, "awaiting_percent", "")
    if not (percent or percent == 0):
        return ""
    text = _("%(percent)s%% (waiting for the unit head's confirmation)") % {
        "percent": conditional_escape(percent)
    }
    return f'<br><small class="awaiting" data-testid="awaiting">{text}</small>'


def _last(task, words: _Words) -> str:
    at = getattr(task, "last_report_at", None)
    if at:
        return conditional_escape(date_format(localtime(at), "Y-m-d"))
    return f'<span class="muted">{words.none_yet}</span>'


def _row(task, today, url, badges, words, labels, group: str, inline: bool) -> str:
    light = getattr(task, "light_value", "")
    if light not in badges:
        badges[light] = light_badge(light)
    return _ROW.format(
        group=group,
        light=badges[light],
        code=conditional_escape(task.code),
        url=url(task.pk),
        title=conditional_escape(task.title),
        ack=_ack(task, words),
        instructions=_instructions(task),
        category=(
            f'<br><small class="muted">{conditional_escape(task.category.name)}</small>'
            if task.category
            else ""
        ),
        inline=f'<br><small class="muted">{_list_name(task)}</small>' if inline else "",
        lead=conditional_escape(task.lead_unit),
        supports=_supports(task, words),
        deadline=deadline_cell(task, today),
        progress=conditional_escape(task.progress),
        awaiting=_awaiting(task),
        status=conditional_escape(task.get_status_display()),
        last=_last(task, words),
        **labels,
    )


@register.simple_tag
def task_rows(tasks, today, show_list=False, list_inline=False) -> SafeString:
    """One ``<tr>`` per task (a group row before each list when ``show_list``), or the row
    saying none matches."""
    words, labels, url = _Words(), _labels(), _task_url()
    badges: dict[str, str] = {}  # one per light: its words are translated once
    rows, list_id = [], object()
    for task in tasks:
        group = ""
        if task.task_list_id != list_id:
            list_id = task.task_list_id
            if show_list:
                group = f'<tr class="group"><th colspan="8">{_list_name(task)}</th></tr>'
        rows.append(_row(task, today, url, badges, words, labels, group, bool(list_inline)))
    if not rows:
        none = conditional_escape(_("No tasks match."))
        return mark_safe(f'\n    <tr><td colspan="8" class="muted">{none}</td></tr>\n  ')
    return mark_safe("".join(rows))  # every value above is escaped
