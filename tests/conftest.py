import datetime
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.models import Role
from tasks.models import Target, TaskSupport
from tests.factories import (
    PASSWORD,
    CampaignFactory,
    TaskFactory,
    TaskListFactory,
    UnitFactory,
    UserFactory,
)


def require(what: str, ok: bool, install: str) -> None:
    """A test that needs a server or a browser: fail in CI, skip elsewhere saying what to install."""
    if ok:
        return
    message = f"{what} is not available; {install}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def page_reads(ctx) -> int:
    """The queries a ``CaptureQueriesContext`` caught, but the session store's: the session is
    read from the cache with Redis (cached_db) and from the database without it, so a page's
    own reads are the same number on either (CI has Redis; a machine without it does not)."""
    return sum('"django_session"' not in query["sql"] for query in ctx.captured_queries)


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


# Fixtures that share one server-side resource between processes: the Redis database (its
# queue "celery" is purged and consumed by the real workers these tests start). Under
# pytest-xdist (the test command runs two processes) the tests that use them all run in one
# process, one after the other, so that no worker takes another test's messages.
SHARED_SERVER_FIXTURES = {"redis_url"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the group into the node id
def pytest_collection_modifyitems(config, items):
    for item in items:
        if SHARED_SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("shared-redis"))


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def static_files_listed_once():
    """WhiteNoise lists and stats every static file (ours, the admin's, Swagger UI's …) each
    time a middleware chain is built, which the test client does for every test: about a tenth
    of a second each. The files do not change during a run, so the list is made once per set of
    the settings it depends on and reused; what each client serves stays the same."""
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict = {}
    original = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_from_finders(self):
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            str(settings.STATICFILES_DIRS),
            tuple(settings.STATICFILES_FINDERS),
            tuple(settings.INSTALLED_APPS),
            self.add_headers_function,
            str(getattr(settings, "WHITENOISE_MIMETYPES", None)),
        )
        if key not in listed:
            before = dict(self.files)
            original(self)
            listed[key] = {u: f for u, f in self.files.items() if before.get(u) is not f}
        self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders
    yield
    WhiteNoiseMiddleware.add_files_from_finders = original


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def second_factor_optional(settings):
    """Tests log administrators in without an authenticator app; the second factor's own tests
    (tests/accounts/test_second_factor.py) turn it on."""
    settings.ADMIN_TOTP_REQUIRED = False


@pytest.fixture(autouse=True)
def cache_per_test(settings):
    """Each test starts with an empty cache of its own. With REDIS_URL the app's cache is Redis,
    which a test's rolled-back transaction does not undo and the other test process shares;
    the tests that are about the Redis cache set it themselves (tests/accounts/test_shared_sessions.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager():
    """Jobs queued by on_commit run inline, as a worker would run them. (The Celery app reads
    Django's settings under the CELERY_ namespace, so the key is set under that name on the
    app itself: changing Django's settings once the app is configured would do nothing.)"""
    from config.celery import app

    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(
        "Redis (REDIS_URL)",
        bool(url) and reachable(url),
        "start Redis and set REDIS_URL=redis://127.0.0.1:6379/15 (CI does both)",
    )
    return url


@pytest.fixture
def chromium_path():
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    require("Chromium", bool(path), "install Debian's chromium package (apt-get install chromium)")
    return path


@pytest.fixture
def approval_unit(db):
    return UnitFactory(name="区行政审批服务局")


@pytest.fixture
def staff_user(approval_unit):
    return UserFactory(username="staff", unit=approval_unit, roles=[Role.STAFF])


@pytest.fixture
def password():
    return PASSWORD


class World:
    """One campaign, one task, and one person in every position around it."""


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """A transaction around a whole module, for data built once per module.

    A module-scoped fixture that asks for this builds its rows inside; every test of the module
    then runs in its own transaction as usual (pytest-django's ``db``), nested in this one and
    rolled back to the built data afterwards, so the tests stay independent; after the module
    everything is rolled back. Yields the module's media folder, where files written while
    building stay for all its tests (a module using it keeps ``MEDIA_ROOT`` there by
    overriding ``media_in_tmp``).
    """
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield media
        transaction.set_rollback(True)


def build_world() -> World:
    w = World()
    w.lead = UnitFactory(name="区行政审批服务局")
    w.support = UnitFactory(name="区大数据局")
    w.other = UnitFactory(name="区发展改革局")
    w.office = UnitFactory(name="区营商环境建设办公室")
    w.campaign = CampaignFactory(slug="reform", name="改革攻坚行动")
    w.other_campaign = CampaignFactory(slug="other", name="另一个行动")
    w.task_list = TaskListFactory(campaign=w.campaign)
    w.task = TaskFactory(
        task_list=w.task_list,
        lead_unit=w.lead,
        title="推行容缺受理机制",
        deadline=datetime.date(2030, 6, 30),
        progress=20,
    )
    TaskSupport.objects.create(task=w.task, unit=w.support)
    w.target = Target.objects.create(
        task=w.task, metric="零跑动事项可办率(%)", target_value=65, current_value=55, baseline=55
    )
    w.lead_staff = UserFactory(username="lead_staff", unit=w.lead, roles=[Role.STAFF])
    w.lead_head = UserFactory(username="lead_head", unit=w.lead, roles=[Role.HEAD])
    w.support_staff = UserFactory(username="support_staff", unit=w.support, roles=[Role.STAFF])
    w.other_staff = UserFactory(username="other_staff", unit=w.other, roles=[Role.STAFF])
    w.coordinator = UserFactory(username="coord", unit=w.office, roles=[Role.COORDINATOR])
    w.campaign.coordinators.add(w.coordinator)
    w.other_coordinator = UserFactory(
        username="other_coord", unit=w.office, roles=[Role.COORDINATOR]
    )
    w.other_campaign.coordinators.add(w.other_coordinator)
    w.leader = UserFactory(username="leader", unit=w.office, roles=[Role.LEADER])
    w.auditor = UserFactory(username="auditor", unit=w.office, roles=[Role.AUDITOR])
    return w


@pytest.fixture
def world(db):
    return build_world()
