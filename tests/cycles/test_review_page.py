"""The monthly review page at scale: pages of 100 lines, filters kept across pages, bulk confirm
of every page, rating a line on a later page, and a query count that does not grow."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cycles.models import MonthlyReview, Rating, ReviewItem, UnitMonth
from tests.factories import TaskFactory, TaskListFactory, UnitFactory

pytestmark = pytest.mark.django_db

PROPOSALS = [Rating.ON_TRACK, Rating.BEHIND, Rating.NOT_COMPLETED, Rating.COMPLETED]


def add_lines(review, unit, n: int, start: int = 0) -> list[ReviewItem]:
    """``n`` tasks of ``unit`` in the review, their proposals in turn."""
    tasks = [
        TaskFactory(
            task_list=review.task_list,
            lead_unit=unit,
            code=f"{unit.pk}-{start + i:04d}",
            title=f"{unit.name}任务{start + i:04d}",
            order=start + i,
        )
        for i in range(n)
    ]
    return ReviewItem.objects.bulk_create(
        ReviewItem(
            review=review,
            task=task,
            lead_unit=unit,
            proposed=PROPOSALS[i % len(PROPOSALS)],
            reason="—",
        )
        for i, task in enumerate(tasks)
    )


@pytest.fixture
def review(world):
    """October's review of a campaign with 150 tasks led by one unit and 100 by another."""
    review = MonthlyReview.objects.create(campaign=world.campaign, month=datetime.date(2026, 10, 1))
    review.task_list = world.task_list
    add_lines(review, world.lead, 150)
    add_lines(review, world.other, 100)
    return review


def page(client, review, **query):
    response = client.get(reverse("cycles:review", args=[review.pk]), query)
    assert response.status_code == 200
    return response


def rows(response) -> list[ReviewItem]:
    return list(response.context["items"])


def test_the_review_shows_100_lines_a_page_and_the_pager_keeps_the_filters(client, review, world):
    client.force_login(world.coordinator)

    first = page(client, review)
    assert len(rows(first)) == 100
    assert first.context["page"].paginator.num_pages == 3
    assert "第1/3页（共250项任务）" in first.content.decode()

    other = page(client, review, unit=world.other.pk, proposed=Rating.BEHIND)
    assert {i.lead_unit_id for i in rows(other)} == {world.other.pk}
    assert {i.proposed for i in rows(other)} == {Rating.BEHIND}
    assert len(rows(other)) == 25
    assert other.context["page"].paginator.num_pages == 1

    lead = page(client, review, unit=world.lead.pk, page=2)
    assert len(rows(lead)) == 50
    body = lead.content.decode()
    assert "第2/2页（共150项任务）" in body
    assert f'href="?unit={world.lead.pk}&page=1"' in body  # "previous" keeps the filter


def test_the_search_finds_a_task_by_its_number_or_words_of_its_title(client, review, world):
    client.force_login(world.coordinator)
    wanted = ReviewItem.objects.select_related("task").filter(lead_unit=world.other).first()

    by_code = rows(page(client, review, q=wanted.task.code))
    by_title = rows(page(client, review, q=f"{world.other.name}任务 0007"))

    assert [i.pk for i in by_code] == [wanted.pk]
    assert [i.task.title for i in by_title] == [f"{world.other.name}任务0007"]


def test_the_rating_filter_tells_rated_from_not_yet_rated(client, review, world):
    rated = list(ReviewItem.objects.filter(review=review)[:3])
    ReviewItem.objects.filter(pk__in=[i.pk for i in rated]).update(rating=Rating.BEHIND)
    client.force_login(world.coordinator)

    assert {i.pk for i in rows(page(client, review, rating=Rating.BEHIND))} == {i.pk for i in rated}
    unrated = page(client, review, rating="unrated")
    assert unrated.context["page"].paginator.count == 247
    # A value nobody offered (a stale link) is ignored rather than failing the page.
    assert page(client, review, rating="nonsense", unit="x").context["page"].paginator.count == 250


