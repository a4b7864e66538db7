"""A campaign's page's tables drawn in Python (``templates/campaigns/campaign_detail.html``):
its lists with their counts and links, and the units that lag.

The template wrote each list's row with three ``{% url %}`` and two nested ``{% include %}``
(``_list_counts.html``, ``_counts.html``), and each lagging unit's with a ``{% url %}``: here
every address is reversed once a page and each row is one f-string, escaped as the template
escaped it (``html.escape``) and translated with the same messages. The markup is the
templates' (``tests/campaigns/test_campaign_page_rows.py`` compares the two)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.pages import address_of

register = template.Library()

_KEY = 987654321  # a list's id while reversing its addresses once (split off after)


def _list_address(viewname: str, slug: str) -> tuple[str, str]:
    """The address of a campaign's list, before and after the list's id, escaped."""
    before, after = reverse(viewname, args=[slug, _KEY]).rsplit(str(_KEY), 1)
    return escape(before), escape(after)


def counts_cell(counts) -> str:
    """``campaigns/_counts.html``: a work list's (or campaign's) lights and totals."""
    grey = (
        f'<span class="light light-grey"><span class="dot"></span>{counts.grey}</span>'
        if counts.grey
        else ""
    )
    totals = _("%(total)s tasks, %(closed)s closed") % {
        "total": counts.total,
        "closed": counts.closed,
    }
    return (
        '<span class="counts">\n'
        f'<span class="light light-red"><span class="dot"></span>{counts.red}</span>\n'
        f'<span class="light light-yellow"><span class="dot"></span>{counts.yellow}</span>\n'
        f'<span class="light light-green"><span class="dot"></span>{counts.green}</span>\n'
        f'{grey}\n<small class="muted">{totals}</small>\n</span>\n'
    )


def list_counts_cell(ls) -> str:
    """``campaigns/_list_counts.html``: a draft's lines, a work list's counts, or the
    questions or measures of another list."""
    n = ls.counts.total
    task_list = ls.task_list
    if task_list.is_draft:
        text = ngettext(
            "Draft, not published: %(n)s line", "Draft, not published: %(n)s lines", n
        ) % {"n": n}
        shown = f'<mark class="draft" data-testid="draft">{text}</mark>'
    elif task_list.is_work:
        shown = counts_cell(ls.counts)
    else:
        if task_list.kind == "checklist":
            text = ngettext("%(n)s question", "%(n)s questions", n) % {"n": n}
        else:
            text = ngettext("%(n)s measure", "%(n)s measures", n) % {"n": n}
        shown = (
            f'<span class="counts"><small class="muted" data-testid="lines">{text}</small></span>'
        )
    return shown + "\n"


@register.simple_tag
def list_rows(lists, campaign, can_manage) -> SafeString:
    """The rows of the campaign's lists: name, export, import a new version, counts."""
    opened, opened_end = _list_address("campaigns:list_detail", campaign.slug)
    exported, exported_end = _list_address("campaigns:list_export", campaign.slug)
    imported = escape(reverse("campaigns:import_start", args=[campaign.slug]))
    export, again = escape(_("Export")), escape(_("Import a new version"))
    out = []
    for ls in lists:
        task_list = ls.task_list
        pk = task_list.pk
        more = (
            f' · <a href="{imported}?list={pk}">{again}</a>'
            if can_manage and not task_list.is_draft
            else ""
        )
        out.append(
            f'<tr>\n        <td><a href="{opened}{pk}{opened_end}">{escape(task_list.name)}</a>\n'
            f'          <br><small><a href="{exported}{pk}{exported_end}">{export}</a>{more}'
            f"</small></td>\n        <td>{list_counts_cell(ls)}</td></tr>"
        )
    return mark_safe("".join(out))


@register.simple_tag
def lagging_rows(rows) -> SafeString:
    """The units that lag: name (a link to the unit's page), red, yellow, tasks."""
    address = escape(address_of("cockpit:unit"))
    return mark_safe(
        "".join(
            f'<tr><td><a href="{address.format(row["lead_unit_id"])}">'
            f"{escape(row['lead_unit__name'])}</a></td><td>{row['red']}</td>"
            f"<td>{row['yellow']}</td><td>{row['total']}</td></tr>"
            for row in rows
        )
    )
