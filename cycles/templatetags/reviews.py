"""The monthly review page's lines (cycles/review.html), written here rather than in the
template language: at 100 lines a page its loop, a dozen lookups, six translations and a rating
select a line were most of the page's CPU. The markup is the template's, drawn with plain
string formatting."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from config.pages import address_of

register = template.Library()


def _words() -> dict[str, str]:
    """The cells' data-labels and the select's words, translated once a page (unescaped, as
    {% translate %} leaves our own translations)."""
    return {
        "lead_unit": _("Lead unit"),
        "reports": _("Reports"),
        "progress": _("Progress"),
        "proposed": _("Proposed"),
        "why": _("Why"),
        "rating": _("Rating"),
        "not_rated": _("not rated"),
        "href": address_of("tasks:detail"),
    }


@register.simple_tag
def review_rows(items, can_rate, ratings) -> SafeString:
    """The rows of the review's ``items``; with ``can_rate`` a rating select in each (the
    ``ratings`` as choices), else the rating given."""
    words = _words()
    choices = [
        (value, conditional_escape(value), conditional_escape(label)) for value, label in ratings
    ]
    # What get_proposed_display() and get_rating_display() say, translated once a page.
    labels = {value: label for value, _html, label in choices}
    rows = (_review_row(item, words, can_rate, choices, labels) for item in items)
    return mark_safe("".join(rows))


def _review_row(item, words: dict, can_rate: bool, choices: list, labels: dict) -> str:
    task = item.task
    title = conditional_escape(Truncator(task.title).chars(40))
    proposed = labels.get(item.proposed) or conditional_escape(item.proposed)
    if can_rate:
        rating = _rating_select(item, words, choices)
    else:
        rating = labels.get(item.rating) or conditional_escape(item.rating) or "—"
    return (
        f'<tr>\n  <td data-label="{words["lead_unit"]}">{conditional_escape(item.lead_unit)}</td>'
        f'\n  <td class="title"><a href="{words["href"].format(item.task_id)}">'
        f"{conditional_escape(task.code)}. {title}</a></td>"
        f'\n  <td data-label="{words["reports"]}">{item.reports}</td>'
        f'\n  <td data-label="{words["progress"]}">{item.progress}%</td>'
        f'\n  <td data-label="{words["proposed"]}">{proposed}</td>'
        f'\n  <td data-label="{words["why"]}"><span class="reason">'
        f"{conditional_escape(item.reason)}</span></td>"
        f'\n  <td data-label="{words["rating"]}">{rating}</td>\n</tr>'
    )


def _rating_select(item, words: dict, choices: list) -> str:
    options = "".join(
        f'<option value="{html}"{" selected" if item.rating == value else ""}>{label}</option>'
        for value, html, label in choices
    )
    return (
        f'<input type="hidden" name="shown_{item.pk}" value="{conditional_escape(item.rating)}">'
        f'<select name="rating_{item.pk}" aria-label="{words["rating"]}">'
        f'\n      <option value="">{"—" if item.rating else words["not_rated"]}</option>'
        f"\n      {options}\n    </select>"
    )
