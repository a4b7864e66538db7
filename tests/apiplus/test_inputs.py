"""No input makes these resources fail: huge ids, NUL bytes, wrong types → 4xx."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_odd_inputs_are_answered_4xx(api, world, review):
    client = api(world.coordinator)
    huge = "9" * 30
    for path in (
        f"/api/v1/rounds/{huge}/",
        f"/api/v1/reviews/{huge}/",
        f"/api/v1/reviews/{huge}/items/",
        f"/api/v1/campaigns/reform/imports/{huge}/",
    ):
        assert 400 <= client.get(path).status_code < 500, path
    items = reverse("apiplus:review_items", args=[review.pk])
    assert client.get(items, {"q": "a\x00b"}).status_code == 400  # NUL: no database takes it
    for query in ({"unit": huge}, {"unit": "-1"}, {"unit": "x"}, {"rating": "\x00"}):
        assert client.get(items, query).status_code == 400, query
    assert client.get(items, {"page": "abc"}).status_code == 404
    rate = reverse("apiplus:review_rate", args=[review.pk])
    for body in (
        {"ratings": "behind"},
        {"ratings": {huge: "behind"}},
        {"ratings": {"1": "excellent"}},
        {"ratings": {}},
        [],
    ):
        assert client.post(rate, body, format="json").status_code == 400, body
    certify = reverse("apiplus:review_certify", args=[review.pk])
    for body in ({"version": "x"}, {"version": 2**40}, {"version": -1}):
        assert client.post(certify, body, format="json").status_code == 400, body
    assert client.post(certify, {}, format="json", HTTP_IF_MATCH='"abc"').status_code == 400
