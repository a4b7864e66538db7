"""``{% site_nav %}``: the top bar's links for the person signed in, written in Python.

Every page draws them: some twenty tags, ``{% url %}`` and ``{% translate %}`` each ten
times, a third of what the shared frame (base.html) cost a page, on every request. The same
markup as the template held (tests/accounts/test_site_nav.py keeps it and compares, for each
menu, the bell, the unit and both languages); the links each the rule of the page it opens
(``accounts.permissions.menu``, by the context processor).
"""

import html

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.urltag import remembered_reverse
from formtokens.templatetags.formtokens import form_token

register = template.Library()

BELL = (
    '<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" aria-hidden="true"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>'
    '<path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>'
)
# The menu's entries in their order: the menu's key, the page, its words.
ENTRIES = (
    ("my_tasks", "tasks:mine", "My tasks"),
    ("cockpit", "cockpit:overview", "Cockpit"),
    ("campaigns", "campaigns:list", "Campaigns"),
    ("challenges", "challenges:index", "Open calls"),
    ("unit_page", "cockpit:unit", "Our unit"),
    ("inspections", "inspections:index", "Inspections"),
    ("requests", "tasks:requests", "Requests"),
)


def _url(context, name: str, *args) -> str:
    """``{% url %}``'s answer (``config.urltag``'s remembered ``reverse``), escaped as it
    prints."""
    return html.escape(remembered_reverse(context, name, args))


def _entries(context, menu: dict, user) -> str:
    """Each entry's ``{% if %}`` block, shown or empty, and the lines between them."""
    shown = []
    for key, page, words in ENTRIES:
        if not menu.get(key):
            shown.append("")
            continue
        href = _url(context, page, *([user.unit_id] if key == "unit_page" else []))
        shown.append(f'\n          <li><a href="{href}">{_(words)}</a></li>\n        ')
    return "\n        ".join(shown)


@register.simple_tag(takes_context=True)
def site_nav(context) -> SafeString:
    """The links, the bell with its count, the account and the log-out button ("" for a
    visitor not signed in)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return mark_safe("")
    menu = context.get("menu") or {}
    unread = context.get("unread_count")
    count = unread() if callable(unread) else unread
    bell = f'<span class="count" data-testid="unread">{count}</span>' if count else ""
    name = html.escape(str(user))
    unit = f" · {html.escape(str(user.unit))}" if user.unit else ""
    admin = f'<li><a href="{_url(context, "admin:index")}">{_("Administration")}</a></li>'
    audit = f'<li><a href="{_url(context, "audit:events")}">{_("Audit trail")}</a></li>'
    return mark_safe(  # every value above is escaped; the words are the catalogue's
        '\n      <ul class="nav-links">\n        '
        f"{_entries(context, menu, user)}\n        "
        f'<li><a href="{_url(context, "notifications")}" class="bell" '
        f'aria-label="{_("Notifications")}">'
        f"{BELL}{bell}</a></li>\n        "
        f"{admin if user.is_staff else ''}\n        "
        f"{audit if menu.get('audit') else ''}\n        "
        f'<li class="who"><small><a href="{_url(context, "sessions")}" '
        f'title="{_("Account security")}">{name}</a>{unit}</small></li>\n        <li>\n          '
        f'<form method="post" action="{_url(context, "logout")}" class="inline">'
        f"{CsrfTokenNode().render(context)}{form_token()}\n"
        f'            <button type="submit" class="secondary outline small" title="{name}{unit}">'
        f"{_('Log out')}</button>\n          </form>\n        </li>\n      </ul>\n      "
    )
