"""Links into the problem ledger: every count of problems opens the ledger filtered to exactly
those problems (``?state=…&unit=…``, the ledger page's own filter)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def ledger_url(context, campaign, state: str = "", unit=None) -> str:
    """The campaign's ledger filtered by state and unit (either may be left out)."""
    cache = context.render_context.setdefault("ledger_urls", {})
    if campaign.slug not in cache:
        cache[campaign.slug] = reverse("problems:ledger", args=[campaign.slug])
    params = {k: v for k, v in (("state", state), ("unit", unit)) if v}
    return cache[campaign.slug] + (f"?{urlencode(params)}" if params else "")