def test_confirming_all_confirms_every_page_and_says_so(client, review, world):
    client.force_login(world.coordinator)
    filters = f"unit={world.other.pk}&page=1"

    response = client.post(
        reverse("cycles:review_confirm_all", args=[review.pk]), {"query": filters}
    )

    assert not ReviewItem.objects.filter(review=review, rating="").exists()  # all 250
    assert ReviewItem.objects.filter(review=review, rating=Rating.BEHIND).count() == 63
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "已确认250项建议评定（涵盖本次认定的所有页）。"
    location = urlsplit(response["Location"])
    assert location.path == reverse("cycles:review", args=[review.pk])
    assert parse_qs(location.query) == {"unit": [str(world.other.pk)], "page": ["1"]}


def test_rating_lines_on_a_later_page_changes_those_lines_only_and_returns_there(
    client, review, world
):
    client.force_login(world.coordinator)
    third = rows(page(client, review, page=3))
    version = review.version
    chosen = third[10]

    response = client.post(
        reverse("cycles:review_rate", args=[review.pk]),
        {f"rating_{chosen.pk}": Rating.COMPLETED, "query": "page=3"},
    )

    assert response["Location"] == reverse("cycles:review", args=[review.pk]) + "?page=3"
    assert list(ReviewItem.objects.exclude(rating="").values_list("pk", "rating")) == [
        (chosen.pk, Rating.COMPLETED)
    ]
    review.refresh_from_db()
    assert review.version == version + 1
    # Certifying from a page opened before that change is refused (optimistic locking).
    client.post(reverse("cycles:review_confirm_all", args=[review.pk]))
    stale = client.post(reverse("cycles:review_certify", args=[review.pk]), {"version": version})
    assert stale["Location"] == reverse("cycles:review", args=[review.pk])
    assert not UnitMonth.objects.exists()


def test_the_query_string_sent_back_cannot_lead_away_from_the_review(client, review, world):
    client.force_login(world.coordinator)

    response = client.post(
        reverse("cycles:review_rate", args=[review.pk]),
        {"query": "//evil.example/?x=1#frag"},
    )

    assert urlsplit(response["Location"]).path == reverse("cycles:review", args=[review.pk])
    assert urlsplit(response["Location"]).netloc == ""


def test_unit_staff_filter_and_page_only_their_units_lines(client, review, world):
    client.force_login(world.other_staff)

    response = page(client, review)

    assert response.context["page"].paginator.count == 100
    assert {i.lead_unit_id for i in rows(response)} == {world.other.pk}
    units = [value for value, _label in response.context["form"].fields["unit"].choices]
    assert units == ["", world.other.pk]


def test_the_review_page_costs_the_same_queries_for_30_or_300_lines(client, world):
    review = MonthlyReview.objects.create(campaign=world.campaign, month=datetime.date(2026, 10, 1))
    review.task_list = world.task_list
    add_lines(review, world.lead, 20)
    add_lines(review, world.other, 10)
    client.force_login(world.coordinator)
    url = reverse("cycles:review", args=[review.pk])
    filters = {"q": "任务", "proposed": Rating.BEHIND, "rating": "unrated"}
    page(client, review)  # the session and the translations are loaded once

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few_filtered:
        assert client.get(url, filters).status_code == 200
    add_lines(review, world.lead, 180, start=20)
    add_lines(review, world.other, 90, start=10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"page": 2})
    with CaptureQueriesContext(connection) as many_filtered:
        assert client.get(url, filters).status_code == 200

    assert len(rows(response)) == 100
    assert len(many) == len(few)
    assert len(many_filtered) == len(few_filtered)


def _page_form(response) -> dict[str, str]:
    """What the rating form of a page sends when nothing is changed: every select as shown,
    and the hidden rating each line showed."""
    data = {}
    for item in rows(response):
        data[f"rating_{item.pk}"] = item.rating
        data[f"shown_{item.pk}"] = item.rating
    return data


