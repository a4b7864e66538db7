"""The rows of the red list's two tables, drawn in Python as the task tables' are
(``{% task_rows %}``): the red tasks (cockpit/_red_table.html), where the template's loop, a
``{% url %}`` pair, three filters and a form per row were half the red list's CPU, and the
instructions past their reply deadline (cockpit/_late_instructions.html), some 1,800 calls a
row in the template. The same markup, each row's form with its own ``{% csrf_token %}`` and
``{% form_token %}`` as the template wrote them."""

import html
from functools import lru_cache

from django.template.defaultfilters import truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from config.pages import address_of, escaped_labels
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
    return escaped_labels(
        {
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
    )


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


def late_rows(context, instructions, instructs_in) -> str:
    """The rows of ``instructions`` (with ``days_late``: ``with_days_late``), each with the
    task page's 催办 button where the reader may instruct in its campaign."""
    words = escaped_labels(
        {
            "no": _("No."),
            "task": _("Task"),
            "lead_unit": _("Lead unit"),
            "instruction": _("Instruction"),
            "answer_by": _("Answer by"),
            "days": _("Days overdue"),
            "urge": _("Urge an answer"),
        }
    )
    words["language"] = get_language()
    links = {
        "task": address_of("tasks:detail"),
        "unit": address_of("cockpit:unit"),
        # /tasks/instructions/<pk>/urge/: its argument is not last, as address_of wants.
        "urge": reverse("tasks:instruction_urge", args=[0]).replace("/0/", "/{}/"),
    }
    zone = timezone.get_current_timezone()
    return "".join(
        _late_row(context, ins, words, links, zone, instructs_in) for ins in instructions
    )


def _late_row(context, ins, words, links, zone, instructs_in) -> str:
    task, language = ins.task, words["language"]
    urged = ""
    if ins.urge_count:
        n = ins.urge_count
        urged = " · " + ngettext("urged once", "urged %(n)s times", n) % {"n": n}
    urge = ""
    if task.task_list.campaign_id in instructs_in:
        urge = (
            f'<form method="post" action="{links["urge"].format(ins.pk)}" class="inline">'
            f"{_CSRF.render(context)}{form_token()}"
            f'<button type="submit" class="secondary outline small">{words["urge"]}</button></form>'
        )
    reply_by = f"{ins.reply_by:%Y-%m-%d}" if ins.reply_by else ""
    return (
        f'<tr data-instruction="{ins.pk}">'
        f'\n    <td data-label="{words["no"]}"><small class="muted">'
        f"{_shortened(task.task_list.campaign.name, 12, language)} · "
        f"{_shortened(task.task_list.name, 10, language)}</small><br>{escape(task.code)}</td>"
        f'\n    <td data-label="{words["task"]}" class="title">'
        f'<a href="{links["task"].format(ins.task_id)}#instructions">{escape(task.title)}</a></td>'
        f'\n    <td data-label="{words["lead_unit"]}">'
        f'<a href="{links["unit"].format(task.lead_unit_id)}">{escape(task.lead_unit)}</a></td>'
        f'\n    <td data-label="{words["instruction"]}">{escape(truncatechars(ins.text, 60))}'
        f' <small class="muted">{escape(ins.given_by)} · '
        f"{ins.given_at.astimezone(zone):%Y-%m-%d}{urged}</small></td>"
        f'\n    <td data-label="{words["answer_by"]}">{reply_by}</td>'
        f'\n    <td data-label="{words["days"]}" class="overdue-days">'
        f"<strong>{ins.days_late}</strong></td>"
        f'\n    <td data-label="{words["urge"]}" class="no-print">{urge}</td>'
        "\n  </tr>"
    )
