"""``{% awaiting_rows %}``: the tasks of 我的任务's 签收 box, written in Python.

The same markup as the ``{% for %}`` it replaces (a ``{% url %}``, a filter and a dozen lookups
for each of up to 50 rows); tests/tasks check the rows against the template's.
"""

import unicodedata
from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from config.pages import address_of

register = template.Library()

_ROW = (
    '<li><a href="{url}">{code} {title}</a> <small class="muted">{campaign}</small>{flag}'
    '<input type="hidden" name="task" value="{pk}"></li>'
)


def _cut(title: str) -> str:
    """``truncatechars:50``, which returns the title NFC-normalised, cut when it counts more
    than 50 characters (not counting combining ones): a title already in NFC of at most 50
    characters comes back unchanged, without building its ``Truncator``."""
    if len(title) <= 50 and unicodedata.is_normalized("NFC", title):
        return title
    return truncatechars(title, 50)


@register.simple_tag
def awaiting_rows(tasks) -> SafeString:
    """One ``<li>`` per task waiting for 签收 (``tasks.acknowledgements.Awaiting``). The
    values escaped as ``conditional_escape`` did (``html.escape`` of their text: Django's
    ``escape``); a title short enough is as ``truncatechars`` leaves it."""
    url = address_of("tasks:detail")
    flag = f' <mark class="flag">{escape(_("overdue"))}</mark>'
    rows = [
        _ROW.format(
            url=url.format(task.pk),
            code=escape(task.code),
            title=escape(_cut(task.title)),
            campaign=escape(str(task.task_list.campaign)),
            flag=flag if task.acknowledgement_state == "overdue" else "",
            pk=task.pk,
        )
        for task in tasks
    ]
    return mark_safe("".join(rows))  # every value above is escaped
