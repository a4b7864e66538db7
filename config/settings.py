"""Qingdan settings: one module, everything that differs between machines comes from the environment.

With no environment at all the app runs embedded: SQLite in ``var/``, Celery over kombu's
filesystem transport (no broker server), mail written to ``var/mail``. Setting DATABASE_URL and
REDIS_URL switches to PostgreSQL and Redis. Every variable is listed in README.md.
"""

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config import scaleout
from config.api_settings import api_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("QINGDAN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A random key kept in var/ so sessions survive restarts without anyone choosing a key."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before django.contrib.auth: accounts' createsuperuser and changepassword (audited)
    # take the place of Django's.
    "audit",
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "formtokens",
    "campaigns",
    "notifications",
    "tasks",
    "cycles",
    "measures",
    "reporting",
    "demo",
    "inspections",
    "challenges",
    "problems",
    "exports",
    "cockpit",
    "api",
    "webhooks",
    "apiplus",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.uploads.RequestSizeLimitMiddleware",
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CSRF and authentication: one form sent twice is acted on once (README, "Forms").
    "formtokens.middleware.FormTokenMiddleware",
    "accounts.middleware.LoginPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.errors.RuleViolationMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.menu",
                "notifications.context_processors.unread",
            ],
            # {% form_token %} in every POST form without a {% load %}; {% url %} remembering
            # what it reversed (config/urltag.py).
            "builtins": ["formtokens.templatetags.formtokens", "config.urltag"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite runs in WAL mode with IMMEDIATE transactions so that the web server, the worker and
# beat can write side by side without "database is locked" errors.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'qingdan.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The covering indexes' INCLUDE columns are PostgreSQL's; SQLite builds their keys alone.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Through PgBouncer in transaction pooling, a cursor cannot outlive its transaction.
    if env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # The pages' queries are short: PostgreSQL's JIT spent 100–150 ms compiling the draft
        # ranking's grouped counts before running them (README "Speed of the pages"). PgBouncer
        # refuses startup options: behind it, jit is turned off on the server (compose's db).
        # work_mem: at 4 MB the planner sorted a campaign's 100,000 tasks on disk to group them
        # for the cockpit (0.5 s) where a hash in 16 MB takes a tenth of it.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", "-c jit=off -c work_mem=16MB"
        )
