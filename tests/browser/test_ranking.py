"""The ranking formula in a real browser, on a phone: the coordinator changes one weight, the
draft ranking follows, and a unit's "why this score" adds up; nothing scrolls sideways."""

import pytest

from tests.cycles import ranking_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Today:
    """The example dates its measures with the clock; here they are simply applied today."""

    def set(self, *args):
        pass


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_changes_a_weight_on_a_phone_and_the_draft_follows(
    live_server, phone, world, password, monkeypatch
):
    ranking_example.claims_registered(monkeypatch)
    example = ranking_example.build(world, _Today())
    base = live_server.url
    log_in(phone, base, "coord", password)

    phone.goto(f"{base}/cycles/reviews/{example.review.pk}/ranking/")
    first = phone.get_by_test_id("ranking").locator("tbody tr").first
    assert "区行政审批服务局" in first.inner_text()
    assert fits(phone)

    phone.goto(f"{base}/cycles/campaign/{world.campaign.slug}/formula/")
    assert fits(phone)
    phone.fill("#id_punctuality_weight", "40")
    phone.fill("#id_note", "更看重按时报送")
    phone.get_by_test_id("save-formula").click()
    phone.wait_for_load_state()
    history = phone.get_by_test_id("formula-history").inner_text()
    assert "更看重按时报送" in history and "40.0" in history

    phone.goto(f"{base}/cycles/reviews/{example.review.pk}/ranking/")
    first = phone.get_by_test_id("ranking").locator("tbody tr").first
    assert "区发展改革局" in first.inner_text()
    first.get_by_role("link", name="区发展改革局").click()
    phone.wait_for_load_state()
    cells = phone.get_by_test_id("terms").locator("td[data-term]").all_inner_texts()
    *terms, total = [float(text) for text in cells]
    assert round(sum(terms), 2) == total
    assert fits(phone)
