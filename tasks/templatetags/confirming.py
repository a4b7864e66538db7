"""``{% confirm_rows %}`` and ``{% confirm_inputs %}``: 我的任务's 待我确认 (the reports waiting
for the unit head), written in Python.

The same markup as the two ``{% for %}`` loops they replace: a head's unit may have hundreds of
reports waiting, each a row of a ``{% url %}``, a date, a filter and a dozen lookups through a
report, its task, list, campaign and author read as models (a unit of 524 waiting cost some
200 ms of CPU). tests/tasks check the rows against the template's.
"""

from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import address_of

register = template.Library()

_ROW = (
    '\n      <tr data-testid="to-confirm-row">'
    '\n        <td data-label="{l_task}" class="title"><a href="{url}">{code}. {title}</a><br>'
    '<small class="muted">{campaign}</small></td>'
    '\n        <td data-label="{l_by}">{by}<br><small class="muted"><time>{at}</time></small></td>'
    '\n        <td data-label="{l_progress}">{percent}%</td>'
    '\n        <td data-label="{l_text}">{text}</td>'
    "\n      </tr>"
)


@register.simple_tag
def confirm_rows(reports) -> SafeString:
    """One ``<tr>`` per report (``tasks.my_work.ConfirmRow``), its values escaped as
    ``conditional_escape`` did (``html.escape`` of their text), its time as ``date:"Y-m-d H:i"``
    writes it in the current time zone, its text cut as ``truncatechars:80`` cuts it."""
    labels = {
        "l_task": escape(_("Task")),
        "l_by": escape(_("Reported by")),
        "l_progress": escape(_("Progress")),
        "l_text": escape(_("What was done")),
    }
    url = address_of("tasks:detail")
    zone = timezone.get_current_timezone()
    rows = [
        _ROW.format(
            url=url.format(report.task_id),
            code=escape(report.code),
            title=escape(report.title),
            campaign=escape(report.campaign),
            by=escape(report.by),
            at=report.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            percent=escape(str(report.percent)),
            text=escape(truncatechars(report.text, 80)),
            **labels,
        )
        for report in reports
    ]
    return mark_safe("".join(rows))  # every value above is escaped


@register.simple_tag
def confirm_inputs(reports) -> SafeString:
    """The confirm-all form's hidden input of each report."""
    return mark_safe(
        "".join(f'<input type="hidden" name="report" value="{int(r.pk)}">' for r in reports)
    )
