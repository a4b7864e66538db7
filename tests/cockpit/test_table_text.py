"""The text the cockpit's Python-drawn tables print is what the templates printed: numbers as
``{{ n }}`` localises them (``cockpit.tables.number``), labels escaped as ``{{ label }}``
escapes them (``config.pages.escaped_labels``), links escaped as ``{% drill %}``'s."""

from decimal import Decimal
from html import escape

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from cockpit.tables import Links, decimal_separator, drill_query, number
from config.pages import escaped_labels
from tests.factories import CampaignFactory

NUMBERS = [0, 7, 1234567, -3, Decimal("0.0"), Decimal("12.5"), Decimal("100.0"), Decimal("-3.25")]
NUMBERS += [Decimal("1E+3"), Decimal("0.001"), Decimal("1.5E-7")]


def printed(value) -> str:
    return Template("{{ n }}").render(Context({"n": value}))


@pytest.mark.parametrize("language", ["zh-hans", "en", "de"])
def test_numbers_print_as_the_template_prints_them(language):
    with translation.override(language):
        separator = decimal_separator()
        for value in NUMBERS:
            assert number(value, separator) == printed(value), value


def test_a_language_with_a_decimal_comma_gets_it():
    with translation.override("de"):
        assert number(Decimal("12.5"), decimal_separator()) == "12,5"


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_with_thousands_separators_asked_for_numbers_are_localised():
    with translation.override("en"):
        for value in (1234567, Decimal("1234.5")):
            assert number(value, decimal_separator()) == printed(value) == f"{value:,}"


def test_labels_are_escaped_as_the_template_escapes_them():
    words = {"a": "<b>红灯</b> & \"x\" 'y'", "lazy": gettext_lazy("red")}

    with translation.override("en"):
        labels = escaped_labels(words)
        assert labels == {
            "a": Template("{{ a }}").render(Context(words)),
            "lazy": "red",
        }
    assert labels["a"] == "&lt;b&gt;红灯&lt;/b&gt; &amp; &quot;x&quot; &#x27;y&#x27;"


@pytest.mark.django_db
def test_drill_links_are_escaped_as_the_whole_address_was():
    links = Links(CampaignFactory(slug="reform-2026"))
    for params in (
        {},
        {"lead_unit": 3, "light": "red"},
        {"q": "联合 验收&<'\">", "overdue": True, "task_list": 12, "status": ""},
        {"round": 5, "reported": "yes", "round_unit": 7},
    ):
        assert links.drill(**params) == escape(links.tasks + drill_query(params)), params
    assert (
        links.drill(light="red", lead_unit=3)
        == "/cockpit/campaign/reform-2026/tasks/?lead_unit=3&amp;light=red"
    )
