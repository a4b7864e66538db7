"""Big-screen links (大屏): made, named and revoked by coordinators; the token opens the kiosk
view without a login, only while it is valid; the view shows aggregates and titles only;
every use is recorded."""

import re

import pytest
from django.urls import reverse

from cockpit.models import Screen, ScreenUse
from cockpit.services import screen_create, screen_revoke
from cockpit.services.screens import token_hash
from config.errors import RuleViolation
from tasks.services import report_submit

pytestmark = pytest.mark.django_db


def make_link(client, scene, name="督查室大屏") -> str:
    client.force_login(scene.coordinator)
    response = client.post(
        reverse("cockpit:screen_create"), {"name": name, "campaigns": [scene.campaign.pk]}
    )
    assert response.status_code == 302
    page = client.get(reverse("cockpit:screens")).content.decode()
    url = re.search(r'value="(http://testserver/cockpit/screen/[^"]+/)"', page)[1]
    client.logout()
    return url.removeprefix("http://testserver")


def test_a_coordinator_makes_a_link_shown_once_and_only_its_hash_is_kept(client, scene):
    url = make_link(client, scene)
    token = url.rstrip("/").rsplit("/", 1)[1]

    screen = Screen.objects.get()
    assert len(token) >= 40
    assert screen.token_hash == token_hash(token) and token not in screen.token_hash
    client.force_login(scene.coordinator)
    assert token not in client.get(reverse("cockpit:screens")).content.decode()


def test_the_screen_shows_figures_and_titles_but_no_owner_names_or_report_text(client, scene):
    report_submit(task=scene.red3, by=scene.lead_staff, text="机密的进展内容", percent=85)
    scene.red3.refresh_from_db()
    url = make_link(client, scene)

    response = client.get(url)  # no login

    html = response.content.decode()
    assert response.status_code == 200
    assert scene.campaign.name in html and scene.red2.title in html
    assert 'http-equiv="refresh"' in html
    for secret in ("张三", "李四", "机密的进展内容", scene.lead_staff.display_name):
        assert secret not in html
    assert 'name="csrfmiddlewaretoken"' not in html and "/tasks/" not in html
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_revoked_or_wrong_token_finds_nothing(client, scene):
    url = make_link(client, scene)
    token = url.rstrip("/").rsplit("/", 1)[1]

    assert (
        client.get(url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code
        == 404
    )
    assert client.get(reverse("cockpit:screen", args=["x" * 43])).status_code == 404
    client.force_login(scene.coordinator)
    screen = Screen.objects.get()
    assert client.post(reverse("cockpit:screen_revoke", args=[screen.pk])).status_code == 302
    client.logout()

    assert client.get(url).status_code == 404
    screen.refresh_from_db()
    assert screen.revoked_by == scene.coordinator and screen.revoked_at is not None


def test_every_use_is_recorded_per_day_address_and_browser(client, scene):
    url = make_link(client, scene)

    client.get(url, HTTP_USER_AGENT="WallDisplay/1.0")
    client.get(url + "?i=1", HTTP_USER_AGENT="WallDisplay/1.0")
    client.get(url, HTTP_USER_AGENT="Phone/2.0", REMOTE_ADDR="10.0.0.7")

    uses = {(u.address, u.user_agent): u.count for u in ScreenUse.objects.all()}
    assert uses == {("127.0.0.1", "WallDisplay/1.0"): 2, ("10.0.0.7", "Phone/2.0"): 1}
    assert Screen.objects.get().last_used_at is not None


def test_the_screen_turns_through_its_campaigns(client, scene):
    scene.other_campaign.coordinators.add(scene.coordinator)
    screen, token = screen_create(
        by=scene.coordinator, name="大厅", campaigns=[scene.campaign, scene.other_campaign]
    )
    url = reverse("cockpit:screen", args=[token])

    first = client.get(url).content.decode()
    second = client.get(url + "?i=1").content.decode()

    assert "url=?i=1" in first and "url=?i=0" in second
    names = {scene.campaign.name, scene.other_campaign.name}
    assert {n for n in names if f"<h1>{n}</h1>" in first + second} == names


def test_only_campaigns_one_coordinates_go_on_a_screen(client, scene):
    with pytest.raises(RuleViolation):
        screen_create(by=scene.other_coordinator, name="x", campaigns=[scene.campaign])
    client.force_login(scene.other_coordinator)

    response = client.post(
        reverse("cockpit:screen_create"), {"name": "x", "campaigns": [scene.campaign.pk]}
    )

    assert response.status_code == 400
    assert not Screen.objects.exists()


def test_a_coordinator_cannot_revoke_another_campaigns_link(client, scene):
    screen, _token = screen_create(by=scene.coordinator, name="大屏", campaigns=[scene.campaign])
    client.force_login(scene.other_coordinator)

    assert client.post(reverse("cockpit:screen_revoke", args=[screen.pk])).status_code == 404
    screen.refresh_from_db()
    assert screen.is_active
    screen_revoke(screen=screen, by=scene.coordinator)
    screen_revoke(screen=screen, by=scene.coordinator)  # twice: the first stays
    assert Screen.objects.get().revoked_by == scene.coordinator