def test_saving_a_page_keeps_what_another_coordinator_rated_meanwhile(client, review, world):
    colleague = world.coordinator.__class__.objects.create(
        username="coord2", unit=world.office, display_name="第二协调员"
    )
    colleague.roles.create(role="coordinator")
    world.campaign.coordinators.add(colleague)
    client.force_login(world.coordinator)
    client.post(reverse("cycles:review_confirm_all", args=[review.pk]))
    mine = _page_form(page(client, review))
    first, second = rows(page(client, review))[:2]
    assert first.rating == Rating.ON_TRACK and second.rating == Rating.BEHIND

    # Meanwhile a colleague changes the first line.
    theirs = client.__class__()
    theirs.force_login(colleague)
    theirs.post(
        reverse("cycles:review_rate", args=[review.pk]),
        {f"rating_{first.pk}": Rating.BEHIND, f"shown_{first.pk}": Rating.ON_TRACK},
    )

    # I rate only the second line on my older copy of the page, and save the whole page.
    mine[f"rating_{second.pk}"] = Rating.COMPLETED
    response = client.post(reverse("cycles:review_rate", args=[review.pk]), mine)

    assert [m.message for m in get_messages(response.wsgi_request)] == ["已保存1项评定结果。"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.rating, first.confirmed_by) == (Rating.BEHIND, colleague)
    assert (second.rating, second.confirmed_by) == (Rating.COMPLETED, world.coordinator)


def test_changing_a_line_someone_else_rated_since_is_refused_and_saves_nothing(
    client, review, world
):
    client.force_login(world.coordinator)
    mine = _page_form(page(client, review))
    first, second = rows(page(client, review))[:2]
    ReviewItem.objects.filter(pk=first.pk).update(rating=Rating.BEHIND)  # someone else, meanwhile

    mine[f"rating_{first.pk}"] = Rating.COMPLETED
    mine[f"rating_{second.pk}"] = Rating.ON_TRACK
    response = client.post(reverse("cycles:review_rate", args=[review.pk]), mine)

    [message] = [m.message for m in get_messages(response.wsgi_request)]
    assert message.startswith(f"其他人在您打开本页后评定了{first.task.code}")
    assert "未保存任何内容" in message
    assert dict(ReviewItem.objects.exclude(rating="").values_list("pk", "rating")) == {
        first.pk: Rating.BEHIND
    }


def test_rating_lines_of_the_not_yet_rated_list_returns_to_its_first_page(client, review, world):
    client.force_login(world.coordinator)
    second = rows(page(client, review, rating="unrated", page=2))
    data = {f"rating_{item.pk}": Rating.BEHIND for item in second}
    data["query"] = "rating=unrated&page=2"

    response = client.post(reverse("cycles:review_rate", args=[review.pk]), data)

    # Page 2 of the shorter list would skip the lines that moved up onto it.
    assert parse_qs(urlsplit(response["Location"]).query) == {"rating": ["unrated"]}


def test_the_pages_list_every_line_once_in_the_order_of_unit_name_list_and_place(
    client, review, world
):
    """The page's keys are read unit by unit (cycles.selectors.ReviewKeys): page after page
    they are the lines of the plain query sorted by unit name, list order and place, with
    units that run across a page's edge and a second list ordered before the first."""
    type(world.task_list).objects.filter(pk=world.task_list.pk).update(order=5)
    earlier = TaskListFactory(campaign=world.campaign, order=1)
    first_unit = UnitFactory(name="区财政局")
    review.task_list = earlier
    add_lines(review, first_unit, 30)
    add_lines(review, world.other, 20, start=500)
    client.force_login(world.coordinator)
    everything = list(
        ReviewItem.objects.filter(review=review)
        .order_by("lead_unit__name", "task__task_list__order", "task__order", "task_id")
        .values_list("pk", flat=True)
    )

    shown = [i.pk for n in (1, 2, 3) for i in rows(page(client, review, page=n))]
    by_proposal = [i.pk for i in rows(page(client, review, proposed=Rating.BEHIND))]
    behind = set(
        ReviewItem.objects.filter(review=review, proposed=Rating.BEHIND).values_list(
            "pk", flat=True
        )
    )

    assert shown == everything
    assert len(everything) == 300
    assert by_proposal == [pk for pk in everything if pk in behind]
