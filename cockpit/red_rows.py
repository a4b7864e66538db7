"""The rows of the red list's table (cockpit/_red_table.html), drawn in Python as the task
tables' are (``{% task_rows %}``): the template's loop, a ``{% url %}`` pair, three filters and
a form per row were half the red list's CPU. The same markup, each row's instruction form
with its own ``{% csrf_token %}`` and ``{% form_token %}`` as the template wrote them."""

import html
from functools import lru_cache

from django.template.defaultfilters import truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.pages import address_of
from formtokens.templatetags.formtokens import form_token

_CSRF = CsrfTokenNode()


def escape(text) -> str:
    """As the template escapes a value (``django.utils.html.escape``, without its lazy
    wrapper, a tenth of a row's time)."""
    return html.escape(str(text))


@lru_cache(maxsize=1024)
def _shortened(name: str, length: int, _language: str) -> str:
    """``name|truncatechars:length``, escaped: a page's rows share a few campaigns and lists."""
    return escape(truncatechars(name, length))


def _words() -> dict[str, str]:
    """The labels, as ``{% translate … as l_… %}`` and ``{{ l_… }}`` wrote them (escaped)."""
    words = {
        "none_yet": _("none yet"),
        "give": _("Give an instruction (督办)"),
        "send": _("Send instruction"),
        "no": _("No."),
        "task": _("Task"),
        "lead_unit": _("Lead unit"),
        "owners": _("Owners"),
        "days_overdue": _("Days overdue"),
        "last_report": _("Last report"),
        "open_instructions": _("Open instructions"),
        "instruct": _("Instruct"),
    }
    return {key: escape(value) for key, value in words.items()}


def red_rows(context, tasks, instructs_in, instruction_fields) -> str:
    """The rows of ``tasks`` (with ``days_overdue`` and ``owners``: ``with_days_overdue``)."""
    words = _words()
    links = {
        "task": address_of("tasks:detail"),
        "unit": address_of("cockpit:unit"),
        # /tasks/<pk>/instructions/: its argument is not last, as address_of wants.
        "give": reverse("tasks:instruction_give", args=[0]).replace("/0/", "/{}/"),
    }
    zone = timezone.get_current_timezone()
    words["language"] = get_language()
    return "".join(
        _row(context, task, words, links, zone, instructs_in, instruction_fields) for task in tasks
    )


def _row(context, task, words, links, zone, instructs_in, instruction_fields) -> str:
    if task.last_report_at:
        report = f"{task.last_report_at.astimezone(zone):%Y-%m-%d}"
    else:
        report = f'<span class="muted">{words["none_yet"]}</span>'
    opened = task.open_instructions
    flag = f'<mark class="flag">{opened}</mark>' if opened else "0"
    instruct = ""
    if task.task_list.campaign_id in instructs_in:
        instruct = (
            f'\n        <details class="instruct"><summary>{words["give"]}</summary>'
            f'\n          <form method="post" action="{links["give"].format(task.pk)}">'
            f"{_CSRF.render(context)}{form_token()}"
            f"\n            {instruction_fields}"
            f'\n            <button type="submit" class="small">{words["send"]}</button>'
            f"\n          </form>\n        </details>"
        )
    deadline = f"{task.deadline:%Y-%m-%d}" if task.deadline else ""
    return (
        f'\n    <tr data-task="{task.pk}">'
        f'\n      <td data-label="{words["no"]}"><small class="muted">'
        f"{_shortened(task.task_list.campaign.name, 12, words['language'])} · "
        f"{_shortened(task.task_list.name, 10, words['language'])}</small><br>{escape(task.code)}</td>"
        f'\n      <td data-label="{words["task"]}" class="title">'
        f'<a href="{links["task"].format(task.pk)}">{escape(task.title)}</a></td>'
        f'\n      <td data-label="{words["lead_unit"]}">'
        f'<a href="{links["unit"].format(task.lead_unit_id)}">{escape(str(task.lead_unit))}</a></td>'
        f'\n      <td data-label="{words["owners"]}">{escape(task.owners or "—")}</td>'
        f'\n      <td data-label="{words["days_overdue"]}" class="overdue-days">'
        f'<strong>{task.days_overdue}</strong> <small class="muted">{deadline}</small></td>'
        f'\n      <td data-label="{words["last_report"]}">{report}</td>'
        f'\n      <td data-label="{words["open_instructions"]}">'
        f"{flag}</td>"
        f'\n      <td data-label="{words["instruct"]}" class="no-print">{instruct}</td>'
        f"\n    </tr>\n  "
    )
