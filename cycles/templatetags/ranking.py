"""How the ranking's pages print its numbers, and the ranking's rows (cycles/_ranking_table.html),
written here rather than in the template language: each row's two dozen translations, a dozen
conditions and two links were half the draft ranking's CPU. The markup is the template's;
every value written as the template wrote it (``render_value_in_context``: localised,
escaped; the numbers by ``_number``, what ``localize`` writes for them in one call instead of
some forty: a row prints a dozen)."""

from decimal import Decimal
from html import escape

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def plain(value) -> str:
    """A number as a person writes it: 1.5, 0.75, 100 (no trailing zeros, no exponent)."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The optional terms: the flag of ``ranking.used``, the row's value, the column's label.
_TERMS = (
    ("reporting", "term_reporting", "Reporting term"),
    ("punctuality", "term_punctuality", "Punctuality term"),
    ("targets", "term_targets", "Targets term"),
    ("claimed", "term_claimed", "Claimed term"),
    ("penalties", "term_penalties", "Penalties term"),
)


def _words() -> dict[str, str]:
    words = {
        "rank": _("Rank"),
        "change": _("Rank change"),
        "why_title": _("Why this score"),
        "led": _("Led tasks"),
        "supported": _("Supported tasks"),
        "ratings": _("Ratings term"),
        "total": _("Total score"),
        "why": _("why"),
        "board": _("Board"),
        "red": _("Red board"),
        "black": _("Black board"),
    }
    words.update({column: _(label) for _flag, column, label in _TERMS})
    return {key: escape(value) for key, value in words.items()}


@register.simple_tag(takes_context=True)
def ranking_rows(context, ranking, why, review) -> SafeString:
    """The rows of ``ranking.rows``: the columns of the terms ``ranking.used`` says are in the
    formula, a link to why the score where the reader may see it (``why``: unit ids)."""
    words = _words()
    # {% localize off %} around the table: every value as render_value_in_context writes it.
    words["decimal"] = get_format("DECIMAL_SEPARATOR") if context.use_l10n is not False else ""
    used = ranking.used
    terms = [(column, words[column]) for flag, column, _label in _TERMS if _used(used, flag)]
    address = reverse("cycles:unit_score", args=[review.pk, 0]).removesuffix("0/") + "{}/"
    out = []
    for row in ranking.rows:
        out.append(_row(context, row, words, terms, _used(used, "supported"), why, address))
    return mark_safe("".join(out))


def _used(used, flag: str) -> bool:
    return bool(used.get(flag) if isinstance(used, dict) else getattr(used, flag, None))


def _number(value, separator: str, context) -> str:
    """``{{ value }}`` of an int or a Decimal as the template prints it (``localize``: the
    language's decimal separator, no thousands separator unless the settings ask for one;
    the scores are rounded to cents, far from the 200 digits past which it writes 1e+201)."""
    if separator and not settings.USE_THOUSAND_SEPARATOR:
        if type(value) is int:
            return str(value)
        if type(value) is Decimal and value.is_finite():
            return f"{value:f}".replace(".", separator)
    return render_value_in_context(value, context)


def _row(context, row, words, terms, supported, why, address) -> str:
    separator = words["decimal"]

    def value(key):
        found = getattr(row, key, "")
        if type(found) is int or type(found) is Decimal:
            return _number(found, separator, context)
        if type(found) is str and context.autoescape:  # not a SafeString: escaped
            return escape(found)
        return render_value_in_context(found, context)

    name = value("unit_name")
    explained = row.unit_id in why
    href = address.format(row.unit_id)
    if explained:
        name = f'<a href="{href}" title="{words["why_title"]}">{name}</a>'
    change = row.change_label
    board_class = f"board-{value('board')}" if row.board else ""
    cells = [
        f'<tr data-unit="{value("unit_id")}" class="{board_class}">',
        f'\n<td data-label="{words["rank"]}">{value("rank")}</td>',
        f'\n<td data-label="{words["change"]}" class="change">'
        f"{value('change_label') if change else ''}</td>",
        f'\n<td class="title">{name}</td>',
        f'\n<td data-label="{words["led"]}">{value("tasks")}</td>',
    ]
    if supported:
        cells.append(f'<td data-label="{words["supported"]}">{value("supported")}</td>')
    cells.append(f'\n<td data-label="{words["ratings"]}">{value("term_ratings")}</td>')
    cells += [f'<td data-label="{label}">{value(column)}</td>' for column, label in terms]
    why_link = (
        f' <a href="{href}" class="no-print"><small>{words["why"]}</small></a>' if explained else ""
    )
    cells.append(
        f'\n<td data-label="{words["total"]}" class="score"><strong>{value("score")}</strong>'
        f"{why_link}</td>"
    )
    board = ""
    if row.board == "red":
        board = f'<mark class="board red">{words["red"]}</mark>'
    elif row.board == "black":
        board = f'<mark class="board black">{words["black"]}</mark>'
    cells.append(f'\n<td data-label="{words["board"]}">{board}</td>\n</tr>')
    return "".join(cells)
