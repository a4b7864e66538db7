"""What the fault drills share: the real stack (gunicorn, a Celery worker, beat) started on the
test database, a person using it over HTTP, and a small campaign to report on."""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from benchmarks.generate import UNITS
from benchmarks.load.pages import EVIDENCE, form_fields
from benchmarks.load.stack import Stack
from tasks.models import ProgressReport
from tests.conftest import require
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UnitFactory, UserFactory
from tests.workers import database_url

PASSWORD = "drill-pass-2026"


def real_password(user) -> None:
    """A hash the servers can check: the tests' fast MD5 hasher is not in their settings. Few
    iterations keep the login cheap; the server re-hashes it at its own strength."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "drillsalt", iterations=1000)
    user.save(update_fields=["password"])


@pytest.fixture
def postgres():
    require(
        "PostgreSQL (DATABASE_URL)",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... to run the fault drills (CI does)",
    )
    return database_url()


@pytest.fixture
def stack_env(tmp_path, postgres, redis_url) -> dict[str, str]:
    """The environment web, worker and beat run with: the test database, the tests' Redis,
    fast schedules (the drills scale minutes down to seconds)."""
    return {
        **os.environ,
        "DATABASE_URL": postgres,
        "REDIS_URL": redis_url,
        "QINGDAN_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DEBUG": "false",
        "ADMIN_TOTP_REQUIRED": "false",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "DELIVERIES_SWEEP_EVERY_SECONDS": "2",
        "CYCLES_EVERY_SECONDS": "2",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@pytest.fixture
def stack(tmp_path, stack_env):
    running = Stack(folder=tmp_path, env=stack_env)
    yield running
    running.stop()


def through(url: str, proxy) -> str:
    """``url`` (postgres:// or redis://) with its host and port replaced by the proxy's."""
    parsed = urlparse(url)
    user = f"{parsed.username}@" if parsed.username else ""
    return parsed._replace(netloc=f"{user}127.0.0.1:{proxy.port}").geturl()


class Person:
    """Someone using the site over HTTP (requests): logs in, opens pages, sends forms."""

    def __init__(self, host: str):
        import requests

        self.host = host
        self.session = requests.Session()
        self.statuses: list[int] = []

    def get(self, path: str):
        response = self.session.get(self.host + path, timeout=60, allow_redirects=False)
        self.statuses.append(response.status_code)
        return response

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        fields = form_fields(page.text, "") or {}
        fields.update(username=username, password=PASSWORD)
        answer = self.session.post(
            self.host + "/accounts/login/", data=fields, timeout=60, allow_redirects=False
        )
        assert answer.status_code == 302, answer.text[:2000]

    def report(self, task_id: int, text: str, page=None):
        """Open the task page (unless ``page`` is that page already) and send a report with a
        small evidence file; the answer to the POST (not followed)."""
        page = page if page is not None else self.get(f"/tasks/{task_id}/")
        action = f"/tasks/{task_id}/reports/"
        fields = form_fields(page.text, action)
        assert fields is not None, page.text[:2000]
        fields.update(text=text, percent="30")
        response = self.session.post(
            self.host + action,
            data=fields,
            files={"files": ("佐证.pdf", EVIDENCE, "application/pdf")},
            timeout=60,
            allow_redirects=False,
        )
        self.statuses.append(response.status_code)
        return response


def keep_reporting(person: Person, task_id: int, outcomes: list, stop: threading.Event):
    """Report again and again, each report with a marker of its own: (marker, status of the
    POST, or of the page when it failed, and the answer's text)."""
    while not stop.is_set():
        marker = uuid.uuid4().hex
        page = person.get(f"/tasks/{task_id}/")
        if page.status_code != 200:
            outcomes.append((marker, page.status_code, page.text))
            time.sleep(0.2)
            continue
        answer = person.report(task_id, f"持续报送{marker}", page=page)
        outcomes.append((marker, answer.status_code, answer.text))


@contextlib.contextmanager
def reporting_in_background(host: str, task_id: int, username: str = "drill_staff"):
    """A person signed in as ``username`` reports on the task again and again in a thread
    (``keep_reporting``) while the block runs; yields them and their outcomes, and stops and
    joins the thread when the block ends, however it ends."""
    person = Person(host)
    person.login(username)
    outcomes: list = []
    stop = threading.Event()
    loop = threading.Thread(target=keep_reporting, args=(person, task_id, outcomes, stop))
    loop.start()
    try:
        yield person, outcomes
    finally:
        stop.set()
        loop.join(timeout=60)


def stored_markers() -> set[str]:
    """The markers of ``keep_reporting``'s reports that the database holds."""
    return {
        match
        for text in ProgressReport.objects.values_list("text", flat=True)
        for match in re.findall(r"持续报送([0-9a-f]{32})", text)
    }


@pytest.fixture
def reporting_unit(transactional_db):
    """A campaign whose reports the unit head confirms (so each report notifies the head, by
    email too), three tasks its unit leads, a staff member and the head."""
    unit = UnitFactory(name="区行政审批服务局")
    campaign = CampaignFactory(
        requires_head_confirmation=True, start_date=datetime.date(2026, 1, 1)
    )
    task_list = TaskListFactory(campaign=campaign)
    tasks = [TaskFactory(task_list=task_list, lead_unit=unit) for _ in range(4)]
    staff = UserFactory(username="drill_staff", unit=unit, roles=[Role.STAFF])
    head = UserFactory(
        username="drill_head",
        unit=unit,
        roles=[Role.HEAD],
        email="head@drill.local",
        notify_by_email=True,
    )
    for user in (staff, head):
        real_password(user)
    return {"unit": unit, "campaign": campaign, "tasks": tasks, "staff": staff, "head": head}


def round_due_now():
    """A campaign whose round opens today at midnight, five owners with tasks (one digest
    each), and its coordinator; its second reminder is not yet due."""
    today = timezone.localtime()
    office = UnitFactory(name="区营商环境建设办公室")
    campaign = CampaignFactory(
        organiser=office,
        dispatch_weekday=today.weekday(),
        dispatch_time=datetime.time(0, 0),
        report_due_weekday=(today.weekday() + 1) % 7,
        report_due_time=datetime.time(23, 0),
        reminder_hours_before_due=1,  # tomorrow 22:00: still to come at any hour of today
    )
    task_list = TaskListFactory(campaign=campaign)
    unit = UnitFactory(name=UNITS[0])
    for n in range(5):
        owner = UserFactory(username=f"owner{n}", unit=unit, roles=[Role.STAFF])
        TaskFactory(task_list=task_list, lead_unit=unit, specific_owner=owner)
    coordinator = UserFactory(username="drill_coordinator", unit=office, roles=[Role.COORDINATOR])
    campaign.coordinators.add(coordinator)
    for name in UNITS:
        UnitFactory(name=name)
    return campaign, coordinator
