"""How the weekly bulletin names its tasks (``cycles.bulletin_page.shown``'s refs): a link
where the reader may open the task, the number alone otherwise. Tags rather than an included
template: a bulletin names up to a thousand tasks, and an include each was a third of its CPU."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def task_ref(ref: dict) -> SafeString:
    if ref["url"]:
        return format_html('<a href="{}">{}</a>', ref["url"], ref["label"])
    return conditional_escape(ref["label"])


@register.simple_tag
def task_refs(refs: list[dict]) -> SafeString:
    """The refs joined by "、", or a muted dash when there are none."""
    if not refs:
        return mark_safe('<span class="muted">—</span>')
    return mark_safe("、".join(task_ref(ref) for ref in refs))
