"""Every write of these resources made with a token is attributable, as the API's own writes
are (api.models.TokenWrite: the token, the person, the address, the answer): rate, certify,
import upload, import confirm, whether the service agreed or refused."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import TokenWrite
from cycles.models import MonthlyReview
from cycles.services import review_confirm_all
from tests.api.conftest import client_with, token_for
from tests.apiplus.test_imports import upload

pytestmark = pytest.mark.django_db


def _only_write(token_name: str, path: str) -> TokenWrite:
    write = TokenWrite.objects.get()
    assert write.token.name == token_name and write.method == "POST" and write.path == path
    return write


def test_rating_and_certifying_with_a_token_are_recorded(world, review):
    api = client_with(token_for(world.coordinator))
    item = review.items.get()
    rate_url = reverse("apiplus:review_rate", args=[review.pk])

    rated = api.post(rate_url, {"ratings": {str(item.pk): "behind"}}, format="json")

    assert rated.status_code == 200, rated.content
    write = _only_write("coord-write", rate_url)
    assert write.user == world.coordinator and write.status == 200
    TokenWrite.objects.all().delete()
    review_confirm_all(review=review, by=world.coordinator)
    review.refresh_from_db()
    certify_url = reverse("apiplus:review_certify", args=[review.pk])

    certified = api.post(certify_url, {"version": review.version}, format="json")

    assert certified.status_code == 200, certified.content
    assert MonthlyReview.objects.get(pk=review.pk).status == MonthlyReview.Status.CERTIFIED
    assert _only_write("coord-write", certify_url).status == 200


def test_a_refused_certification_is_recorded_with_its_status(world, review):
    api = client_with(token_for(world.coordinator))
    url = reverse("apiplus:review_certify", args=[review.pk])

    response = api.post(url, {"version": review.version}, format="json")  # lines unrated

    assert response.status_code == 400
    assert _only_write("coord-write", url).status == 400


def test_an_import_upload_and_its_confirmation_with_a_token_are_recorded(world):
    api = client_with(token_for(world.coordinator))

    uploaded = upload(
        api, world, [["序号", "工作任务", "牵头单位"], [1, "推行容缺受理", world.lead.name]]
    )

    assert uploaded.status_code == 201, uploaded.content
    upload_url = reverse("apiplus:imports", args=[world.campaign.slug])
    assert _only_write("coord-write", upload_url).status == 201
    TokenWrite.objects.all().delete()
    confirm_url = reverse(
        "apiplus:import_confirm", args=[world.campaign.slug, uploaded.json()["id"]]
    )

    confirmed = api.post(confirm_url)

    assert confirmed.status_code == 200, confirmed.content
    assert _only_write("coord-write", confirm_url).user == world.coordinator


def test_reads_and_session_writes_are_not_token_writes(world, review):
    token_api = client_with(token_for(world.coordinator))
    token_api.get(reverse("apiplus:review", args=[review.pk]))
    session = APIClient()
    session.force_login(world.coordinator)
    item = review.items.get()
    response = session.post(
        reverse("apiplus:review_rate", args=[review.pk]),
        {"ratings": {str(item.pk): "behind"}},
        format="json",
    )

    assert response.status_code == 200
    assert not TokenWrite.objects.exists()