# Compiled reads as server-side prepared statements (config/prepared.py); not via PgBouncer.
_PGBOUNCER = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=not _PGBOUNCER)
# An optional read replica for dashboards, bulletins and exports (config/replica.py).
DATABASES.update(scaleout.replica_database(env, DATABASES["default"]))
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Login policy (等保 2.0 level 3; README "Security"). Passwords: at least 10 characters of
# three kinds, not like the person's name, not a common one, none of the last 5.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"keep": env.int("PASSWORD_HISTORY", default=5)},
    },
]
# A password older than this must be changed at the next request; 0 = never expires.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend"]
# Lockout: this many failures for one username (or from one address) within the window lock
# it for LOCKOUT_MINUTES; a security administrator can release it sooner.
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_ADDRESS_FAILURES = env.int("LOCKOUT_ADDRESS_FAILURES", default=20)
LOCKOUT_WINDOW_MINUTES = env.int("LOCKOUT_WINDOW_MINUTES", default=15)
LOCKOUT_MINUTES = max(env.int("LOCKOUT_MINUTES", default=15), 10)
# Sessions end after SESSION_IDLE_SECONDS without a request (the page warns a minute before)
# and SESSION_ABSOLUTE_SECONDS after login whatever the activity.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The second factor (TOTP) of system, security and audit administrators and superusers:
# required unless turned off (the embedded demo turns it off in dev.py's environment).
ADMIN_TOTP_REQUIRED = env.bool("ADMIN_TOTP_REQUIRED", default=True)
TOTP_ISSUER = env.str("TOTP_ISSUER", default="Qingdan")
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies of ours stand in front of the app: the client's address is then
# read from X-Forwarded-For (audit trail, lockout by address); 0 = use the connection's.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS (README "Deploying"): redirect plain HTTP, tell browsers to insist on HTTPS
# (HSTS), and trust the proxy's X-Forwarded-Proto. All off unless the environment says so, so
# the embedded default still runs on http://127.0.0.1.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's probe comes over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded files: MEDIA_ROOT, or an S3-compatible object store when S3_BUCKET is set.
    "default": scaleout.media_storage(env),
    "staticfiles": {"BACKEND": "config.staticfiles.StaticFilesStorage"},
}
# Tests and the run command may serve straight from the finders, without collectstatic.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: evidence goes through a permission-checked view
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole request body (config/uploads.py): ten evidence files and the form; anonymous callers
# only a login form's worth. Refused from the declared length before anything is read, and
# while streaming.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=10 * UPLOAD_MAX_BYTES + 1024 * 1024)
ANONYMOUS_REQUEST_MAX_BYTES = env.int("ANONYMOUS_REQUEST_MAX_BYTES", default=64 * 1024)
FILE_UPLOAD_HANDLERS = [
    "config.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Importing lists (see README, "Importing and exporting lists") -------------------------
# A file is judged on its bytes before anything parses it; these are the limits.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_ZIP_ENTRIES = env.int("IMPORT_MAX_ZIP_ENTRIES", default=1_000)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
# Files with more rows than this are checked and imported by a background job with a
# progress bar; smaller ones right away.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2_000)
# A plan's text or Word file larger than this is checked by a background job too.
IMPORT_BACKGROUND_TEXT_BYTES = env.int("IMPORT_BACKGROUND_TEXT_BYTES", default=200 * 1024)

# --- Mail ---------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: every message is written to a file under var/mail.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qingdan@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # a mail server that hangs must not hold a job

# --- Notifications ------------------------------------------------------------------------
# Links in mails and robot messages are absolute only when the site's address is known.
SITE_URL = env.str("SITE_URL", default="")
NOTIFY_HTTP_TIMEOUT = env.int("NOTIFY_HTTP_TIMEOUT", default=10)  # seconds per robot request
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)  # then the delivery has failed
NOTIFY_RETRY_SECONDS = env.int("NOTIFY_RETRY_SECONDS", default=60)  # first wait; doubles, ≤ 1 h
# Where robots may post (notifications/webhooks.py): https, these hosts, no private address.
ROBOT_WEBHOOK_HOSTS = env.list(
    "ROBOT_WEBHOOK_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
# Only for an intranet relay of the platforms' API that has no public address (and tests).
ROBOT_WEBHOOK_ALLOW_PRIVATE = env.bool("ROBOT_WEBHOOK_ALLOW_PRIVATE", default=False)
ROBOT_WEBHOOK_ALLOW_HTTP = env.bool("ROBOT_WEBHOOK_ALLOW_HTTP", default=False)
# Webhooks to other systems (webhooks/): https only; this lets them post over http to
# 127.0.0.1 (tests, or a relay on the same machine).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)

# --- Cache and sessions (shared by every web node when REDIS_URL is set) ------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis behind Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_MASTER): None when REDIS_URL is the server.
REDIS_SENTINEL = scaleout.redis_sentinel(env, REDIS_URL)
CACHES, SESSION_ENGINE = scaleout.cache_and_sessions(env, REDIS_URL, REDIS_SENTINEL)

# --- Celery -------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = scaleout.celery_redis_url(REDIS_URL, REDIS_SENTINEL)
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    # A job taken by a worker that died is handed out again after this many seconds.
    # Workers look for such jobs every 10 s (kombu's default throttle would make it 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        **scaleout.sentinel_transport_options(REDIS_SENTINEL),
    }
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = scaleout.sentinel_transport_options(REDIS_SENTINEL)
    # Two beats at once (a mistake, a deploy overlapping) still send each job once per
    # period: each send claims its period in Redis first (config/beat.py).
    CELERY_BEAT_SCHEDULER = "config.beat:SingleScheduler"
