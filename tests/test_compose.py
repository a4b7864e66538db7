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


ONE_SHOT = {"migrate", "collectstatic"}


def test_compose_has_the_production_services():
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(SERVICES)
    assert {"proxy", "pgbouncer", "collectstatic", "minio"} <= set(SERVICES)
    assert SERVICES["beat"].get("deploy", {}).get("replicas") == 1
    assert {"pgdata", "redisdata", "media", "static"} <= set(COMPOSE["volumes"])


def test_every_long_running_service_has_a_health_check_and_restarts():
    for name, service in SERVICES.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no", name
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert service.get("restart") in ("unless-stopped", "always"), name


def test_several_web_replicas_and_workers_and_exactly_one_beat():
    assert SERVICES["web"]["deploy"]["replicas"] >= 2
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    beats = [n for n, s in SERVICES.items() if "beat" in s.get("command", [])]
    assert beats == ["beat"]
    for name in ("web", "worker", "beat"):
        assert "container_name" not in SERVICES[name]
    # Only the proxy faces the network: the web replicas publish nothing themselves.
    assert "ports" not in SERVICES["web"]


def test_the_proxy_serves_static_files_limits_uploads_and_forwards_to_the_web_replicas():
    from django.conf import settings

    proxy = SERVICES["proxy"]
    assert proxy["image"].startswith(("nginx:", "caddy:"))
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounts["./deploy/nginx.conf"] == "/etc/nginx/conf.d/default.conf"
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert mounts["static"] == "/srv/static"
    assert re.search(r"location /static/ \{\s*alias /srv/static/;", conf)
    assert re.search(r"server web:8000\b", conf) and "proxy_pass http://qingdan_web;" in conf
    assert re.search(r"location /media/ \{\s*return 404;", conf)  # files only through views
    limit = re.search(r"client_max_body_size (\d+)m;", conf)
    assert limit and int(limit[1]) * 1024 * 1024 == settings.REQUEST_MAX_BYTES
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    collect = SERVICES["collectstatic"]
    assert collect["command"][:3] == ["python", "manage.py", "collectstatic"]
    static_root = collect["environment"]["STATIC_ROOT"]
    assert f"static:{static_root}" in collect["volumes"]


def test_the_app_talks_to_postgres_through_pgbouncer_in_transaction_pooling():
    from urllib.parse import urlparse

    bouncer = SERVICES["pgbouncer"]
    assert bouncer["environment"]["POOL_MODE"] == "transaction"
    port = int(bouncer["environment"]["LISTEN_PORT"])
    for name in ("web", "worker", "beat"):
        env = SERVICES[name]["environment"]
        url = urlparse(env["DATABASE_URL"])
        assert (url.hostname, url.port) == ("pgbouncer", port), name
        # Server-side cursors do not survive transaction pooling.
        assert env["DISABLE_SERVER_SIDE_CURSORS"] == "true", name
        assert SERVICES[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    # Migrations hold their transaction and locks: straight to PostgreSQL.
    assert urlparse(SERVICES["migrate"]["environment"]["DATABASE_URL"]).hostname == "db"


def test_the_object_store_is_optional():
    assert SERVICES["minio"]["profiles"] == ["minio"]
    assert not any("minio" in s.get("depends_on", {}) for s in SERVICES.values())


def test_sentinel_is_optional_and_watches_the_master_env_example_names():
    """`--profile sentinel`: a replica and a sentinel; the app uses them only when .env says so."""
    for name in ("sentinel", "redis-replica"):
        assert SERVICES[name]["profiles"] == ["sentinel"]
        assert not any(name in s.get("depends_on", {}) for s in SERVICES.values())
    assert SERVICES["redis-replica"]["command"][1:4] == ["--replicaof", "redis", "6379"]
    script = SERVICES["sentinel"]["command"][-1]
    monitored = re.search(r"sentinel monitor (\S+) redis 6379 1", script)
    assert monitored and script.rstrip().endswith("--sentinel")
    example = (ROOT / ".env.example").read_text()
    assert f"# REDIS_SENTINEL_MASTER={monitored[1]}" in example
    assert "# REDIS_SENTINELS=sentinel:26379" in example
    assert "REDIS_SENTINELS" not in SERVICES["web"]["environment"]  # off unless .env sets it


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
