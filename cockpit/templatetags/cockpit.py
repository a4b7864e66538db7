"""The cockpit's links: every figure opens the tasks it counts, through the filters of the
list pages kept in the query string. Built here and in ``cockpit.tables`` (the campaign
cockpit's big tables, drawn in Python), in one place, so every link is the same."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cockpit import tables, unit_tables
from cockpit.red_rows import late_rows as late_rows_of
from cockpit.red_rows import red_rows as red_rows_of
from config.pages import address_of, escaped_labels

register = template.Library()


def _reverse(context, name: str, arg) -> str:
    """``reverse`` once per page and argument: a page of the cockpit holds hundreds of links."""
    cache = context.render_context.setdefault("cockpit_urls", {})
    if (name, arg) not in cache:
        cache[name, arg] = reverse(name, args=[arg])
    return cache[name, arg]


def _links(context, campaign) -> tables.Links:
    cache = context.render_context.setdefault("cockpit_links", {})
    if campaign.pk not in cache:
        cache[campaign.pk] = tables.Links(campaign)
    return cache[campaign.pk]


@register.simple_tag(takes_context=True)
def drill(context, campaign, **params) -> str:
    """The campaign's drill-down list filtered by ``params`` (e.g. lead_unit=3, light="red")."""
    return _reverse(context, "cockpit:tasks", campaign.slug) + tables.drill_query(params)


@register.simple_tag(takes_context=True)
def unit_drill(context, unit_id, **params) -> str:
    """A unit's page, its task table filtered by ``params``, scrolled to the table."""
    return _reverse(context, "cockpit:unit", unit_id) + tables.drill_query(params) + "#tasks"


@register.simple_tag(takes_context=True)
def heat_rows(context, rows, lists, campaign):
    """The heat map's rows (``cockpit.tables.heat_rows``)."""
    return tables.heat_rows(rows, lists, _links(context, campaign))


@register.simple_tag(takes_context=True)
def unit_rows(context, rows, table, campaign, ledger_links):
    """The unit table's rows (``cockpit.tables.unit_rows``)."""
    return tables.unit_rows(rows, table, _links(context, campaign), ledger_links=ledger_links)


@register.simple_tag(takes_context=True)
def category_rows(context, breakdown, campaign):
    """One list's categories' rows (``cockpit.tables.category_rows``)."""
    return tables.category_rows(breakdown, _links(context, campaign))


@register.simple_tag(takes_context=True)
def attainment_rows(context, rows, campaign, by):
    """The targets by list or lead unit (``cockpit.tables.attainment_rows``)."""
    return tables.attainment_rows(rows, _links(context, campaign), by)


register.simple_tag(tables.rank_change, name="rank_change")
register.filter("percent", tables.percent)
register.filter("heat_level", tables.heat_level)


@register.simple_tag(takes_context=True)
def red_rows(context, tasks, instructs_in, instruction_fields):
    """The red list's rows (``cockpit.red_rows``)."""
    return mark_safe(red_rows_of(context, tasks, instructs_in, instruction_fields))


@register.simple_tag(takes_context=True)
def late_rows(context, instructions, instructs_in):
    """The rows of the instructions past their reply deadline (``cockpit.red_rows``)."""
    return mark_safe(late_rows_of(context, instructions, instructs_in))


@register.simple_tag
def punctuality_rows(weeks, unit_id):
    """The unit page's week-by-week rows (``cockpit.unit_tables``)."""
    return mark_safe(unit_tables.punctuality_rows(weeks, unit_id))


@register.simple_tag(takes_context=True)
def trend_rows(context, weeks, campaign):
    """The cockpit's weeks (``cockpit.selectors.trend``), a row each: a week its round closed
    links to its bulletin and each number to the tasks behind it (``{% drill %}``'s links)."""
    drill_base = escape(_reverse(context, "cockpit:tasks", campaign.slug))
    round_url = address_of("cycles:round")
    words = escaped_labels(
        {
            "bulletin": _("The weekly bulletin lists the tasks behind these figures"),
            "reconstructed": _("Reconstructed from the history"),
            "red": _("red"),
            "overdue": _("overdue"),
            "rate": _("reporting rate"),
            "made": _("reports made / owed"),
            "progress": _("average progress"),
            "closed": _("closed that week"),
        }
    )
    separator = tables.decimal_separator()
    return mark_safe(
        "".join(_trend_row(week, words, drill_base, round_url, separator) for week in weeks)
    )


def _trend_row(week, words: dict, drill_base: str, round_url: str, separator: str) -> str:
    """One week's row; its numbers as ``{{ week.red }}`` printed them (``tables.number``)."""
    red, overdue, closed = str(week.red), str(week.overdue), str(week.closed)
    reported, owed = str(week.reported), str(week.owed)
    rate = tables.number(week.rate, separator)
    progress = tables.number(week.progress, separator)
    head = escape(week.label)
    if week.round_id:
        head = f'<a href="{round_url.format(week.round_id)}" title="{words["bulletin"]}">{head}</a>'
    if week.source == "history":
        head += f' <small class="muted" title="{words["reconstructed"]}">*</small>'
    if week.round_id and week.source == "round":
        week_of = f"&amp;week_of={week.round_id}"
        made = f"{drill_base}?reported=yes&amp;round={week.round_id}"
        cells = (
            f'<a href="{drill_base}?week=red{week_of}" data-count="{red}">{red}</a>',
            f'<a href="{drill_base}?week=overdue{week_of}" data-count="{overdue}">{overdue}</a>',
            f"{rate}%",
            f'<a href="{made}" data-count="{reported}">{reported}</a> / '
            f'<a href="{drill_base}?round={week.round_id}" data-count="{owed}">{owed}</a>',
            f"{progress}%",
            f'<a href="{drill_base}?week=closed{week_of}" data-count="{closed}">{closed}</a>',
        )
    else:
        cells = (red, overdue, f"{rate}%", f"{reported} / {owed}", f"{progress}%", closed)
    tds = "".join(
        f'\n    <td data-label="{words[key]}">{cell}</td>'
        for key, cell in zip(
            ("red", "overdue", "rate", "made", "progress", "closed"), cells, strict=True
        )
    )
    return f'<tr>\n    <th scope="row" class="title">{head}</th>\n{tds}\n\n  </tr>'


@register.filter
def cells(row, lists):
    """A heat-map row's cells in the order of the lists: [(list, {"red": n, "yellow": n})]."""
    return row.cell_list(lists)
