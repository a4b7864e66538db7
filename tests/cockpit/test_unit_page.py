"""A unit's page: its tasks across campaigns (lead and supporting), reporting week by week,
ratings and ranks, measures and targets, as each role may see them; every number a link to
exactly its tasks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cycles.models import MonthlyReview, UnitMonth
from measures.models import Application
from measures.services import application_add
from tasks.lights import Light
from tasks.models import Task, TaskSupport
from tests.cockpit.conftest import count_links, task_ids
from tests.cockpit.test_figures import follow
from tests.factories import TaskFactory, TaskListFactory

pytestmark = pytest.mark.django_db


def units_work(w, unit, *, campaigns=None):
    supported = TaskSupport.objects.filter(unit=unit).values("task_id")
    qs = Task.objects.filter(task_list__kind__in=["reform", "policy", "service", "rectification"])
    qs = (qs.filter(lead_unit=unit) | qs.filter(pk__in=supported)).exclude(status="draft")
    if campaigns is not None:
        qs = qs.filter(task_list__campaign__in=campaigns)
    return qs


@pytest.mark.parametrize("who", ["lead_staff", "lead_head", "leader", "coordinator"])
def test_the_units_figures_equal_plain_counts_and_each_link_opens_them(client, scene, who):
    user = getattr(scene, who)
    client.force_login(user)
    campaigns = [scene.campaign] if who == "coordinator" else None
    mine = list(units_work(scene, scene.lead, campaigns=campaigns))

    html = client.get(reverse("cockpit:unit", args=[scene.lead.pk])).content.decode()

    table = html.split('data-testid="unit-campaigns"', 1)[1].split("</table>", 1)[0]
    links = count_links(table)
    red = [n for url, n in links if "light=red" in url]
    expected_red = {}
    for t in mine:
        if t.lead_unit_id == scene.lead.pk and t.light_on(scene.today).light == Light.RED:
            campaign = t.task_list.campaign_id
            expected_red[campaign] = expected_red.get(campaign, 0) + 1
    assert sorted(red) == sorted(expected_red.values())
    for url, number in count_links(html):
        assert len(follow(client, url)) == number, url
    listed = follow(client, reverse("cockpit:unit", args=[scene.lead.pk]))
    assert listed == {t.pk for t in mine}
    # The other campaign's red task is the unit's too: a coordinator of this one does not see it.
    assert (scene.foreign_red.pk in listed) == (who != "coordinator")


def test_staff_see_lead_and_supporting_tasks_of_their_unit_only(client, scene):
    client.force_login(scene.support_staff)
    url = reverse("cockpit:unit", args=[scene.support.pk])

    everything = follow(client, url)
    supporting = follow(client, url + "?role=support")

    assert scene.red1.pk in supporting  # 区大数据局 supports red1
    assert {scene.yellow2.pk, scene.green.pk} <= everything - supporting
    assert scene.red2.pk not in everything
    assert client.get(reverse("cockpit:unit", args=[scene.lead.pk])).status_code == 404


def test_reporting_week_by_week_counts_the_rounds_reports(client, scene):
    client.force_login(scene.other_staff)

    html = client.get(reverse("cockpit:unit", args=[scene.other.pk])).content.decode()

    table = html.split('data-testid="punctuality"', 1)[1].split("</table>", 1)[0]
    numbers = {url.split("reported=")[-1].split("&")[0] if "reported" in url else "owed": n
               for url, n in count_links(table)}  # fmt: skip
    owed = Task.objects.filter(round_items__round=scene.round, round_items__lead_unit=scene.other)
    # 区发展改革局 owed red2, yellow1 and the ongoing task; yellow1 was reported after Thursday.
    assert numbers == {"owed": owed.count(), "yes": 1, "late": 1, "no": owed.count() - 1}
    late = follow(client, reverse("cockpit:unit", args=[scene.other.pk])
                  + f"?round={scene.round.pk}&round_unit={scene.other.pk}&reported=late")  # fmt: skip
    assert late == {scene.yellow1.pk}


def test_ratings_ranks_and_measures_of_the_unit(client, scene):
    october = MonthlyReview.objects.create(
        campaign=scene.campaign, month=datetime.date(2026, 10, 1), status="certified"
    )
    november = MonthlyReview.objects.create(
        campaign=scene.campaign, month=datetime.date(2026, 11, 1), status="certified"
    )
    UnitMonth.objects.create(review=october, unit=scene.lead, tasks=3, score=60, rank=3)
    UnitMonth.objects.create(review=october, unit=scene.other, tasks=3, score=100, rank=1)
    UnitMonth.objects.create(review=november, unit=scene.lead, tasks=3, score=100, rank=1)
    line = TaskFactory(
        task_list=TaskListFactory(campaign=scene.campaign, kind="measure"), title="约谈"
    )
    application_add(
        campaign=scene.campaign, line=line, by=scene.coordinator, unit=scene.lead, grounds="滞后"
    )
    client.force_login(scene.lead_head)

    html = client.get(reverse("cockpit:unit", args=[scene.lead.pk])).content.decode()

    ratings = html.split('data-testid="ratings"', 1)[1].split("</table>", 1)[0]
    assert ratings.count("<tr>") == 3  # the header and two months
    assert "↑2" in ratings  # third in October, first in November
    assert Application.objects.get().unit == scene.lead
    assert "约谈" in html.split('id="measures"', 1)[1]
    client.force_login(scene.other_staff)
    other = client.get(reverse("cockpit:unit", args=[scene.other.pk])).content.decode()
    assert "约谈" not in other.split('id="measures"', 1)[1]


def test_a_unit_page_shows_only_work(client, scene):
    checklist = TaskListFactory(campaign=scene.campaign, kind="checklist")
    question = TaskFactory(task_list=checklist, lead_unit=scene.lead, title="是否公开")
    client.force_login(scene.lead_staff)

    html = client.get(reverse("cockpit:unit", args=[scene.lead.pk])).content.decode()

    assert question.pk not in task_ids(html) and scene.draft.pk not in task_ids(html)


def test_more_ratings_and_measures_cost_no_more_queries(client, scene):
    """The ratings and the measures are read with the columns they show (``only``): a row
    asks for nothing more, in the unit page or in the campaign's cockpit."""
    measures = TaskListFactory(campaign=scene.campaign, kind="measure")
    pages = [
        (scene.lead_head, reverse("cockpit:unit", args=[scene.lead.pk])),
        (scene.leader, reverse("cockpit:campaign", args=[scene.campaign.slug])),
    ]
    scene.lead_staff.display_name = "王<科员>"
    scene.lead_staff.save()

    def month_and_measure(n: int) -> None:
        review = MonthlyReview.objects.create(
            campaign=scene.campaign, month=datetime.date(2026, n, 1), status="certified"
        )
        UnitMonth.objects.create(review=review, unit=scene.lead, tasks=3, score=80 + n, rank=n)
        line = TaskFactory(task_list=measures, title=f"约谈{n}")
        application_add(
            campaign=scene.campaign,
            line=line,
            by=scene.coordinator,
            unit=scene.lead,
            person=scene.lead_staff if n % 2 else None,
            grounds=f"滞后{n}",
        )

    def queries() -> tuple[list[int], str]:
        counts = []
        for user, url in pages:
            client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                html = client.get(url).content.decode()
            counts.append(len(ctx.captured_queries))
        return counts, html

    month_and_measure(1)
    few, _html = queries()
    for n in range(2, 6):
        month_and_measure(n)
    many, html = queries()

    assert many == few
    shown = html.split('id="measures"', 1)[1].split("</section>", 1)[0]
    assert shown.count("<li>") == 5 and "约谈5" in shown and "（王&lt;科员&gt;）" in shown


