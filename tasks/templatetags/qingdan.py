from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

register = template.Library()


@register.simple_tag
def deadline_cell(task, today):
    """Deadline as a date (or the original text), with days left or overdue for running tasks."""
    if task.ongoing or task.deadline is None:
        text = task.deadline_text or (_("Ongoing") if task.ongoing else "—")
        return format_html('<span class="muted">{}</span>', text)
    date = format_html(
        '<time datetime="{0}" title="{1}">{0}</time>', task.deadline.isoformat(), task.deadline_text
    )
    if task.status != "in_progress":
        return date
    days = (task.deadline - today).days
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
