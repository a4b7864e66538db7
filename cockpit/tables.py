"""The campaign cockpit's big tables — the heat map (lead unit × list), the unit table, the
categories of each list and the targets by list and by lead unit — drawn row by row in Python,
through the template tags ``heat_rows``, ``unit_rows``, ``category_rows`` and
``attainment_rows``.

At 100,000 tasks they hold some 1,500 numbers, each a link to the tasks it counts, and Django's
template language spent several microseconds on every variable, filter and tag of every cell
(resolving, localising, escaping): most of the page's time. Here a row is one f-string; text is
escaped with ``html.escape`` (every name and label), numbers are ints, and every link is
``Links.drill``, the same query string as the templates' ``{% drill %}``. The markup is what
the templates drew."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from html import escape
from urllib.parse import quote_plus, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import address_of

MUTED_DASH = '<span class="muted">–</span>'
MUTED_NONE = '<span class="muted">—</span>'
NO_CELL = {"red": 0, "yellow": 0}


def drill_query(params: dict) -> str:
    """``?a=1&b=x`` of the params that are set, in the order of their names (True is "1"): the
    one way every cockpit link is written, so equal filters make equal links."""
    parts = []
    for key, value in sorted(params.items()):
        if value in (None, "", False):
            continue
        if value is True:
            parts.append(f"{key}=1")
        elif type(value) is int:
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={_quoted(str(value))}")
    return "?" + "&".join(parts) if parts else ""


@lru_cache(maxsize=512)
def _quoted(value: str) -> str:
    """``quote_plus``: a page's links quote the same few words ("red", "yes") hundreds of
    times, five calls each."""
    return quote_plus(value)


def heat_level(count: int) -> int:
    """The colour step of a heat-map cell (a class, so no inline style is needed): 0–5."""
    for level, at_least in ((5, 20), (4, 10), (3, 5), (2, 2), (1, 1)):
        if count >= at_least:
            return level
    return 0


def decimal_separator() -> str:
    """The active language's decimal separator, asked once for a table of numbers."""
    return get_format("DECIMAL_SEPARATOR")


def number(value, separator: str) -> str:
    """``{{ value }}`` of an int or a Decimal, as the template prints it (``localize``: the
    language's decimal separator, and no thousands separator unless the settings ask for one),
    in one call instead of some forty: a table of weeks prints hundreds. ``separator`` is
    ``decimal_separator()``."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    if type(value) is Decimal and not settings.USE_THOUSAND_SEPARATOR and value.is_finite():
        return f"{value:f}".replace(".", separator)
    return str(localize(value))


def percent(value) -> str:
    return "—" if value is None else f"{value}%"


def rank_change(change) -> str:
    """↑2 (places gained), ↓1 (lost), = (kept); nothing when there is no month before."""
    if change is None:
        return ""
    if change > 0:
        return format_html('<span class="up" title="{}">↑{}</span>', _("places gained"), change)
    if change < 0:
        return format_html('<span class="down" title="{}">↓{}</span>', _("places lost"), -change)
    return format_html('<span class="same" title="{}">=</span>', _("same place"))


class Links:
    """The links of one campaign's cockpit, each URL reversed once."""

    def __init__(self, campaign):
        self.campaign = campaign
        self.tasks = reverse("cockpit:tasks", args=[campaign.slug])
        self._tasks_escaped = escape(self.tasks)
        self._unit = address_of("cockpit:unit")
        self._ledger = ""

    def drill(self, **params) -> str:
        """The drill-down list filtered by ``params``, escaped for an attribute. The query
        string holds nothing to escape but its ``&`` (``drill_query``'s values are quoted):
        the address is escaped once, not in each of a page's thousand links."""
        return self._tasks_escaped + drill_query(params).replace("&", "&amp;")

    def ledger(self, state: str, unit: int) -> str:
        """The campaign's problem ledger filtered by state and unit, escaped."""
        if not self._ledger:
            self._ledger = reverse("problems:ledger", args=[self.campaign.slug])
        params = {k: v for k, v in (("state", state), ("unit", unit)) if v}
        return escape(self._ledger + (f"?{urlencode(params)}" if params else ""))

    def unit(self, pk: int) -> str:
        return self._unit.format(pk)