@pytest.mark.parametrize("who", ["lead_staff", "leader", "coordinator"])
@pytest.mark.parametrize("query", ["", "?page=2", "?role=lead"])
def test_the_page_is_the_same_with_its_statements_prepared_or_built(
    client, scene, who, query, monkeypatch
):
    """On PostgreSQL the page's statements are compiled once (``config.prepared``) and its
    unfiltered table's count is the campaigns' counts added up; built each time (as on
    SQLite), the page is the same, byte for byte, and costs one query more unfiltered."""
    from cockpit.selectors import units
    from config import prepared as prepared_module
    from tasks import table_rows

    for i in range(55):  # more than a page of the unit's tasks
        TaskFactory(task_list=scene.task_list, lead_unit=scene.lead, title=f"任务{i}")
    client.force_login(getattr(scene, who))
    url = reverse("cockpit:unit", args=[scene.lead.pk]) + query

    def page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        return html.split("<main", 1)[1].split("</main>", 1)[0], len(ctx.captured_queries)

    prepared, prepared_queries = page()
    compiled = prepared_module.prepares()  # PostgreSQL; SQLite builds them either way
    for module in (prepared_module, units, table_rows):
        monkeypatch.setattr(module, "prepares", lambda: False)
    built, built_queries = page()

    assert prepared == built
    # Unfiltered, the table's count is the campaigns' counts added up: one query fewer.
    assert prepared_queries == built_queries - (1 if compiled and "role" not in query else 0)


