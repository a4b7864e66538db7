"""How the ranking's pages print its numbers."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value) -> str:
    """A number as a person writes it: 1.5, 0.75, 100 (no trailing zeros, no exponent)."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
