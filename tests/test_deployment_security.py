"""Headers, deployment settings, request size and the health check (等保: 入侵防范, 通信传输)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_pages_have_a_csp_without_inline_script_and_are_not_cached(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("tasks:mine"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["Cache-Control"] == "no-store, private"
    assert "onchange=" not in response.content.decode()  # no inline handler left


def test_no_template_holds_inline_script():
    import re

    inline = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>|\son[a-z]+=\"")
    offending = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_downloads_are_not_cached(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("campaigns:list_template", args=[world.campaign.slug, "reform"]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"


def test_a_300_mb_anonymous_upload_is_refused_before_its_body_is_read(client):
    class Untouchable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    response = client.generic(
        "POST",
        reverse("login"),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": Untouchable()},
    )

    assert response.status_code == 413


def test_a_signed_in_upload_over_the_limit_is_refused_too(client, staff_user, settings):
    client.force_login(staff_user)
    response = client.generic(
        "POST",
        reverse("tasks:mine"),
        data=b"",
        CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1),
    )
    assert response.status_code == 413


def test_a_file_larger_than_declared_is_stopped_while_streaming(settings):
    from django.core.files.uploadhandler import StopUpload

    from config.uploads import SizeLimitedUploadHandler

    settings.UPLOAD_MAX_BYTES = settings.IMPORT_MAX_BYTES = 1000
    handler = SizeLimitedUploadHandler(None)
    handler.new_file("file", "a.pdf", "application/pdf", 10)
    handler.receive_data_chunk(b"x" * 600, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 600, 600)


def test_healthz_answers_json_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    response = client.get(reverse("healthz"))

    assert response.status_code == 503 and response.json()["database"] == "down"


def test_healthz_answers_json_503_when_the_broker_is_down(client, monkeypatch):
    from accounts import views

    monkeypatch.setattr(views, "_broker_answers", lambda: False)
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "down" and response.json()["database"] == "ok"


def test_the_api_schema_is_behind_login(client, staff_user):
    assert client.get(reverse("api-schema")).status_code == 401
    assert client.login(username="staff", password=PASSWORD)
    assert client.get(reverse("api-schema")).status_code == 200


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "Zq8#xV!m2@pL$9rT&wY*3nB^6cF-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
    "ALLOWED_HOSTS": "qingdan.example.gov.cn",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
}


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in PRODUCTION},
        **PRODUCTION,
        "QINGDAN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    # Not the test run's own switches (the browser tests' async flag, the demo's second factor).
    for name in ("ADMIN_TOTP_REQUIRED", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.ADMIN_TOTP_REQUIRED, settings.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == ["True", "True"]  # the second factor is on in production
