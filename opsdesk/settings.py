"""opsdesk settings: one module, driven by environment variables (see docs/operations.md)."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read a setting from NAME, or from the file named by NAME_FILE (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting."""
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("OPSDESK_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured secret key, or one generated once and kept in the data directory."""
    configured = env("OPSDESK_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("OPSDESK_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("OPSDESK_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in env("OPSDESK_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "opsdesk.core",
    "opsdesk.accounts",
    "opsdesk.tickets",
    "opsdesk.notifications",
    "opsdesk.sla",
    "opsdesk.duplicates",
    "opsdesk.incidents",
    "opsdesk.alerts",
    "opsdesk.postmortems",
    "opsdesk.status",
    "opsdesk.inbound",
    "opsdesk.communications",
    "opsdesk.automation",
    "opsdesk.connectors",
    "opsdesk.playbooks",
    "opsdesk.reports",
    "opsdesk.web",
    "opsdesk.portal",
    "opsdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opsdesk.core.api_errors.ApiErrorFormatMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opsdesk.core.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "opsdesk.core.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opsdesk.urls"
WSGI_APPLICATION = "opsdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'opsdesk.sqlite3'}"),
        conn_max_age=int(env("OPSDESK_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("OPSDESK_DB_SERVER_BINDING", True):
    # Parameters sent apart from the statement, so the statements a connection repeats are
    # prepared once (psycopg, from the fifth use; Django leaves it off for the poolers
    # that cannot keep them): off behind a transaction-pooling PgBouncer.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that cannot be reached fails a connection attempt after this many seconds
    # (libpq waits for ever by default), so the worker can say so, back off and try again.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        env("OPSDESK_DB_CONNECT_TIMEOUT", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login rate limiting: five failures from one address and user lock the pair for 15 minutes.
AXES_FAILURE_LIMIT = int(env("OPSDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (it holds the email)
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "opsdesk.accounts.views.locked_out"

SECURE_COOKIES = env_bool("OPSDESK_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("OPSDESK_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "opsdesk" / "locale"]
TIME_ZONE = env("OPSDESK_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"

# One cache shared by every web process and worker, kept in the database (no extra service):
# queue counts, rate limits. Its table is created after each migrate (core.apps).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                      "LOCATION": "opsdesk_cache"}}

# Background jobs: Django's Tasks API with the database backend; `opsdesk worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Outgoing email: SMTP when OPSDESK_SMTP_HOST is set, otherwise printed to the console.
DEFAULT_FROM_EMAIL = env("OPSDESK_FROM_EMAIL", "opsdesk <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OPSDESK_MAIL_DOMAIN = env("OPSDESK_MAIL_DOMAIN", "opsdesk.localhost")  # right side of Message-IDs
if env("OPSDESK_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("OPSDESK_SMTP_HOST")
    EMAIL_PORT = int(env("OPSDESK_SMTP_PORT", "587"))
    EMAIL_HOST_USER = env("OPSDESK_SMTP_USER")
    EMAIL_HOST_PASSWORD = env("OPSDESK_SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("OPSDESK_SMTP_STARTTLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("OPSDESK_LOG_LEVEL", "INFO")},
}

# Automatic messages (ACK at classification, fan-out, closure, rating request). Scenario
# replays switch them off to reproduce a manual timeline.
OPSDESK_AUTO_NOTIFY = env_bool("OPSDESK_AUTO_NOTIFY", True)
# Every worker writes its heartbeat this often; a job its worker claimed is queued again for
# any worker once that worker has not been seen for the lease (killed, or cut off from the
# database), so within about lease + heartbeat seconds (core/leases.py). /healthz is
# "degraded" when no worker has been seen for OPSDESK_WORKER_SEEN_SECONDS.
OPSDESK_WORKER_HEARTBEAT_SECONDS = float(env("OPSDESK_WORKER_HEARTBEAT_SECONDS", "5"))
OPSDESK_JOB_LEASE_SECONDS = float(env("OPSDESK_JOB_LEASE_SECONDS", "20"))
OPSDESK_WORKER_SEEN_SECONDS = float(env("OPSDESK_WORKER_SEEN_SECONDS", "120"))

# SLA policies, CoS rules and templates are kept per process this many seconds; a change
# made in another process (the admin, the API) reaches this one within that time.
OPSDESK_CONFIG_CACHE_SECONDS = float(env("OPSDESK_CONFIG_CACHE_SECONDS", "5"))

# Email in: attachments larger than this are not stored; mail to a ticket closed longer ago
# than the window opens a follow-up ticket instead.
OPSDESK_MAX_ATTACHMENT_BYTES = int(env("OPSDESK_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
OPSDESK_REOPEN_WINDOW_DAYS = int(env("OPSDESK_REOPEN_WINDOW_DAYS", "7"))
# Duplicate check: the score (0–1) from which an open ticket is a likely duplicate, and how many.
OPSDESK_DUPLICATE_THRESHOLD = float(env("OPSDESK_DUPLICATE_THRESHOLD", "0.5"))
OPSDESK_DUPLICATE_MAX = int(env("OPSDESK_DUPLICATE_MAX", "5"))
# Incident matching (docs/incident-matching.md): a new ticket scoring at least LINK against an
# open incident is linked to it; from SUGGEST the incident is shown to the agent as a candidate.
OPSDESK_INCIDENT_LINK_THRESHOLD = float(env("OPSDESK_INCIDENT_LINK_THRESHOLD", "0.4"))
OPSDESK_INCIDENT_SUGGEST_THRESHOLD = float(env("OPSDESK_INCIDENT_SUGGEST_THRESHOLD", "0.25"))
# Incidents: how long a resolved one is watched for its return, and the follow-ups
# (title, minutes after resolving) it schedules.
OPSDESK_INCIDENT_WATCH_HOURS = float(env("OPSDESK_INCIDENT_WATCH_HOURS", "24"))
OPSDESK_INCIDENT_REOPEN_ON_MATCH = env_bool("OPSDESK_INCIDENT_REOPEN_ON_MATCH", False)
# Postmortems: the owner of an open action item is reminded once when it is due within
# this many days (or overdue).
OPSDESK_ACTION_REMINDER_DAYS = int(env("OPSDESK_ACTION_REMINDER_DAYS", "2"))
OPSDESK_INCIDENT_FOLLOW_UPS = (
    ("Check again that it works", 60),
    ("Confirm with the coordinators of the affected groups", 24 * 60),
)
# Minutes a person takes for a fix a playbook does by itself (automation metrics).
OPSDESK_MANUAL_FIX_MINUTES = int(env("OPSDESK_MANUAL_FIX_MINUTES", "15"))

# Where people reach opsdesk: used in links sent by email (rating links, …).
OPSDESK_BASE_URL = env("OPSDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The API's page sizes (API.md: default 50, max 200).
OPSDESK_PAGE_SIZE = 50
OPSDESK_PAGE_SIZE_MAX = 200
