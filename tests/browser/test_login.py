from urllib.parse import urlparse

import pytest

from accounts.models import Role
from tests.factories import TaskFactory, TaskListFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_on_a_phone_and_see_their_tasks_with_nothing_from_outside(
    live_server, phone, approval_unit, password
):
    UserFactory(username="staff", unit=approval_unit, roles=[Role.STAFF])
    TaskFactory(task_list=TaskListFactory(), lead_unit=approval_unit, title="推行容缺受理机制")
    hosts = set()
    phone.on("request", lambda request: hosts.add(urlparse(request.url).netloc))

    phone.goto(f"{live_server.url}/")
    phone.fill("#id_username", "staff")
    phone.fill("#id_password", password)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/tasks/mine/")

    assert phone.locator("h1").inner_text() == "我的任务"
    assert phone.get_by_text("推行容缺受理机制").is_visible()
    # Styled: the CSS from static/vendor was served and applied.
    assert phone.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    # Fits a phone: the page does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert hosts == {urlparse(live_server.url).netloc}
