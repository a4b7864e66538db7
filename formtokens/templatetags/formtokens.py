"""``{% form_token %}``: a one-time token for a POST form. A builtin (settings.TEMPLATES), so
every template has it without ``{% load %}``; tests/test_structure.py checks that every
``method="post"`` form of templates/ carries it, next to ``{% csrf_token %}``."""

import secrets

from django import template
from django.utils.html import format_html

from formtokens.services import FIELD

register = template.Library()


@register.simple_tag
def form_token() -> str:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(24)
    )
