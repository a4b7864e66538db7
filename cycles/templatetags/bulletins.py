"""How the weekly bulletin names its tasks (``cycles.bulletin_page.shown``'s refs): a link
where the reader may open the task, the number alone otherwise. Tags rather than an included
template: a bulletin names up to a thousand tasks, and an include each was a third of its CPU."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

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
