"""A campaign's page's lists and lagging units drawn by ``campaigns/templatetags/
campaign_page.py``: the markup of the template loop they replaced, byte for byte, for every
kind of list (work with and without grey, draft, checklist, measures), with and without the
right to import, in both languages, and names that need escaping."""

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from campaigns.models import Campaign
from tasks.selectors import LightCounts, ListSummary
from tests.factories import CampaignFactory, TaskListFactory

pytestmark = pytest.mark.django_db

OLD_LISTS = (
    "{% load i18n %}{% for ls in lists %}<tr>\n"
    "        <td><a href=\"{% url 'campaigns:list_detail' campaign.slug ls.task_list.pk %}\">"
    "{{ ls.task_list.name }}</a>\n"
    "          <br><small><a href=\"{% url 'campaigns:list_export' campaign.slug ls.task_list.pk %}\">"
    '{% translate "Export" %}</a>{% if can_manage and not ls.task_list.is_draft %} · '
    "<a href=\"{% url 'campaigns:import_start' campaign.slug %}?list={{ ls.task_list.pk }}\">"
    '{% translate "Import a new version" %}</a>{% endif %}</small></td>\n'
    '        <td>{% include "campaigns/_list_counts.html" with ls=ls %}</td></tr>{% endfor %}'
)
NEW_LISTS = "{% load campaign_page %}{% list_rows lists campaign can_manage %}"
OLD_LAGGING = (
    "{% for row in lagging %}<tr><td><a href=\"{% url 'cockpit:unit' row.lead_unit_id %}\">"
    "{{ row.lead_unit__name }}</a></td><td>{{ row.red }}</td><td>{{ row.yellow }}</td>"
    "<td>{{ row.total }}</td></tr>{% endfor %}"
)
NEW_LAGGING = "{% load campaign_page %}{% lagging_rows lagging %}"


def _lists(campaign: Campaign) -> list[ListSummary]:
    lists = []
    for n, (kind, published, counts) in enumerate(
        [
            ("reform", True, LightCounts(green=3, yellow=1, red=2, grey=0, closed=1)),
            ("policy", True, LightCounts(green=1, yellow=0, red=0, grey=4, closed=0)),
            ("service", False, LightCounts(green=1)),
            ("checklist", True, LightCounts(grey=1)),
            ("checklist", True, LightCounts(grey=7)),
            ("measure", True, LightCounts(grey=2)),
            ("measure", True, LightCounts(grey=1)),
        ]
    ):
        task_list = TaskListFactory(
            campaign=campaign,
            kind=kind,
            name=f"清单<{n}>&“引号”",
            published_at=timezone.now() if published else None,
        )
        lists.append(ListSummary(task_list=task_list, counts=counts))
    return lists


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("can_manage", [True, False])
def test_list_rows_are_the_templates_markup(language, can_manage):
    campaign = CampaignFactory()
    context = {"lists": _lists(campaign), "campaign": campaign, "can_manage": can_manage}
    with translation.override(language):
        old = Template(OLD_LISTS).render(Context(context))
        new = Template(NEW_LISTS).render(Context(context))
    assert new == old
    assert 'data-testid="draft"' in old and old.count('data-testid="lines"') == 4
    assert "light-grey" in old and "&lt;1&gt;" in old


def test_lagging_rows_are_the_templates_markup():
    lagging = [
        {
            "lead_unit_id": 7,
            "lead_unit__name": "区<住建>局 & “办”",
            "red": 3,
            "yellow": 0,
            "total": 12,
        },
        {"lead_unit_id": 12, "lead_unit__name": "区医保局", "red": 0, "yellow": 2, "total": 1000},
    ]
    old = Template(OLD_LAGGING).render(Context({"lagging": lagging}))
    new = Template(NEW_LAGGING).render(Context({"lagging": lagging}))
    assert new == old and "&lt;住建&gt;" in new
