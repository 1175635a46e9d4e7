"""Fangkong settings: one file, every value from the environment (see .env.example).

A secret may also be given as a file: FOO_FILE=/run/secrets/foo reads FOO from it.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    # An empty variable counts as unset: `FOO=` in a unit file must not blank a key.
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0")
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("FANGKONG_DATA_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("FANGKONG_DEBUG", False)
SECRET_KEY = env("FANGKONG_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
# Keyed hash of ID-card numbers: changing it makes stored hashes unmatchable.
ID_HASH_KEY = env("FANGKONG_ID_HASH_KEY", SECRET_KEY)
ALLOWED_HOSTS = env_list("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("FANGKONG_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("FANGKONG_SITE_NAME", "防控指挥平台")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "fangkong.core",
    "fangkong.orgs",
    "fangkong.reporting",
    "fangkong.notify",
    "fangkong.accountability",
    "fangkong.health",
    "fangkong.duty",
    "fangkong.incidents",
    "fangkong.supplies",
    "fangkong.funds",
    "fangkong.donations",
    "fangkong.teams",
    "fangkong.checkpoints",
    "fangkong.sites",
    "fangkong.inspections",
    "fangkong.notices",
    "fangkong.bulletins",
    "fangkong.canteens",
    "fangkong.rules",
    "fangkong.restart",
    "fangkong.workbench",
    "fangkong.exports",
]

MIDDLEWARE = [
    "fangkong.core.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fangkong.core.middleware.UserLanguageMiddleware",
    "fangkong.core.middleware.NoStoreMiddleware",
    "fangkong.orgs.middleware.ViewerTimeZoneMiddleware",
    "fangkong.core.middleware.AccessContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangkong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.core.context_processors.site",
                "fangkong.orgs.context_processors.scope",
                "fangkong.notify.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fangkong.sqlite3'}"),
        conn_max_age=int(env("FANGKONG_DB_CONN_MAX_AGE", "60")),
        # A kept connection is checked (a cheap ping) before the first query of each
        # request: after a database restart the request reconnects instead of answering
        # 500 once per app-server worker.
        conn_health_checks=True,
    )
}
# PostgreSQL connections (docs/operations.md, "Connection pooling"; measured in
# docs/performance.md): "persistent" keeps one connection per process for
# FANGKONG_DB_CONN_MAX_AGE seconds; "psycopg" gives each process Django's psycopg pool of
# one connection (a sync worker runs one request at a time; with a second one allowed, the
# pool opens two at the first request); "pgbouncer" is for a
# DATABASE_URL that points at PgBouncer in transaction mode (no server-side cursors, whose
# transaction-spanning state it cannot keep; prepared statements are off in Django anyway).
DB_POOL = env("FANGKONG_DB_POOL", "persistent").lower()
if DB_POOL not in ("persistent", "psycopg", "pgbouncer"):
    raise ImproperlyConfigured("FANGKONG_DB_POOL is persistent, psycopg or pgbouncer")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DB_POOL == "psycopg":
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": 1,
            # Seconds a request waits for the connection before an error: while the database
            # is down each request waits this long (the default 30 s would hold every
            # gunicorn worker and keep /healthz from answering 503).
            "timeout": 3,
        }
    elif DB_POOL == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE avoids
        # "database is locked" upgrades inside transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not a check: its password_changed hook revokes the user's API tokens.
    {"NAME": "fangkong.core.auth.RevokeTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FANGKONG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_PROXY = env_bool("FANGKONG_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login rate limiting (core.auth): this many failures of one (account, address) pair
# inside the window lock that pair out until the window has passed; one account from
# any address (or one address, after 4 times as many) is slowed down instead: each
# next try waits 1, 2, 4 … seconds after the last failure, at most the slowdown maximum.
LOGIN_MAX_FAILURES = int(env("FANGKONG_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(env("FANGKONG_LOGIN_LOCKOUT_MINUTES", "15"))
LOGIN_SLOWDOWN_MAX_SECONDS = int(env("FANGKONG_LOGIN_SLOWDOWN_MAX_SECONDS", "10"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Before the first collectstatic (tests, development), serve straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
if WHITENOISE_USE_FINDERS:
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_ROOT = DATA_DIR / "media"

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Excel uploads (core.xlsx.read_rows, every import): the file's size, what it unpacks to
# and its data rows. 50,000 rows of the roster sheet are about 2 MB packed, 25 MB
# unpacked; anything larger is split or is not a sheet of ours (a zip bomb).
IMPORT_MAX_ROWS = int(env("FANGKONG_IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_BYTES = int(env("FANGKONG_IMPORT_MAX_MB", "5")) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = int(env("FANGKONG_IMPORT_MAX_UNPACKED_MB", "50")) * 1024 * 1024
# Uploads above the import limit go to a temporary file, not into the worker's memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES

# Accountability ledger: occurrences within 30 days up to the first number are graded
# criticism (批评教育), up to the second circulated criticism (通报批评), then a proposal (问责建议).
ACCOUNTABILITY_THRESHOLDS = [int(n) for n in env_list("FANGKONG_ACCOUNTABILITY_THRESHOLDS", "2,4")]

# Staff health (M3–M5): the fever threshold in °C, the symptoms that open a case on their
# own, how long a personal check-in link lives, and the day the check-in reminder goes out.
HEALTH_FEVER_THRESHOLD = float(env("FANGKONG_FEVER_THRESHOLD", "37.3"))
HEALTH_RED_FLAG_SYMPTOMS = env_list("FANGKONG_RED_FLAG_SYMPTOMS", "fever,short_breath,taste_smell")
HEALTH_LINK_DAYS = int(env("FANGKONG_CHECKIN_LINK_DAYS", "365"))
HEALTH_REMINDER_TIME = env("FANGKONG_CHECKIN_REMINDER_TIME", "10:00")
HEALTH_OBSERVATION_DAYS = int(env("FANGKONG_OBSERVATION_DAYS", "14"))

# Supplies (M10): daily consumption is averaged over this many days (issues only, days out
# of stock left out); below the safety days of cover an item is short ("至少保持3天周转量"),
# above the overstock days it is overstocked. Requests unanswered this many hours are
# overdue (urgent, normal); a distributed batch not confirmed within the last is chased.
SUPPLY_RATE_DAYS = int(env("FANGKONG_SUPPLY_RATE_DAYS", "7"))
SUPPLY_SAFETY_DAYS = float(env("FANGKONG_SUPPLY_SAFETY_DAYS", "3"))
SUPPLY_OVERSTOCK_DAYS = float(env("FANGKONG_SUPPLY_OVERSTOCK_DAYS", "30"))
SUPPLY_REQUEST_HOURS = [int(n) for n in env_list("FANGKONG_SUPPLY_REQUEST_HOURS", "4,24")]
SUPPLY_RECEIPT_HOURS = int(env("FANGKONG_SUPPLY_RECEIPT_HOURS", "48"))
# Inspections (issue 13): a rectification item is due this many hours after its finding,
# by severity (serious, normal, minor: 24 h, 3 days, 7 days).
INSPECTION_DUE_HOURS = [int(n) for n in env_list("FANGKONG_INSPECTION_DUE_HOURS", "24,72,168")]
# Notices (issue 14): issuing needs a leading-group member's approval ("one") or not
# ("none"), unless an issuer setting up the unit's line says otherwise.
NOTICE_APPROVAL = env("FANGKONG_NOTICE_APPROVAL", "one")
# Canteens (issue 14): a published plan of today is replanned before its meal when the head
# counts on post moved by more than this percentage of the people it planned.
CANTEEN_REPLAN_PERCENT = float(env("FANGKONG_CANTEEN_REPLAN_PERCENT", "10"))
# Return to work (issue 14): the readiness checklist asks for this many days of cover of the
# supplies in use, and this share of the last 14 days' check-ins done.
RESTART_COVER_DAYS = int(env("FANGKONG_RESTART_COVER_DAYS", "7"))
RESTART_SCREENED_PERCENT = int(env("FANGKONG_RESTART_SCREENED_PERCENT", "80"))
# The liaison's grid posts a whole unit at once (about 7 fields a person).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

EMAIL_BACKEND = env("FANGKONG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("FANGKONG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("FANGKONG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("FANGKONG_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("FANGKONG_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("FANGKONG_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("FANGKONG_EMAIL_FROM", "fangkong@localhost")

# Follow-up work (fangkong.core.followups: open the incident of a case, tell the office, record
# a ledger entry): a failing one is retried after 30 s, 1 min, 2 min… (at most an hour) and
# given up, shown to system admins at /me/followups/, after this many attempts.
FOLLOWUP_MAX_ATTEMPTS = int(env("FANGKONG_FOLLOWUP_MAX_ATTEMPTS", "10"))
FOLLOWUP_BACKOFF_SECONDS = int(env("FANGKONG_FOLLOWUP_BACKOFF_SECONDS", "30"))

# Notifications (fangkong.notify): the outbox is delivered by `fangkong worker`. A failed
# message is retried after 30 s, 1 min, 2 min… and given up after this many attempts.
NOTIFY_MAX_ATTEMPTS = int(env("FANGKONG_NOTIFY_MAX_ATTEMPTS", "6"))
NOTIFY_BACKOFF_SECONDS = int(env("FANGKONG_NOTIFY_BACKOFF_SECONDS", "30"))
# Seconds one robot call or mail may take: a hanging receiver stalls the worker no longer.
NOTIFY_TIMEOUT = float(env("FANGKONG_NOTIFY_TIMEOUT", "5"))
# How long a worker holds the messages it claimed; a killed worker's messages are sent
# again after it. 0: automatic (12 timeouts, at least 60 s). Shorter than two timeouts
# risks a slow send being taken over and sent twice.
NOTIFY_LEASE_SECONDS = float(env("FANGKONG_NOTIFY_LEASE_SECONDS", "0"))
# The lease on an urgent message (incident alerts): 0: automatic (3 timeouts, at least 15 s).
NOTIFY_URGENT_LEASE_SECONDS = float(env("FANGKONG_NOTIFY_URGENT_LEASE_SECONDS", "0"))
# Absolute links in mail, SMS and robot texts (messages keep relative ones), e.g.
# "https://fk.example.org"; empty: those texts carry no link.
NOTIFY_BASE_URL = env("FANGKONG_BASE_URL").rstrip("/")
# Non-urgent SMS and email wait out these hours (in each unit's time zone); "off": never.
NOTIFY_QUIET_HOURS = env("FANGKONG_QUIET_HOURS", "22:00-07:00")
# SMS: the gateway (dotted path of a callable or class, see notify/sms.py); the console
# gateway only logs the masked number and the length. The HTTP gateway posts JSON to the URL.
SMS_GATEWAY = env("FANGKONG_SMS_GATEWAY", "fangkong.notify.sms.ConsoleGateway")
SMS_URL = env("FANGKONG_SMS_URL")
SMS_TOKEN = env("FANGKONG_SMS_TOKEN")

# Operability (docs/operations.md). /healthz answers 503 when no worker beat within this
# many seconds (or the live ones leave a sweep unrun), or a due message waited longer than
# the outbox's; checks named in the optional list (e.g. "worker" for a serve without a
# worker) are reported and never make it 503.
HEALTHZ_WORKER_SECONDS = float(env("FANGKONG_HEALTHZ_WORKER_SECONDS", "180"))
HEALTHZ_OUTBOX_SECONDS = float(env("FANGKONG_HEALTHZ_OUTBOX_SECONDS", "300"))
HEALTHZ_OPTIONAL = env_list("FANGKONG_HEALTHZ_OPTIONAL")
# /metrics: for `Authorization: Bearer <token>`, or for clients on the allow-list (addresses
# or networks); anyone else gets 404.
METRICS_TOKEN = env("FANGKONG_METRICS_TOKEN")
METRICS_ALLOW = env_list("FANGKONG_METRICS_ALLOW", "127.0.0.1,::1")

# Logs: "plain" lines, or "json" (one object per line: time, level, logger, message and the
# record's plain extra fields; core/logformat.py), for the app, the worker and gunicorn.
LOG_FORMAT = env("FANGKONG_LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("FANGKONG_LOG_FORMAT is plain or json")

# Logs carry no personal data: person-level views log ids, never names or health values.
# Every handler redacts (fangkong/core/redaction.py): no link token, query string, row
# content or exception text reaches a log line. Django's own handlers are replaced by this
# one (its `django` and `django.server` loggers otherwise print through handlers of theirs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "fangkong.core.redaction.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "fangkong.core.logformat.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("FANGKONG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
