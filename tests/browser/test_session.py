import pytest

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_warns_before_an_idle_session_ends_and_staying_keeps_it(
    live_server, phone, approval_unit, password, settings
):
    """With a 62-second idle limit the warning comes after 2 s; staying asks the server, which
    counts it as activity. The page's CSP refuses nothing it uses (no refusal in the console)."""
    settings.SESSION_IDLE_SECONDS = 62
    UserFactory(username="staff", unit=approval_unit, roles=[Role.STAFF])
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", "staff")
    phone.fill("#id_password", password)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/tasks/mine/")

    warning = phone.locator("[data-testid=idle-warning]")
    warning.wait_for(timeout=10_000)
    assert "一分钟内无操作" in warning.inner_text()
    with phone.expect_response("**/accounts/sessions/keepalive/") as answer:
        warning.get_by_role("button").click()
    assert answer.value.status == 204
    assert warning.count() == 0
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
