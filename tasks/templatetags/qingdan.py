from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


@register.inclusion_tag("tasks/_light.html")
def light_badge(light):
    return {"light": light}


@register.simple_tag
def event_before(event, key):
    value = (event.before or {}).get(key)
    return "—" if value is None else value
