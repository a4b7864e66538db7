"""Docker cannot run here, so check the production shape by reading it."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_of(name: str) -> list[str]:
    return SERVICES[name]["command"]


def test_compose_has_the_production_services():
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(SERVICES)
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in SERVICES[name], name
    assert SERVICES["beat"].get("deploy", {}).get("replicas") == 1
    assert {"pgdata", "redisdata", "media"} <= set(COMPOSE["volumes"])


def test_web_is_scalable_and_points_at_the_wsgi_application():
    web = SERVICES["web"]
    command = command_of("web")
    assert command[0] == "gunicorn"
    module, _, attribute = command[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    # A fixed host port would stop `--scale web=N`; only the container port is published.
    assert all(":" not in str(port) for port in web.get("ports", []))
    assert "container_name" not in web


def test_worker_and_beat_point_at_the_celery_app():
    for name, verb in (("worker", "worker"), ("beat", "beat")):
        command = command_of(name)
        assert command[:2] == ["celery", "-A"]
        app = importlib.import_module(command[2]).celery_app
        assert app.main == "qingdan"
        assert verb in command
    from config.celery import app

    app.loader.import_default_modules()
    assert "accounts.jobs.heartbeat" in app.tasks


def test_services_share_the_environment_and_wait_for_migrations():
    for name in ("web", "worker", "beat"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_env_example_names_only_documented_variables():
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    assert names
    for name in names:
        assert f"`{name}`" in readme, f"{name} is in .env.example but not in the README table"


def test_dockerfile_builds_what_compose_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm ci" in dockerfile  # assets from the lock file, never a CDN
    assert "collectstatic" in dockerfile
    assert "config.wsgi:application" in dockerfile