def test_ratings_and_measures_read_as_columns_draw_what_whole_rows_drew(scene):
    """``unit_ratings`` and ``unit_measures`` build the ratings and the measures from the
    columns the page shows; the page's own loops draw them as they drew the rows read whole
    (``select_related``, ``applied_measures``), and the chart is the same."""
    from pathlib import Path

    from django.conf import settings
    from django.db.models import Count, OuterRef, Subquery
    from django.template import Context, Template

    from campaigns.models import Campaign
    from cockpit.selectors.units import (
        RatingRow,
        applied_measures,
        score_series,
        unit_measures,
        unit_ratings,
    )
    from tests.factories import CampaignFactory

    other = CampaignFactory(name="另一<行动>")
    for n, (campaign, score, rank) in enumerate(
        [(scene.campaign, "60.50", 3), (other, "88", 2), (scene.campaign, "100", 1)]
    ):
        review = MonthlyReview.objects.create(
            campaign=campaign, month=datetime.date(2026, 9 + n, 1), status="certified"
        )
        UnitMonth.objects.create(review=review, unit=scene.lead, tasks=3, score=score, rank=rank)
        UnitMonth.objects.create(review=review, unit=scene.other, tasks=2, score=50, rank=4)
    measures = TaskListFactory(campaign=scene.campaign, kind="measure")
    for n in range(3):
        application_add(
            campaign=scene.campaign,
            line=TaskFactory(task_list=measures, title=f"约谈<{n}>"),
            by=scene.coordinator,
            unit=scene.lead,
            person=scene.lead_staff if n % 2 else None,
            grounds="滞后" * 40,
        )
    ranked = (
        UnitMonth.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    whole, before = [], {}
    for figure in (
        UnitMonth.objects.filter(unit=scene.lead)
        .select_related("review__campaign")
        .annotate(of=Subquery(ranked))
        .order_by("review__month", "review__campaign__name")
    ):
        previous = before.get(figure.review.campaign_id)
        change = previous.rank - figure.rank if previous is not None else None
        whole.append(RatingRow(figure=figure, of=figure.of, rank_change=change))
        before[figure.review.campaign_id] = figure
    page = (Path(settings.BASE_DIR) / "templates/cockpit/unit.html").read_text()
    ratings = page.index("<tbody>{% for r in ratings %}")
    ratings_end = page.index("{% endfor %}</tbody>", ratings) + len("{% endfor %}</tbody>")
    measures = page.index("<p>{% blocktranslate with i=")
    measures_end = page.index("{% endfor %}</ul>{% endif %}", measures) + len(
        "{% endfor %}</ul>{% endif %}"
    )
    loops = "{% load i18n cockpit %}" + page[ratings:ratings_end] + page[measures:measures_end]
    columns = {
        "ratings": unit_ratings(reach="all", unit_id=scene.lead.pk, user_id=scene.leader.pk),
        "measures": unit_measures(reach="all", unit_id=scene.lead.pk, user_id=scene.leader.pk),
    }
    rows = {
        "ratings": whole,
        "measures": applied_measures(campaigns=Campaign.objects.all(), unit=scene.lead),
    }

    drawn = Template(loops).render(Context(columns))
    assert drawn == Template(loops).render(Context(rows))
    assert score_series(columns["ratings"]) == score_series(whole)
    assert drawn.count("<tr>") == 3 and "（" in drawn and "&lt;2&gt;" in drawn
