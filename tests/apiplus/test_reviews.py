"""Monthly reviews through the API: read, rate, certify — the page's services and rules; a
refusal answers the service's message and writes nothing."""

import pytest
from django.urls import reverse

from cycles.models import MonthlyReview, ReviewItem
from cycles.services import review_certify, review_confirm_all
from tests.factories import TaskFactory


def message(response) -> str:
    """The refusal's text, in the API's error shape (or DRF's own, before it is merged)."""
    body = response.json()
    return str(body.get("message") or body.get("detail"))


def _state(review):
    review.refresh_from_db()
    return (
        review.status,
        review.version,
        list(ReviewItem.objects.order_by("pk").values_list("rating", flat=True)),
    )


@pytest.mark.django_db
def test_the_review_and_its_lines_as_the_page_shows_them(api, world, review):
    other_line = TaskFactory(task_list=world.task_list, lead_unit=world.other, code="9")
    ReviewItem.objects.create(
        review=review, task=other_line, lead_unit=world.other, proposed="on_track", reason="x"
    )
    coordinator = api(world.coordinator)
    detail = coordinator.get(reverse("apiplus:review", args=[review.pk]))
    assert detail.status_code == 200
    assert detail["ETag"] == f'"{review.version}"'
    assert detail.json()["counts"] == {"": 2} and detail.json()["month"] == "2026-10"

    lines = coordinator.get(reverse("apiplus:review_items", args=[review.pk])).json()
    assert lines["count"] == 2
    # Unit staff see their own unit's lines only, as on the page.
    mine = api(world.lead_staff).get(reverse("apiplus:review_items", args=[review.pk])).json()
    assert [line["task"] for line in mine["results"]] == [world.task.pk]
    filtered = coordinator.get(
        reverse("apiplus:review_items", args=[review.pk]), {"unit": world.other.pk}
    ).json()
    assert [line["task"] for line in filtered["results"]] == [other_line.pk]
    assert api(world.other_coordinator).get(
        reverse("apiplus:review", args=[review.pk])
    ).status_code == (404)


@pytest.mark.django_db
def test_the_lines_cost_a_fixed_number_of_queries(
    api, world, review, django_assert_max_num_queries
):
    for n in range(30):
        task = TaskFactory(task_list=world.task_list, lead_unit=world.lead, code=f"L{n}")
        ReviewItem.objects.create(
            review=review, task=task, lead_unit=world.lead, proposed="behind", reason="x"
        )
    client = api(world.coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("apiplus:review_items", args=[review.pk]))
    assert response.json()["count"] == 31


@pytest.mark.django_db
def test_a_coordinator_rates_lines(api, world, review):
    item = review.items.get()
    response = api(world.coordinator).post(
        reverse("apiplus:review_rate", args=[review.pk]),
        {"ratings": {str(item.pk): "behind"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["changed"] == 1
    item.refresh_from_db()
    assert item.rating == "behind" and item.confirmed_by == world.coordinator


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["lead_staff", "lead_head", "leader"])
def test_others_who_see_the_review_may_not_rate_and_nothing_is_written(api, world, review, who):
    before = _state(review)
    item = review.items.get()
    response = api(getattr(world, who)).post(
        reverse("apiplus:review_rate", args=[review.pk]),
        {"ratings": {str(item.pk): "behind"}},
        format="json",
    )
    assert response.status_code == 403
    assert _state(review) == before


@pytest.mark.django_db
def test_rating_a_line_of_another_review_is_refused_with_the_services_message(api, world, review):
    before = _state(review)
    response = api(world.coordinator).post(
        reverse("apiplus:review_rate", args=[review.pk]),
        {"ratings": {"999999": "behind"}},
        format="json",
    )
    assert response.status_code == 400
    assert "不属于本次月度认定" in message(response)
    assert _state(review) == before


@pytest.mark.django_db
def test_certifying_takes_the_version_read_and_refuses_an_unrated_or_stale_one(api, world, review):
    client = api(world.coordinator)
    url = reverse("apiplus:review_certify", args=[review.pk])
    before = _state(review)

    unrated = client.post(url, {"version": review.version}, format="json")
    assert unrated.status_code == 400 and _state(review) == before

    review_confirm_all(review=review, by=world.coordinator)
    review.refresh_from_db()
    stale = client.post(url, {"version": review.version - 1}, format="json")
    assert stale.status_code == 409 and review.status == MonthlyReview.Status.OPEN
    assert "刷新" in message(stale)
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400

    done = client.post(url, {}, format="json", HTTP_IF_MATCH=f'"{review.version}"')
    assert done.status_code == 200, done.json()
    review.refresh_from_db()
    assert review.status == MonthlyReview.Status.CERTIFIED
    assert done["ETag"] == f'"{review.version}"'

    # A certified month can no longer change: 409, nothing written.
    after = _state(review)
    item = review.items.get()
    locked = client.post(
        reverse("apiplus:review_rate", args=[review.pk]),
        {"ratings": {str(item.pk): "behind"}},
        format="json",
    )
    assert locked.status_code == 409
    assert _state(review) == after


@pytest.mark.django_db
def test_unit_staff_may_not_certify(api, world, review):
    review_confirm_all(review=review, by=world.coordinator)
    before = _state(review)
    response = api(world.lead_head).post(
        reverse("apiplus:review_certify", args=[review.pk]), {"version": before[1]}, format="json"
    )
    assert response.status_code == 403 and _state(review) == before
    response = api(world.other_staff).post(
        reverse("apiplus:review_certify", args=[review.pk]), {"version": before[1]}, format="json"
    )
    assert response.status_code == 404 and _state(review) == before


def certified(world, review):
    review_confirm_all(review=review, by=world.coordinator)
    review_certify(review=review, by=world.coordinator)
    review.refresh_from_db()
    return review
