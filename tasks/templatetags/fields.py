"""``{% field_row field %}``: what ``{% include "tasks/_field.html" with field=… %}`` writes, in
Python. The task page has a dozen such fields, and each include (a context pushed, the
template's nodes resolved) cost about as much as the field's widget; tests/tasks check the
markup against the template's for every field of the task page's forms."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_row(field) -> SafeString:
    """The label around the field, its errors and its help, as tasks/_field.html."""
    required = ' <span aria-hidden="true">*</span>' if field.field.required else ""
    head = f'<label for="{conditional_escape(field.id_for_label)}">'
    head += f"{conditional_escape(field.label)}{required}\n"
    errors = field.errors
    if errors:
        items = "".join(f"<li>{conditional_escape(e)}</li>" for e in errors)
        body = f'{field.as_widget()}<ul class="errorlist" role="alert">{items}</ul>'
    else:
        body = conditional_escape(field)
    help_text = f"<small>{conditional_escape(field.help_text)}</small>" if field.help_text else ""
    return mark_safe(f"{head}{body}\n{help_text}\n</label>\n")  # every value above is escaped
