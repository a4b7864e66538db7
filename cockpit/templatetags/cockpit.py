"""The cockpit's links: every figure opens the tasks it counts, through the filters of the
list pages kept in the query string. Built here, in one place, so every link is the same."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def _query(params: dict) -> str:
    kept = {
        k: ("1" if v is True else v)
        for k, v in sorted(params.items())
        if v not in (None, "", False)
    }
    return f"?{urlencode(kept)}" if kept else ""


def _reverse(context, name: str, arg) -> str:
    """``reverse`` once per page and argument: a page of the cockpit holds hundreds of links."""
    cache = context.render_context.setdefault("cockpit_urls", {})
    if (name, arg) not in cache:
        cache[name, arg] = reverse(name, args=[arg])
    return cache[name, arg]


@register.simple_tag(takes_context=True)
def drill(context, campaign, **params) -> str:
    """The campaign's drill-down list filtered by ``params`` (e.g. lead_unit=3, light="red")."""
    return _reverse(context, "cockpit:tasks", campaign.slug) + _query(params)


@register.simple_tag(takes_context=True)
def unit_drill(context, unit_id, **params) -> str:
    """A unit's page, its task table filtered by ``params``, scrolled to the table."""
    return _reverse(context, "cockpit:unit", unit_id) + _query(params) + "#tasks"


@register.simple_tag
def rank_change(change) -> str:
    """↑2 (places gained), ↓1 (lost), = (kept); nothing when there is no month before."""
    if change is None:
        return ""
    if change > 0:
        return format_html('<span class="up" title="{}">↑{}</span>', _("places gained"), change)
    if change < 0:
        return format_html('<span class="down" title="{}">↓{}</span>', _("places lost"), -change)
    return format_html('<span class="same" title="{}">=</span>', _("same place"))


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value}%"


@register.filter
def cells(row, lists):
    """A heat-map row's cells in the order of the lists: [(list, {"red": n, "yellow": n})]."""
    return row.cell_list(lists)


@register.filter
def heat_level(count) -> int:
    """The colour step of a heat-map cell (a class, so no inline style is needed): 0–5."""
    for level, at_least in ((5, 20), (4, 10), (3, 5), (2, 2), (1, 1)):
        if count >= at_least:
            return level
    return 0
