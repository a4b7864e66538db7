import functools
import html

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _

from config.pages import address_of, rendered
from tasks.models import Task

register = template.Library()


@register.simple_tag
def deadline_cell(task, today):
    """Deadline as a date (or the original text), with days left or overdue for running tasks."""
    return _deadline_cell(
        task.ongoing,
        task.deadline,
        task.deadline_text,
        task.status == "in_progress",
        today,
        get_language(),
    )


@functools.lru_cache(maxsize=4096)
def _deadline_cell(ongoing, deadline, deadline_text, running, today, _language) -> SafeString:
    """The cell of ``deadline_cell``, remembered: tasks of a list share a few deadlines, and
    a table writes a hundred cells (about 5 % of 我的任务's CPU). ``_language``: the words are
    translated into it."""
    if ongoing or deadline is None:
        text = deadline_text or (_("Ongoing") if ongoing else "—")
        return format_html('<span class="muted">{}</span>', text)
    date = format_html(
        '<time datetime="{0}" title="{1}">{0}</time>', deadline.isoformat(), deadline_text
    )
    if not running:
        return date
    days = (deadline - today).days
    if days < 0:
        note = ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}
        css = "overdue"
    elif days == 0:
        note, css = _("due today"), "due"
    else:
        note = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
        css = "due" if days <= 7 else "left"
    return format_html('{} <small class="{}">{}</small>', date, css, note)


# (title, what a screen reader says) of each light; anything else is "not started".
_LIGHTS = {
    "red": (gettext_lazy("Red: overdue"), gettext_lazy("Red")),
    "yellow": (gettext_lazy("Yellow: near the deadline or behind"), gettext_lazy("Yellow")),
    "green": (gettext_lazy("Green: on track"), gettext_lazy("Green")),
}
_NOT_STARTED = (gettext_lazy("Not started"), gettext_lazy("Not started"))


@register.simple_tag
def light_badge(light):
    """The light's dot. A tag writing the markup itself: an inclusion template rendered once
    per row was a tenth of a 100-row page's CPU."""
    title, name = _LIGHTS.get(light, _NOT_STARTED)
    return format_html(
        '<span class="light light-{}" title="{}"><span class="dot"></span>'
        '<span class="sr">{}</span></span>',
        light,
        title,
        name,
    )


@register.simple_tag
def event_before(event, key):
    value = (event.before or {}).get(key)
    return "—" if value is None else value


# Punctuation between translated words and data follows the language: Chinese text takes
# full-width marks (标签：值, 名称（说明）, 甲、乙), English the ASCII ones.


@register.simple_tag
def colon() -> str:
    """After a label: "：" in Chinese, ": " in English."""
    return pgettext("after a label", ": ")


@register.simple_tag
def paren(*parts) -> str:
    """``parts`` (joined by spaces) in brackets: "（…）" in Chinese, " (…)" in English."""
    text = " ".join(str(part) for part in parts if part not in ("", None))
    return format_html(pgettext("around a remark", " ({})"), text)


@register.filter
def join_names(values) -> str:
    """Names in a row: "甲、乙" in Chinese, "A, B" in English."""
    return pgettext("between names", ", ").join(str(v) for v in values)


# --- A task table's rows (tasks/_task_table.html) --------------------------------------------
# Written here rather than in the template language: its loop, two dozen lookups and four tags
# a row were half a 50-row list page's CPU; plain string formatting draws the same markup in a
# sixth of the time.


def _row_labels() -> dict[str, str]:
    """The cells' data-labels and the rows' words, translated once a table."""
    return {
        "light": _("Light"),
        "no": _("No."),
        "task": _("Task"),
        "lead_unit": _("Lead unit"),
        "deadline": _("Deadline"),
        "progress": _("Progress"),
        "status": _("Status"),
        "last_report": _("Last report"),
        "overdue": _("not acknowledged, overdue"),
        "pending": _("awaiting acknowledgement"),
        "with": _("with"),
        "none_yet": _("none yet"),
    }


@register.simple_tag
def task_rows(tasks, today, show_list=False, list_inline=False) -> SafeString:
    """The rows of ``tasks`` (``Task`` objects, or the lighter ``tasks.table_rows.TaskRow``);
    with ``show_list`` a heading row before each list's first task, with ``list_inline`` the
    campaign and list under each title."""
    # Unescaped, as {% translate %} leaves our own translations.
    words = _row_labels()
    words["href"] = escape(address_of("tasks:detail"))
    table = _Table(words, today, list_inline)
    rows: list[str] = []
    list_id = object()
    for task in tasks:
        if task.task_list_id != list_id:
            list_id = task.task_list_id
            if show_list:
                rows.append(
                    format_html(
                        '\n    <tr class="group"><th colspan="8">{} · {}</th></tr>',
                        task.task_list.campaign,
                        task.task_list,
                    )
                )
        rows.append(table.row(task))
    return mark_safe("".join(rows))


