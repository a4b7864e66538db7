"""Forms in a real browser: sent once however often the button is pressed, refused with a
summary that a phone scrolls to, and a form's address opened directly leads to its page."""

import pytest

from tasks.models import ProgressReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_pressing_submit_three_times_sends_one_report(live_server, phone, world, password):
    world.campaign.requires_head_confirmation = True  # a report that moves nothing on the task
    world.campaign.save()
    log_in(phone, live_server.url, "lead_staff", password)
    phone.goto(f"{live_server.url}/tasks/{world.task.pk}/")
    phone.fill("#id_text", "窗口改造完成")
    phone.fill("#id_percent", "40")

    # Three presses that all get through (a slow network, a page without its script): the
    # same form, token and all, sent three times. (At the same instant on PostgreSQL:
    # tests/formtokens; SQLite's shared test database cannot take concurrent writers.)
    statuses = phone.evaluate(
        """async () => {
            const form = document.querySelector('#report form');
            const statuses = [];
            for (let i = 0; i < 3; i++) {
                const sent = await fetch(form.action, {method: 'POST', body: new FormData(form)});
                statuses.push(sent.status);
            }
            return statuses;
        }"""
    )
    phone.reload()

    assert statuses == [200, 200, 200]  # each led back to the task page
    assert ProgressReport.objects.filter(task=world.task).count() == 1
    assert phone.locator("#timeline").inner_text().count("窗口改造完成") == 1


def test_the_button_turns_grey_while_the_form_is_sent(live_server, phone, world, password):
    log_in(phone, live_server.url, "lead_staff", password)
    phone.goto(f"{live_server.url}/tasks/{world.task.pk}/")
    phone.fill("#id_text", "完成")
    phone.fill("#id_percent", "30")
    # The page is gone once the answer arrives: what the button went through is noted in
    # sessionStorage, which the next page of the site can read.
    phone.evaluate(
        """() => { const b = document.querySelector('#report button[type=submit]');
                   new MutationObserver(() => { if (b.disabled) sessionStorage.setItem(
                     'seen', b.getAttribute('aria-busy')); }).observe(b, {attributes: true}); }"""
    )

    with phone.expect_navigation():
        phone.locator("#report button[type=submit]").click()

    assert phone.evaluate("sessionStorage.getItem('seen')") == "true"
    assert ProgressReport.objects.count() == 1


def test_a_refused_report_on_a_phone_scrolls_to_a_summary_that_links_to_each_field(
    live_server, phone, world, password
):
    log_in(phone, live_server.url, "lead_staff", password)
    phone.goto(f"{live_server.url}/tasks/{world.task.pk}/")
    phone.fill("#id_percent", "150")
    with phone.expect_navigation():
        phone.locator("#report button[type=submit]").click()

    summary = phone.locator("[data-error-summary]")
    assert phone.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    box = summary.bounding_box()
    assert 0 <= box["y"] < 844, "the summary is on screen"
    links = summary.locator("a")
    assert {links.nth(i).get_attribute("href") for i in range(links.count())} >= {
        "#id_text",
        "#id_percent",
    }
    summary.locator("a[href='#id_percent']").click()
    assert phone.evaluate("document.activeElement.id") == "id_percent"
    assert not ProgressReport.objects.exists()


def test_opening_the_report_address_directly_shows_the_task_page(
    live_server, phone, world, password
):
    log_in(phone, live_server.url, "lead_staff", password)

    response = phone.goto(f"{live_server.url}/tasks/{world.task.pk}/reports/")

    assert response.status == 200
    assert phone.url.endswith(f"/tasks/{world.task.pk}/#report")
    assert world.task.title in phone.locator("h1").inner_text()