else:
    # kombu's filesystem transport: the broker is a folder, so nothing needs to be running.
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _results = VAR_DIR / "celery" / "results"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _results, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    # The folder transport ignores the host, but kombu warns "No hostname was supplied" on
    # every connection when the URL names none.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_results}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "accounts.jobs.heartbeat", "schedule": 60.0},
    # Opens, reminds and closes dispatch rounds, opens monthly reviews, reminds follow-ups.
    # Idempotent: running it more often, twice, or late changes nothing but the timing.
    "run-due-cycles": {
        "task": "cycles.jobs.run_due_cycles",
        "schedule": env.float("CYCLES_EVERY_SECONDS", default=300.0),
    },
    # 签收: reminds a unit once of each task it left unacknowledged past its campaign's hours.
    # Idempotent (each task is marked reminded under a row lock in the same transaction).
    "acknowledgements-remind": {
        "task": "tasks.jobs.acknowledgements_remind",
        "schedule": env.float("ACK_REMIND_EVERY_SECONDS", default=300.0),
    },
    # Retries after their backoff, and sends whose message or worker was lost.
    "deliveries-sweep": {
        "task": "notifications.jobs.deliveries_sweep",
        "schedule": env.float("DELIVERIES_SWEEP_EVERY_SECONDS", default=60.0),
    },
    "webhook-deliveries-sweep": {
        "task": "webhooks.jobs.webhook_deliveries_sweep",
        "schedule": env.float("DELIVERIES_SWEEP_EVERY_SECONDS", default=60.0),
    },
    # Housekeeping at night (local time), when nobody is uploading.
    "deliveries-prune": {
        "task": "notifications.jobs.deliveries_prune",
        "schedule": crontab(hour=3, minute=10),
    },
    "webhook-deliveries-prune": {
        "task": "webhooks.jobs.webhook_deliveries_prune",
        "schedule": crontab(hour=3, minute=15),
    },
    "list-imports-prune": {
        "task": "campaigns.jobs.list_imports_prune",
        "schedule": crontab(hour=3, minute=20),
    },
    # Audit rows past AUDIT_KEEP_DAYS (never fewer than 180 days); the prune is itself audited.
    "audit-prune": {"task": "audit.jobs.audit_prune", "schedule": crontab(hour=3, minute=40)},
    "login-records-prune": {
        "task": "accounts.jobs.login_records_prune",
        "schedule": crontab(hour=3, minute=50),
    },
    "evidence-orphans-remove": {
        "task": "tasks.jobs.evidence_orphans_remove",
        "schedule": crontab(hour=3, minute=30),
    },
    "report-uploads-prune": {
        "task": "reporting.jobs.report_uploads_prune",
        "schedule": crontab(hour=3, minute=25),
    },
    "list-exports-prune": {"task": "exports.jobs.list_exports_prune", "schedule": 3600.0},
    "form-tokens-prune": {
        "task": "formtokens.jobs.form_tokens_prune",
        "schedule": crontab(hour=3, minute=40),
    },
}
# How long housekeeping keeps things (see the README's "Housekeeping").
DELIVERIES_KEEP_DAYS = env.int("DELIVERIES_KEEP_DAYS", default=90)
IMPORTS_KEEP_DAYS = env.int("IMPORTS_KEEP_DAYS", default=30)
# A list's export: written in the request up to this many tasks, by a job above (README,
# "Exports"); the same export asked for again this soon after is the one already written;
# finished exports (task content) leave the storage after this many hours.
EXPORT_INLINE_MAX_TASKS = env.int("EXPORT_INLINE_MAX_TASKS", default=2000)
EXPORT_REUSE_SECONDS = env.int("EXPORT_REUSE_SECONDS", default=60)
EXPORTS_KEEP_HOURS = env.int("EXPORTS_KEEP_HOURS", default=24)
# 一表填报 uploads never confirmed are forgotten after this many days (their round is over).
REPORT_UPLOADS_KEEP_DAYS = env.int("REPORT_UPLOADS_KEEP_DAYS", default=14)
ORPHAN_FILES_GRACE_HOURS = env.int("ORPHAN_FILES_GRACE_HOURS", default=24)
# A form's one-time token is remembered this long: a page kept open longer sends anew.
FORM_TOKENS_KEEP_HOURS = env.int("FORM_TOKENS_KEEP_HOURS", default=48)
# The security audit trail is kept this long (at least 180 days, whatever is set here).
AUDIT_KEEP_DAYS = env.int("AUDIT_KEEP_DAYS", default=365)

# django-import-export (admin import and export of units, export of tasks): who may use it.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- API (config/api_settings.py) ---------------------------------------------------------
vars().update(api_settings(env))
# A personal API token lives at most this many days (the person chooses less).
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# --- Demo ---------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="qingdan-demo-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

ADMIN_SITE_HEADER = _("Qingdan administration")
