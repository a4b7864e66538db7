"""The top bar's links, drawn in Python by ``{% site_nav %}``: byte for byte what base.html's
``{% if user.is_authenticated %}`` block (kept here) wrote, for each entry of the menu, the
bell with and without unread notices, a person with and without a unit, a staff account and
both languages (the one-time tokens aside: each render draws new ones)."""

import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.permissions import menu

# The block base.html held before the links were drawn in Python.
BLOCK = """{% if user.is_authenticated %}
      <ul class="nav-links">
        {% if menu.my_tasks %}
          <li><a href="{% url 'tasks:mine' %}">{% translate "My tasks" %}</a></li>
        {% endif %}
        {% if menu.cockpit %}
          <li><a href="{% url 'cockpit:overview' %}">{% translate "Cockpit" %}</a></li>
        {% endif %}
        {% if menu.campaigns %}
          <li><a href="{% url 'campaigns:list' %}">{% translate "Campaigns" %}</a></li>
        {% endif %}
        {% if menu.challenges %}
          <li><a href="{% url 'challenges:index' %}">{% translate "Open calls" %}</a></li>
        {% endif %}
        {% if menu.unit_page %}
          <li><a href="{% url 'cockpit:unit' user.unit_id %}">{% translate "Our unit" %}</a></li>
        {% endif %}
        {% if menu.inspections %}
          <li><a href="{% url 'inspections:index' %}">{% translate "Inspections" %}</a></li>
        {% endif %}
        {% if menu.requests %}
          <li><a href="{% url 'tasks:requests' %}">{% translate "Requests" %}</a></li>
        {% endif %}
        <li><a href="{% url 'notifications' %}" class="bell" aria-label="{% translate 'Notifications' %}"><svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>{% with n=unread_count %}{% if n %}<span class="count" data-testid="unread">{{ n }}</span>{% endif %}{% endwith %}</a></li>
        {% if user.is_staff %}<li><a href="{% url 'admin:index' %}">{% translate "Administration" %}</a></li>{% endif %}
        {% if menu.audit %}<li><a href="{% url 'audit:events' %}">{% translate "Audit trail" %}</a></li>{% endif %}
        <li class="who"><small><a href="{% url 'sessions' %}" title="{% translate 'Account security' %}">{{ user }}</a>{% if user.unit %} · {{ user.unit }}{% endif %}</small></li>
        <li>
          <form method="post" action="{% url 'logout' %}" class="inline">{% csrf_token %}{% form_token %}
            <button type="submit" class="secondary outline small" title="{{ user }}{% if user.unit %} · {{ user.unit }}{% endif %}">{% translate "Log out" %}</button>
          </form>
        </li>
      </ul>
      {% endif %}"""

TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|_form_token)" value=")[^"]*(")')
KEYS = ("my_tasks", "cockpit", "unit_page", "campaigns", "requests", "inspections")
KEYS += ("challenges", "audit")


class _Person(SimpleNamespace):
    """An account as the templates read it: its name, its unit (or none), staff or not."""

    def __str__(self):
        return "张三<管理员>"


def _person(*, unit: str | None, staff: bool = False) -> _Person:
    return _Person(
        is_authenticated=True,
        is_staff=staff,
        unit_id=7 if unit else None,
        unit=_Unit(unit) if unit else None,
    )


class _Unit(str):
    """A unit prints as its name."""


def _both(values: dict) -> tuple[str, str]:
    before = Template("{% load i18n %}" + BLOCK).render(Context(values))
    after = Template("{% load site_nav %}{% site_nav %}").render(Context(values))
    return TOKENS.sub(r"\1…\2", before), TOKENS.sub(r"\1…\2", after)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("shown", [(), KEYS, ("my_tasks", "unit_page", "challenges"), ("audit",)])
@pytest.mark.parametrize("unread", [0, 3])
def test_the_links_are_what_the_templates_block_wrote(language, shown, unread):
    for person in (_person(unit="区发展和改革局"), _person(unit=None, staff=True)):
        values = {
            "user": person,
            # "Our unit" only for a person of a unit (accounts.permissions.menu).
            "menu": {key: key in shown and (key != "unit_page" or person.unit) for key in KEYS},
            "unread_count": lambda n=unread: n,
            "csrf_token": "abc&def",
        }
        with translation.override(language):
            before, after = _both(values)
        assert after == before
        assert ('data-testid="unread"' in after) == bool(unread)


def test_a_visitor_not_signed_in_gets_nothing_as_before():
    values = {"user": SimpleNamespace(is_authenticated=False), "menu": {}}
    assert _both(values) == ("", "")


@pytest.mark.django_db
def test_a_real_person_and_menu_draw_the_same(world):
    """With a real account (its unit read from the database) and the menu's own rules."""
    for person in (world.lead_staff, world.coordinator):
        values = {"user": person, "menu": menu(person), "unread_count": 2, "csrf_token": "t"}
        before, after = _both(values)
        assert after == before and "nav-links" in after
