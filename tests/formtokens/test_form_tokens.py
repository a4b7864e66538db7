"""One form sent twice (a double click, a reload, two tabs, two requests at once) acts once."""

import datetime
import re
import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from formtokens.models import FormToken
from formtokens.services import FIELD, form_tokens_prune
from tasks.models import ProgressReport
from tests.conftest import require

TOKEN = "k3J9dQ2mZr8TfW1xYb7cLp0sNe4hUg6a"


def unconfirmed_reports(world):
    """Reports that wait for the unit head move nothing on the task (not even its version),
    so without a token every identical sending would be one more report."""
    world.campaign.requires_head_confirmation = True
    world.campaign.save()


def report_form(world, token=TOKEN, **extra):
    data = {"text": "窗口改造完成", "percent": 40, "version": world.task.version, **extra}
    if token:
        data[FIELD] = token
    return reverse("tasks:report_submit", args=[world.task.pk]), data


def test_the_tag_writes_a_fresh_hidden_token_into_each_form():
    html = Template("{% form_token %}{% form_token %}").render(Context())

    tokens = re.findall(rf'<input type="hidden" name="{FIELD}" value="([\w-]+)">', html)
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert all(len(t) >= 32 for t in tokens)


@pytest.mark.django_db
def test_every_form_on_the_task_page_carries_its_own_token(client, world):
    client.force_login(world.coordinator)

    html = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
    tokens = [re.search(rf'name="{FIELD}" value="([\w-]+)"', f).group(1) for f in forms]
    assert len(forms) >= 3 and len(set(tokens)) == len(forms)


@pytest.mark.django_db
def test_the_same_form_sent_twice_writes_one_report_and_shows_the_first_result(client, world):
    unconfirmed_reports(world)
    client.force_login(world.lead_staff)
    url, data = report_form(world)

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    assert ProgressReport.objects.count() == 1
    assert first.status_code == 302
    assert second.redirect_chain == [(first["Location"], 302)]
    assert "已经提交过" in second.content.decode()


@pytest.mark.django_db
def test_without_a_token_the_same_form_twice_writes_twice(client, world):
    """What the token prevents (and what an API client or a script still does on purpose)."""
    unconfirmed_reports(world)
    client.force_login(world.lead_staff)
    url, data = report_form(world, token="")

    client.post(url, data)
    client.post(url, data)

    assert ProgressReport.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_form_lets_go_of_its_token_so_the_correction_goes_through(client, world):
    client.force_login(world.lead_staff)
    url, data = report_form(world)

    refused = client.post(url, {**data, "percent": 150})
    corrected = client.post(url, data)

    assert refused.status_code == 400 and corrected.status_code == 302
    assert ProgressReport.objects.count() == 1
    assert FormToken.objects.get().location == corrected["Location"]


@pytest.mark.django_db
def test_a_rule_violation_turned_into_a_400_page_also_lets_go(client, world):
    """RuleViolationMiddleware answers 400: nothing was done, the token is free again."""
    client.force_login(world.coordinator)
    slug = world.campaign.slug
    url = reverse("campaigns:import_columns", args=[slug, 999])

    assert client.post(url, {FIELD: TOKEN, "sheet": "x"}).status_code == 404
    assert not FormToken.objects.exists()


@pytest.mark.django_db
def test_someone_elses_token_does_nothing_and_says_the_form_expired(client, world):
    unconfirmed_reports(world)
    url, data = report_form(world)
    other = Client()
    other.force_login(world.lead_head)
    other.post(url, data)
    client.force_login(world.lead_staff)

    response = client.post(url, data, HTTP_REFERER=f"http://testserver{url}", follow=True)

    assert ProgressReport.objects.count() == 1
    assert "已失效" in response.content.decode()


@pytest.mark.django_db
def test_a_malformed_token_is_ignored_like_none(client, world):
    unconfirmed_reports(world)
    client.force_login(world.lead_staff)
    url, data = report_form(world, token="x' OR 1=1")

    client.post(url, data)

    assert ProgressReport.objects.count() == 1 and not FormToken.objects.exists()


def _postgres():
    require(
        "PostgreSQL (DATABASE_URL)",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... to run the concurrency tests (CI does)",
    )


def _send_together(clients, send) -> list:
    barrier = threading.Barrier(len(clients))
    results, errors = [], []

    def run(one):
        try:
            barrier.wait(timeout=10)
            results.append(send(one))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_four_times_at_once_writes_one_report(world):
    _postgres()
    unconfirmed_reports(world)
    url, data = report_form(world)
    clients = [Client() for _ in range(4)]
    for one in clients:
        one.force_login(world.lead_staff)

    responses = _send_together(clients, lambda one: one.post(url, data))

    assert ProgressReport.objects.count() == 1
    assert [r.status_code for r in responses] == [302] * 4
    assert len({r["Location"] for r in responses}) == 1


@pytest.mark.django_db(transaction=True)
def test_without_tokens_four_sendings_at_once_write_four_reports(world):
    """The same race without the token: so the test above can fail."""
    _postgres()
    unconfirmed_reports(world)
    url, data = report_form(world, token="")
    clients = [Client() for _ in range(4)]
    for one in clients:
        one.force_login(world.lead_staff)

    _send_together(clients, lambda one: one.post(url, data))

    assert ProgressReport.objects.count() == 4


@pytest.mark.django_db
def test_sendings_older_than_the_keep_period_are_forgotten(world):
    now = timezone.now()
    keep = datetime.timedelta(hours=settings.FORM_TOKENS_KEEP_HOURS)
    FormToken.objects.create(
        token="a" * 32, path="/x/", created_at=now - keep - datetime.timedelta(minutes=1)
    )
    recent = FormToken.objects.create(token="b" * 32, path="/x/", created_at=now - keep / 2)

    assert form_tokens_prune(now=now, keep=keep) == 1
    assert list(FormToken.objects.all()) == [recent]


def test_beat_forgets_old_sendings_every_night():
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["form-tokens-prune"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}