class _Table:
    """What every row of one table shares, worked out once: the words, each light's dot, each
    status's name, the time zone (the translations and lazy texts cost more than the rows'
    own values did)."""

    def __init__(self, words: dict, today, list_inline: bool):
        self.words, self.today, self.list_inline = words, today, list_inline
        self.labels = {key: f'\n      <td data-label="{words[key]}"' for key in _CELLS}
        self.badges: dict = {}
        # Each status's name as text (``escape`` of a lazy text is lazy: translated again in
        # every row that wrote it).
        self.statuses = {value: escape(str(label)) for value, label in Task.Status.choices}
        self.zone = timezone.get_current_timezone()
        self.language = get_language()

    def badge(self, light) -> str:
        badge = self.badges.get(light)
        if badge is None:
            badge = self.badges[light] = light_badge(light)
        return badge

    def row(self, task) -> str:
        labels = self.labels
        status = self.statuses.get(task.status)
        if status is None:
            status = conditional_escape(task.get_status_display())
        deadline = _deadline_cell(
            task.ongoing,
            task.deadline,
            task.deadline_text,
            task.status == "in_progress",
            self.today,
            self.language,
        )
        return (
            f"\n    <tr>"
            f"{labels['light']}>{self.badge(task.light_value)}</td>"
            f"{labels['no']}>{_text(task.code)}</td>"
            f'{labels["task"]} class="title">{self.title(task)}</td>'
            f"{labels['lead_unit']}>{_units_cell(task, self.words)}</td>"
            f"{labels['deadline']}>{deadline}</td>"
            f"{labels['progress']}>{_progress_cell(task)}</td>"
            f"{labels['status']}>{status}</td>"
            f"{labels['last_report']}>{self.last_report(task)}</td>"
            f"\n    </tr>"
        )

    def title(self, task) -> str:
        words = self.words
        parts = [f'<a href="{words["href"].format(task.pk)}">{_text(task.title)}</a>\n        ']
        state = task.acknowledgement_state
        if state:
            word = words["overdue"] if state == "overdue" else words["pending"]
            parts.append(f'<mark class="flag" data-testid="ack-flag">{word}</mark>')
        parts.append("\n        ")
        open_instructions = getattr(task, "open_instructions", 0)
        if open_instructions:
            # As {% blocktranslate %}: the number escaped, the translation as it is.
            text = ngettext(
                "%(n)s open instruction", "%(n)s open instructions", open_instructions
            ) % {"n": conditional_escape(str(open_instructions))}
            parts.append(f'<mark class="flag">{text}</mark>')
        parts.append("\n        ")
        if task.category_id is not None:
            parts.append(f'<br><small class="muted">{_text(task.category.name)}</small>')
        if self.list_inline:
            parts.append(
                format_html(
                    '<br><small class="muted">{} · {}</small>',
                    task.task_list.campaign,
                    task.task_list,
                )
            )
        return "".join(parts)

    def last_report(self, task) -> str:
        if task.last_report_at:
            return f"{task.last_report_at.astimezone(self.zone):%Y-%m-%d}"
        return f'<span class="muted">{self.words["none_yet"]}</span>'


def _text(value) -> str:
    """``value`` escaped as Django's ``escape`` writes it (``html.escape`` of its text),
    without its check for lazy texts and its safe-string wrapper: a row writes five."""
    return html.escape(str(value))


# The cells of a row, in order.
_CELLS = ("light", "no", "task", "lead_unit", "deadline", "progress", "status", "last_report")


def _units_cell(task, words: dict) -> str:
    lead = _text(task.lead_unit)
    names = getattr(task, "support_names", None)
    if names is None:
        names = [str(s.unit) for s in task.supports.all()]
    if not names:
        return lead
    joined = "、".join(_text(name) for name in names)
    return f'{lead}<br><small class="muted">{words["with"]} {joined}</small>'


def _progress_cell(task) -> str:
    cell = (
        f'<progress value="{task.progress}" max="100"></progress> <small>{task.progress}%</small>'
    )
    awaiting = getattr(task, "awaiting_percent", None)
    if awaiting is not None:
        text = _("%(percent)s%% (waiting for the unit head's confirmation)") % {
            "percent": conditional_escape(str(awaiting))
        }
        cell += f'<br><small class="awaiting" data-testid="awaiting">{text}</small>'
    return cell


# --- A table of targets (tasks/_attainment.html) ------------------------------------------------


def _field(row, key: str, context) -> str:
    """``{{ row.key }}`` of an ``AttainmentRow`` or of a bulletin's dict, as the template
    wrote it (localised, escaped; nothing for what the row lacks)."""
    if isinstance(row, dict):
        return rendered(row[key], context) if key in row else ""
    return rendered(getattr(row, key, ""), context)


@register.simple_tag(takes_context=True)
def target_rows(context, rows) -> SafeString:
    """The rows of a table of targets: targets, met, not met, not measured, share of the way.
    Written here rather than in the template's loop (some 100 rows on a campaign's page)."""
    labels = {
        key: escape(label)
        for key, label in (
            ("targets", _("Targets")),
            ("met", _("met")),
            ("not_met", _("not met")),
            ("unmeasured", _("not measured")),
        )
    }
    share_label = escape(_("of the way"))
    out = []
    for row in rows:
        cells = "".join(
            f'<td data-label="{label}">{_field(row, key, context)}</td>'
            for key, label in labels.items()
        )
        share = row.get("share") if isinstance(row, dict) else getattr(row, "share", None)
        shown = "—" if share is None else f"{rendered(share, context)}%"
        out.append(
            f'<tr><th scope="row" class="title">{_field(row, "name", context)}</th>{cells}'
            f'<td data-label="{share_label}">{shown}</td></tr>'
        )
    return mark_safe("".join(out))
