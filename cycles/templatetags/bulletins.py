"""How the weekly bulletin names its tasks (``cycles.bulletin_page.shown``'s refs): a link
where the reader may open the task, the number alone otherwise. Tags rather than an included
template: a bulletin names up to a thousand tasks, and an include each was a third of its CPU."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import rendered

register = template.Library()


@register.simple_tag
def task_ref(ref: dict) -> SafeString:
    return mark_safe(_ref(ref))


@register.simple_tag
def task_refs(refs: list[dict]) -> SafeString:
    """The refs joined by "、", or a muted dash when there are none."""
    if not refs:
        return mark_safe('<span class="muted">—</span>')
    return mark_safe("、".join(_ref(ref) for ref in refs))


def _ref(ref: dict) -> str:
    # html.escape is what Django's escape does, without making a SafeString of each piece.
    label = escape(str(ref["label"]))
    return f'<a href="{escape(ref["url"])}">{label}</a>' if ref["url"] else label


# --- The bulletin's lists and its table of units, drawn here rather than in a template loop:
# some 200 lines and 40 rows, each a dozen variables, were half the page's CPU. Each value is
# written as the template wrote it (``config.pages.rendered``: localised, escaped).

# What each list writes after a task's title, in its <small>.
_ITEM_DETAILS = {
    "red": ("unit", "deadline", "progress"),
    "overdue": ("unit", "deadline"),
    "late": ("unit", "at"),
    "closed": ("unit",),
}


def _value(row: dict, key: str, context) -> str:
    """``{{ row.key }}``: nothing for a key the row lacks, as the template wrote it."""
    return rendered(row[key], context) if key in row else ""


@register.simple_tag(takes_context=True)
def bulletin_items(context, rows: list[dict], kind: str) -> SafeString:
    """The <li> of each task of a list (red, overdue, late, closed) of the bulletin."""
    details = _ITEM_DETAILS[kind]
    items = []
    for row in rows:
        small = " · ".join(_value(row, key, context) for key in details)
        if kind == "red":
            small += "%"
        title = _value(row, "title", context)
        items.append(f'<li>{_ref(row["ref"])}. {title} <small class="muted">{small}</small></li>')
    return mark_safe("".join(items))


@register.simple_tag(takes_context=True)
def bulletin_unit_rows(context, units: list[dict]) -> SafeString:
    """The rows of the table of units: owed, reported, late, rate and the tasks not reported."""
    words = {
        key: escape(label)
        for key, label in (
            ("owed", _("Owed")),
            ("reported", _("Reported")),
            ("late", _("Late")),
            ("rate", _("Rate")),
            ("not_reported", _("Not reported")),
        )
    }
    rows = []
    for unit in units:
        cells = {
            key: _value(unit, key, context) for key in ("unit", "owed", "reported", "late", "rate")
        }
        more = ""
        if unit.get("missing_more"):
            n = rendered(unit["missing_more"], context)
            more = (
                ' <small class="muted" data-testid="missing-more">'
                f"{_('and %(n)s more') % {'n': n}}</small>"
            )
        rows.append(
            f'<tr><th scope="row">{cells["unit"]}</th>'
            f'<td data-label="{words["owed"]}">{cells["owed"]}</td>'
            f'<td data-label="{words["reported"]}">{cells["reported"]}</td>'
            f'<td data-label="{words["late"]}">{cells["late"]}</td>'
            f'<td data-label="{words["rate"]}">{cells["rate"]}%</td>'
            f'<td data-label="{words["not_reported"]}" class="refs">'
            f"{task_refs(unit.get('missing_refs') or [])}{more}</td></tr>"
        )
    return mark_safe("".join(rows))
