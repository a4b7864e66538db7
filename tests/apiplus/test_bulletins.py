"""The monthly bulletin and the ranking as JSON: the figures of the pages, counted plainly."""

import io

import openpyxl
import pytest
from django.urls import reverse

from cycles.models import ReviewItem, UnitMonth
from tests.apiplus.test_reviews import certified


@pytest.mark.django_db
def test_the_monthly_bulletin_waits_for_certification(api, world, review):
    response = api(world.coordinator).get(reverse("apiplus:review_bulletin", args=[review.pk]))
    assert response.status_code == 409


@pytest.mark.django_db
def test_the_monthly_bulletin_counts_ratings_as_the_page(api, world, review):
    review = certified(world, review)
    response = api(world.lead_staff).get(reverse("apiplus:review_bulletin", args=[review.pk]))
    assert response.status_code == 200
    body = response.json()
    for rating, count in body["totals"].items():
        assert (
            count
            == ReviewItem.objects.filter(
                review=review, rating=rating, excused_at__isnull=True
            ).count()
        )
    assert sum(body["totals"].values()) == 1
    ranked = UnitMonth.objects.filter(review=review).order_by("rank", "unit__name")
    assert [(r["unit"], r["rank"]) for r in body["ranking"]] == [
        (row.unit_id, row.rank) for row in ranked
    ]
    assert api(world.other_staff).get(
        reverse("apiplus:review_bulletin", args=[review.pk])
    ).status_code == (404)


@pytest.mark.django_db
def test_the_draft_ranking_is_for_coordinators_and_leaders(api, world, review):
    url = reverse("apiplus:ranking", args=[review.pk])
    for who in (world.coordinator, world.leader):
        response = api(who).get(url)
        assert response.status_code == 200
        assert response.json()["draft"] is True
        assert [row["unit"] for row in response.json()["rows"]] == [world.lead.pk]
    assert api(world.lead_staff).get(url).status_code == 403
    assert api(world.other_coordinator).get(url).status_code == 404


@pytest.mark.django_db
def test_a_certified_ranking_is_everyones_who_see_the_campaign(api, world, review):
    review = certified(world, review)
    response = api(world.lead_staff).get(reverse("apiplus:ranking", args=[review.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["draft"] is False and body["formula"]
    row = UnitMonth.objects.get(review=review, unit=world.lead)
    assert body["rows"][0]["score"] == str(row.score)


@pytest.mark.django_db
def test_the_workbooks_are_the_pages(api, world, review):
    review = certified(world, review)
    client = api(world.coordinator)
    for name in ("apiplus:review_bulletin_xlsx", "apiplus:ranking_xlsx"):
        response = client.get(reverse(name, args=[review.pk]))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        openpyxl.load_workbook(io.BytesIO(response.content))  # a real workbook
    assert api(world.other_staff).get(
        reverse("apiplus:ranking_xlsx", args=[review.pk])
    ).status_code == (404)


@pytest.mark.django_db
def test_the_ranking_and_bulletin_cost_a_fixed_number_of_queries(
    api, world, review, django_assert_max_num_queries
):
    review = certified(world, review)
    client = api(world.coordinator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("apiplus:ranking", args=[review.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("apiplus:review_bulletin", args=[review.pk])).status_code == 200
