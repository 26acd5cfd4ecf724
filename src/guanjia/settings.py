"""Django settings for Guanjia.

One module for every deployment; the environment decides (see README "Configuration").
SQLite under var/ by default, PostgreSQL when DATABASE_URL is set.
"""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from guanjia.paths import PACKAGE_DIR, VAR_DIR


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("GUANJIA_SECRET_KEY")
    if key:
        return key
    # A local install keeps a generated key under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


DEBUG = _env_bool("GUANJIA_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GUANJIA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("GUANJIA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Serves the API docs' Swagger UI from our own static files instead of a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "guanjia.core",
    "guanjia.org",
    "guanjia.people",
    "guanjia.catalog",
    "guanjia.tickets",
    "guanjia.notifications",
    "guanjia.sla",
    "guanjia.open311",
    "guanjia.dispatch",
    "guanjia.resident",
    "guanjia.console",
    "guanjia.workbench",
    "guanjia.dashboard",
    "guanjia.triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "guanjia.urls"
WSGI_APPLICATION = "guanjia.wsgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/home/"
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
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


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["ENGINE"] = "guanjia.core.dbbackends.sqlite3"
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "guanjia.core.dbbackends.sqlite3", "NAME": VAR_DIR / "guanjia.sqlite3"}


DATABASES = {"default": _database()}
if DATABASES["default"]["ENGINE"] == "guanjia.core.dbbackends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # A file (not :memory:) so tests can race threads through WAL; one per process so parallel
    # runs do not collide.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The console's backlog plan posts one checkbox per proposed assignment in one form, up to
# dispatch.selectors.BACKLOG_CAP (2,000); Django's default refuses more than 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2100

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own assets (site.css) sit beside the apps, not inside one.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GUANJIA_MEDIA_ROOT", VAR_DIR / "media"))

# The message triage model: trained from the shipped corpus on first use, retrained by
# `guanjia triage-train`; never downloaded.
TRIAGE_MODEL_PATH = Path(os.environ.get("GUANJIA_TRIAGE_MODEL", VAR_DIR / "triage" / "model.npz"))

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Behind a reverse proxy, the request header that carries the client's address (for example
# HTTP_X_FORWARDED_FOR; the last address in it counts). Unset: REMOTE_ADDR. Lockouts and rate
# limits are keyed on it, so set it only when every request really comes through that proxy.
GUANJIA_TRUSTED_PROXY_HEADER = os.environ.get("GUANJIA_TRUSTED_PROXY_HEADER", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("GUANJIA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Guanjia's own knobs.
# Typed loosely: values are ints, floats and strings, read by key where each is known.
GUANJIA: dict[str, Any] = {
    # Hours after resolution before an unrated order closes itself.
    "AUTO_CLOSE_HOURS": int(os.environ.get("GUANJIA_AUTO_CLOSE_HOURS", "48")),
    # Days after resolution during which a resident may still reopen an order.
    "REOPEN_DAYS": 7,
    # Ratings at or below this reopen the order instead of closing it.
    "REOPEN_RATING_MAX": 2,
    # Photo limits (bytes and pixels), checked before decoding.
    "PHOTO_MAX_BYTES": 8 * 1024 * 1024,
    "PHOTO_MAX_PIXELS": 40_000_000,
    "PHOTO_MAX_SIDE": 1600,
    # Wrong passwords (per username, and per client address) before sign-in is refused for a while.
    "LOGIN_MAX_FAILURES": int(os.environ.get("GUANJIA_LOGIN_MAX_FAILURES", "5")),
    "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("GUANJIA_LOGIN_LOCKOUT_MINUTES", "15")),
    # Orders one client address may place on the public form per hour (SECURITY.md, Input).
    "RESIDENT_ORDERS_PER_HOUR": int(os.environ.get("GUANJIA_RESIDENT_ORDERS_PER_HOUR", "10")),
    # The gas company's emergency line, shown beside 119/110/120 for gas smells and fires. The
    # default is Beijing Gas's; set your city's.
    "GAS_HOTLINE": os.environ.get("GUANJIA_GAS_HOTLINE", "96777"),
    # Years residents' personal data (phone, place, photos) is kept, as the privacy notice says.
    "PERSONAL_DATA_RETENTION_YEARS": int(os.environ.get("GUANJIA_RETENTION_YEARS", "3")),
    # The escalation ladder, as shares of a deadline's window: 预警 (warn) when this much has
    # passed, 督办 (supervise) when this much has (1.5: half the window again after the deadline).
    "ESCALATION_WARN": 0.8,
    "ESCALATION_SUPERVISE": 1.5,
    # Notification delivery (notifications/delivery.py, backends.py; README "Notifications").
    "NOTIFY": {
        # Channels the worker delivers through: inapp, sms, email, robot (robot needs ROBOT_URL).
        "CHANNELS": [
            c.strip()
            for c in os.environ.get("GUANJIA_NOTIFY_CHANNELS", "inapp,sms,email,robot").split(",")
            if c.strip()
        ],
        # A class with send(phone, text, *, ref=""); the console backend writes to the log.
        "SMS_BACKEND": os.environ.get(
            "GUANJIA_SMS_BACKEND", "guanjia.notifications.backends.ConsoleSMS"
        ),
        # A WeCom/DingTalk-style group robot webhook; off when empty. The secret signs it.
        "ROBOT_URL": os.environ.get("GUANJIA_ROBOT_URL", ""),
        "ROBOT_SECRET": os.environ.get("GUANJIA_ROBOT_SECRET", ""),
        # Where links in texts point (https://desk.example.gov.cn); relative links when empty.
        "SITE_URL": os.environ.get("GUANJIA_SITE_URL", "").rstrip("/"),
        # Attempts per notification before it is given up (backoff doubles from a minute).
        "MAX_ATTEMPTS": int(os.environ.get("GUANJIA_NOTIFY_MAX_ATTEMPTS", "8")),
    },
}

# E-mail for notifications: the console unless the deployment names a backend (and its EMAIL_HOST).
EMAIL_BACKEND = os.environ.get(
    "GUANJIA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("GUANJIA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GUANJIA_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("GUANJIA_EMAIL_FROM", "guanjia@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("GUANJIA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