def _count(href: str, n: int, css: str = "") -> str:
    attr = f'class="{css}" ' if css else ""
    return f'<a {attr}href="{href}" data-count="{n}">{n}</a>'


def heat_rows(rows: Iterable, lists: list, links: Links) -> SafeString:
    """The heat map's body: a unit a row, red / yellow per list, then the unit's totals."""
    red_label, yellow_label = escape(_("red")), escape(_("yellow"))
    names = [(t.pk, escape(t.name)) for t in lists]
    out = []
    for row in rows:
        unit_id, unit = row.unit_id, escape(row.unit)
        # ``drill(lead_unit=…, light=…)``, to which a cell adds its list: the names sort
        # lead_unit, light, task_list, and the ids are positive ints (as ``drill`` writes them).
        red_base = links.drill(lead_unit=unit_id, light="red")
        yellow_base = links.drill(lead_unit=unit_id, light="yellow")
        out.append(f'<tr><th scope="row"><a href="{links.unit(unit_id)}">{unit}</a></th>')
        for pk, name in names:
            cell = row.cells.get(pk, NO_CELL)
            red, yellow = cell["red"], cell["yellow"]
            red_link = (
                f'<a class="red" href="{red_base}&amp;task_list={pk}"'
                f' data-count="{red}" title="{unit} · {name} · {red_label}">{red}</a>'
                if red
                else MUTED_DASH
            )
            yellow_link = (
                f'<a class="yellow" href="{yellow_base}&amp;task_list={pk}"'
                f' data-count="{yellow}" title="{unit} · {name} · {yellow_label}">{yellow}</a>'
                if yellow
                else MUTED_DASH
            )
            out.append(
                f'<td class="heat-cell heat-r{heat_level(red)}">{red_link}'
                f' <span class="muted">/</span> {yellow_link}</td>'
            )
        out.append(
            f"<td>{_count(red_base, row.red, 'red')}"
            f' <span class="muted">/</span> '
            f"{_count(yellow_base, row.yellow, 'yellow')}</td>"
            "</tr>"
        )
    return mark_safe("".join(out))  # every text above is escaped


def category_rows(breakdown, links: Links) -> SafeString:
    """One list's categories (``breakdowns.ListBreakdown``), each count a link."""
    labels = {
        "tasks": escape(_("tasks")),
        "closed": escape(_("closed")),
        "on_track": escape(_("on track")),
        "yellow": escape(_("yellow")),
        "red": escape(_("red")),
        "overdue": escape(_("overdue")),
    }
    filters = (
        ("tasks", ""),
        ("closed", "&amp;status=closed"),
        ("on_track", "&amp;status=in_progress&amp;light=green"),
        ("yellow", "&amp;light=yellow"),
        ("red", "&amp;light=red"),
        ("overdue", "&amp;overdue=1"),
    )
    no_category = f'<span class="muted">{escape(_("No category"))}</span>'
    list_pk = breakdown.task_list.pk
    out = []
    for row in breakdown.rows:
        if row.category_id:
            name, base = escape(row.name), links.drill(task_list=list_pk, category=row.category_id)
        else:
            name, base = no_category, links.drill(task_list=list_pk, uncategorised=True)
        out.append(f'<tr><th scope="row" class="title">{name}</th>')
        for key, more in filters:
            out.append(
                f'<td data-label="{labels[key]}">{_count(base + more, row.counts[key])}</td>'
            )
        out.append("</tr>")
    return mark_safe("".join(out))  # every text above is escaped


