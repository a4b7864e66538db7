import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "backend": settings.CELERY_RESULT_BACKEND,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "tz": settings.TIME_ZONE,
    "lang": settings.LANGUAGE_CODE,
    "secret": settings.SECRET_KEY,
    "email": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "serializer": settings.CELERY_TASK_SERIALIZER,
    "accept": settings.CELERY_ACCEPT_CONTENT,
    "storage": settings.STORAGES["default"],
    "cache": settings.CACHES["default"],
    "sessions": settings.SESSION_ENGINE,
    "databases": {k: {"engine": v["ENGINE"], "host": v.get("HOST", ""),
                      "test": v.get("TEST", {}),
                      "no_cursors": v.get("DISABLE_SERVER_SIDE_CURSORS", False)}
                  for k, v in settings.DATABASES.items()},
    "routers": settings.DATABASE_ROUTERS,
    "broker_options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "backend_options": getattr(settings, "CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS", {}),
}))
"""

VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "REDIS_CACHE_URL",
    "DATABASE_REPLICA_URL",
    "DISABLE_SERVER_SIDE_CURSORS",
    "REDIS_SENTINELS",
    "REDIS_SENTINEL_MASTER",
    "REDIS_SENTINEL_PASSWORD",
)


def settings_with(tmp_path, **variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings", QINGDAN_VAR_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_with_no_environment_it_runs_embedded(tmp_path):
    s = settings_with(tmp_path)

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].startswith(str(tmp_path))
    assert s["broker"] == "filesystem://localhost/"
    assert s["backend"].startswith("file://")
    assert s["debug"] is False
    assert s["tz"] == "Asia/Shanghai"
    assert s["lang"] == "zh-hans"
    assert s["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert s["serializer"] == "json" and s["accept"] == ["json"]
    # One machine: files in MEDIA_ROOT, a cache per process, sessions in the database.
    assert s["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert s["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["sessions"] == "django.contrib.sessions.backends.db"
    assert list(s["databases"]) == ["default"]
    # A random key is made once and kept, so sessions survive a restart.
    assert len(s["secret"]) > 40
    assert settings_with(tmp_path)["secret"] == s["secret"]


def test_settings_come_from_the_environment(tmp_path):
    s = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.internal:5432/qingdan",
        REDIS_URL="redis://cache.internal:6379/2",
        SECRET_KEY="from-the-environment",
        DEBUG="true",
        ALLOWED_HOSTS="a.gov.cn,b.gov.cn",
        EMAIL_URL="smtp://mailer:pw@mail.gov.cn:25",
        TIME_ZONE="Asia/Urumqi",
        LANGUAGE_CODE="en",
    )

    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "qingdan"
    assert s["broker"] == s["backend"] == "redis://cache.internal:6379/2"
    assert s["secret"] == "from-the-environment"
    assert s["debug"] is True
    assert s["hosts"] == ["a.gov.cn", "b.gov.cn"]
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["email_host"] == "mail.gov.cn"
    assert s["tz"] == "Asia/Urumqi"
    assert s["lang"] == "en"


def test_the_embedded_broker_names_its_host_so_kombu_does_not_warn_on_every_connection(
    tmp_path, caplog
):
    from kombu import Connection

    broker = settings_with(tmp_path)["broker"]
    with caplog.at_level(logging.WARNING):
        Connection(broker)._info()

    assert [r.getMessage() for r in caplog.records if "hostname" in r.getMessage()] == []


def test_dev_run_starts_every_process_in_the_apps_time_zone(monkeypatch, tmp_path):
    """Django puts TIME_ZONE into TZ in each process once its settings load; honcho's own
    timestamps and gunicorn's first lines came earlier, in the machine's zone."""
    import dev

    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.delenv("TIME_ZONE", raising=False)
    assert dev.run_environment("8000")["TZ"] == "Asia/Shanghai"
    (tmp_path / ".env").write_text("SECRET_KEY=x\nTIME_ZONE='Asia/Urumqi'\n")
    assert dev.run_environment("8000")["TZ"] == "Asia/Urumqi"
    monkeypatch.setenv("TIME_ZONE", "Asia/Hong_Kong")
    assert dev.run_environment("8000")["TZ"] == "Asia/Hong_Kong"


def test_scale_out_settings_come_from_the_environment(tmp_path):
    """Several machines: files in the object store, cache and sessions in Redis, a read
    replica, PgBouncer in front of PostgreSQL."""
    s = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@pgbouncer.internal:6432/qingdan",
        DISABLE_SERVER_SIDE_CURSORS="true",
        DATABASE_REPLICA_URL="postgres://reader:p@replica.internal:5432/qingdan",
        REDIS_URL="redis://cache.internal:6379/2",
        S3_BUCKET="qingdan-media",
        S3_ENDPOINT_URL="https://minio.internal:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
        S3_REGION="cn-north-1",
    )

    storage = s["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "qingdan-media"
    assert options["endpoint_url"] == "https://minio.internal:9000"
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["region_name"] == "cn-north-1"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 300
    assert s["cache"]["BACKEND"] == "config.cache.TolerantRedisCache"
    assert s["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert s["sessions"] == "django.contrib.sessions.backends.cached_db"
    default, replica = s["databases"]["default"], s["databases"]["replica"]
    assert default["host"] == "pgbouncer.internal" and default["no_cursors"] is True
    assert replica["host"] == "replica.internal" and replica["no_cursors"] is True
    assert replica["engine"] == "django.db.backends.postgresql"
    assert replica["test"]["MIRROR"] == "default"
    assert s["routers"] == ["config.replica.ReplicaRouter"]


def test_a_separate_redis_can_hold_the_cache(tmp_path):
    s = settings_with(
        tmp_path, REDIS_URL="redis://queue.internal:6379/0", REDIS_CACHE_URL="redis://c:6379/1"
    )

    assert s["broker"] == "redis://queue.internal:6379/0"
    assert s["cache"]["LOCATION"] == "redis://c:6379/1"


def test_with_sentinels_celery_and_the_cache_ask_them_for_the_master(tmp_path):
    s = settings_with(
        tmp_path,
        REDIS_URL="redis://:pw@redis-master/3",
        REDIS_SENTINELS="10.0.0.1:26379,10.0.0.2:26379",
        REDIS_SENTINEL_MASTER="qingdan",
    )

    assert (
        s["broker"]
        == s["backend"]
        == ("sentinel://:pw@10.0.0.1:26379/3;sentinel://:pw@10.0.0.2:26379/3")
    )
    assert s["broker_options"]["master_name"] == s["backend_options"]["master_name"] == "qingdan"
    assert s["broker_options"]["visibility_timeout"] == 3600  # the rest stays
    options = s["cache"]["OPTIONS"]
    assert s["cache"]["BACKEND"] == "config.cache.TolerantRedisCache"
    assert options["pool_class"] == "config.sentinel.SentinelPool"
    assert options["master_name"] == "qingdan"
    assert options["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26379]]


def test_every_variable_the_settings_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    read = set()
    for module in ("config/settings.py", "config/scaleout.py"):
        text = (ROOT / module).read_text()
        read |= set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', text))

    assert {"S3_BUCKET", "DATABASE_REPLICA_URL", "REDIS_CACHE_URL"} <= read
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