def unit_rows(rows: Iterable, table, links: Links, *, ledger_links: bool) -> SafeString:
    """The unit table's body (``breakdowns.UnitTable``): a lead unit's tasks, red and overdue;
    its reporting this week (counted, linked) and last month (the snapshots); its score and
    rank; its problems by state."""
    labels = [
        escape(_(text))
        for text in (
            "tasks",
            "red",
            "overdue",
            "reporting this week",
            "reporting last month",
            "score and rank",
            "Problems",
        )
    ]
    round_id = table.round.pk if table.round else None
    bulletin = (
        escape(reverse("cycles:review_bulletin", args=[table.review.pk])) if table.review else ""
    )
    out = []
    for u in rows:
        unit_id, counts, unit_url = u.unit_id, u.counts, links.unit(u.unit_id)
        red, overdue = counts["red"], counts["overdue"]
        # ``drill(lead_unit=…)``, then with light=red or overdue=1 after it (names sort so).
        base = links.drill(lead_unit=unit_id)
        cells = [
            _count(base, counts["tasks"]),
            _count(f"{base}&amp;light=red", red, "red" if red else ""),
            _count(f"{base}&amp;overdue=1", overdue, "red" if overdue else ""),
            _week(u, round_id, links),
            (
                f'<a href="{unit_url}#punctuality">{percent(u.month_rate)}</a>'
                f' <small class="muted">({u.month["reported"]}/{u.month["owed"]})</small>'
                if u.month.get("owed")
                else MUTED_NONE
            ),
            (
                f'<a href="{bulletin}">{localize(u.score)} · '
                f"{escape(_('No. %(rank)s') % {'rank': u.rank})}</a> {rank_change(u.rank_change)}"
                if u.rank
                else MUTED_NONE
            ),
        ]
        out.append(
            f'<tr><th scope="row" class="title"><a href="{unit_url}">{escape(u.unit)}</a></th>'
        )
        out.extend(
            f'<td data-label="{label}">{cell}</td>'
            for label, cell in zip(labels[:6], cells, strict=True)
        )
        out.append(
            f'<td data-label="{labels[-1]}" class="problem-counts">'
            f"{_problems(u, links, ledger_links)}</td></tr>"
        )
    return mark_safe("".join(out))  # every text above is escaped


def _week(u, round_id, links: Links) -> str:
    if not u.week.get("owed"):
        return MUTED_NONE
    reported, owed = u.week["reported"], u.week["owed"]
    return (
        f"{percent(u.week_rate)} <small>("
        f"{_count(links.drill(round=round_id, round_unit=u.unit_id, reported='yes'), reported)}/"
        f"{_count(links.drill(round=round_id, round_unit=u.unit_id), owed)})</small>"
    )


def _problems(u, links: Links, ledger_links: bool) -> str:
    """The unit's problems: the total, then each state that has any (as ``problems``'
    ``count_columns`` gives them), each a link to the ledger where the reader sees it whole."""
    if not u.problems:
        return '<span class="muted">0</span>'
    out = []
    for index, (state, n, label) in enumerate(u.problems):
        number = (
            f'<a href="{links.ledger(state, u.unit_id)}" data-problems="{n}">{n}</a>'
            if ledger_links
            else f"{n}"
        )
        if index == 0:
            out.append(number)
        elif n:
            out.append(f" <small>{escape(str(label))} {number}</small>")
    return "".join(out)


def attainment_rows(rows: Iterable, links: Links, by: str) -> SafeString:
    """The targets rolled up by list or lead unit (``tasks.attainment.AttainmentRow``), each
    number a link to the tasks holding those targets (``by``: "task_list" or "lead_unit")."""
    labels = {
        "any": escape(_("Targets")),
        "met": escape(_("met")),
        "not_met": escape(_("not met")),
        "unmeasured": escape(_("not measured")),
    }
    share_label = escape(_("of the way"))
    out = []
    for r in rows:
        base = links.drill(**{by: r.key})
        out.append(f'<tr><th scope="row" class="title">{escape(r.name)}</th>')
        for target, n in (
            ("any", r.targets),
            ("met", r.met),
            ("not_met", r.not_met),
            ("unmeasured", r.unmeasured),
        ):
            out.append(
                f'<td data-label="{labels[target]}"><a href="{base}&amp;target={target}"'
                f' data-targets="{target}" data-n="{n}">{n}</a></td>'
            )
        share = r.share
        out.append(
            f'<td data-label="{share_label}">{"—" if share is None else f"{share}%"}</td></tr>'
        )
    return mark_safe("".join(out))  # every text above is escaped
