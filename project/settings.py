"""Settings for the project, read from the environment with django-environ.

Every variable is documented in README.md. Production values that have no safe
default (``SECRET_KEY``) stop start-up with a message naming the variable.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _env_url(name: str, parse, schemes, default: str, example: str) -> dict:
    """Parse a URL variable, turning django-environ's errors into one that names it."""
    value = env.str(name, default=default)
    scheme = value.split(":", 1)[0]
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} has an unknown scheme {scheme!r}; use for example {example} "
            "(see README.md, 'Configuration')."
        )
    try:
        urlsplit(value).port  # noqa: B018  (raises ValueError on a malformed port)
        return parse(value)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name} is not a valid URL ({exc}). See README.md, 'Configuration', for examples."
        ) from None


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or put it "
            "in .env) to a long random string, for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Development only: DEBUG is on, so nothing signed with this key is trusted.
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])

SITE_NAME = env.str("SITE_NAME", default="People")
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "SITE_URL must start with https:// (or http:// for local development), "
        f"for example https://people.example.com; it is {SITE_URL!r}."
    )
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL else []

INVITE_MAX_AGE = env.int("INVITE_MAX_AGE", default=7 * 24 * 60 * 60)
RESET_MAX_AGE = env.int("RESET_MAX_AGE", default=24 * 60 * 60)
LINK_MAX_AGE_LIMIT = env.int("LINK_MAX_AGE_LIMIT", default=90 * 24 * 60 * 60)
API_TOKEN_MAX_AGE = env.int("API_TOKEN_MAX_AGE", default=365 * 24 * 60 * 60)

# Access requests (/accounts/request/): off unless switched on. The cap keeps
# a flood of requests from burying real ones; declined and stale requests are
# purged (purge_links) after ACCESS_REQUESTS_MAX_AGE seconds.
ACCESS_REQUESTS = env.bool("ACCESS_REQUESTS", default=False)
ACCESS_REQUESTS_MAX_PENDING = env.int("ACCESS_REQUESTS_MAX_PENDING", default=200)
ACCESS_REQUESTS_MAX_AGE = env.int("ACCESS_REQUESTS_MAX_AGE", default=30 * 24 * 60 * 60)
# A request nobody decided expires after this many seconds (it no longer counts
# towards the caps, and can no longer be approved); one network (an IPv4 /24 or
# IPv6 /64) has at most ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK pending at once.
ACCESS_REQUESTS_PENDING_MAX_AGE = env.int(
    "ACCESS_REQUESTS_PENDING_MAX_AGE", default=14 * 24 * 60 * 60
)
ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK = env.int(
    "ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK", default=10
)

# Two-factor sign-in (accounts.two_factor): who must type a code from an
# authenticator app after their password. A typo must not quietly turn it off.
TWO_FACTOR = env.str("TWO_FACTOR", default="staff").strip().lower()
if TWO_FACTOR not in ("off", "staff", "all"):
    raise ImproperlyConfigured(
        f"TWO_FACTOR must be off, staff or all; it is {TWO_FACTOR!r}. "
        "See README.md, 'Configuration'."
    )

INSTALLED_APPS = [
    "project.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_ratelimit",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "project",
    "accounts",
    "invites",
    "scim",
]

MIDDLEWARE = [
    # First: every layer after it reads the client's address in REMOTE_ADDR.
    "project.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry the policies too.
    "csp.middleware.CSPMiddleware",
    "project.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Redis or the database out of reach in a view, its rate limits or its
    # template (where the session is read): 503, never 500. handler500 answers
    # the same elsewhere.
    "project.middleware.ServiceUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session typed a code; then
    # whoever TWO_FACTOR requires and has not is signed out (accounts.middleware).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
                "project.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": _env_url(
        "DATABASE_URL",
        env.db_url_config,
        env.DB_SCHEMES,
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        "postgres://user:password@127.0.0.1:5432/people or sqlite:////srv/people/db.sqlite3",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two concurrent
    # redemptions queue up instead of failing with "database is locked" when a
    # read lock is upgraded; the timeout is how long a writer waits in that queue.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests on a file, not in memory: an in-memory database shared between
    # threads locks whole tables and ignores the timeout, so the tests of
    # simultaneous redemptions could not run. One file per test process.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"people-test-{os.getpid()}.sqlite3")
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests: opening one costs more than serving a
# link page (several milliseconds on PostgreSQL).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": _env_url(
        "CACHE_URL",
        env.cache_url_config,
        env.CACHE_SCHEMES,
        "locmemcache://",
        "redis://127.0.0.1:6379/0",
    )
}

_REDIS_CACHE = CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
if _REDIS_CACHE:
    # Redis answers in well under a millisecond: one that takes half a second
    # is down, and waiting longer only holds the worker (redis-py waits 5 s).
    # After a failure the worker skips Redis for a few seconds (project/cache.py),
    # so this is about the longest any request waits for a Redis that is down.
    # CACHE_URL's query overrides, e.g. redis://…/0?socket_timeout=3, and
    # skip_after_failure=10 to leave Redis alone longer after a failure.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
    # Django's Redis cache, with one client per connection pool, left alone
    # for a few seconds after a failure (project/cache.py).
    CACHES["default"]["BACKEND"] = "project.cache.RedisCache"

# With Redis, sessions live in the database and are cached in Redis
# (project.sessions: Django's cached_db, which reads the database alone while
# Redis is away), so restarting or losing Redis signs nobody out.
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default="project.sessions" if _REDIS_CACHE else "django.contrib.sessions.backends.db",
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
# Signed-in people land on their own account page (names, recent sign-ins).
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

# Argon2id first (new hashes), PBKDF2 after it so that hashes made before still
# verify and are upgraded on the next sign-in. Parameters: see accounts/hashers.py.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.DifferentFromCurrentPasswordValidator"},
    # A huge password is refused without hashing it: the validators above
    # are linear in its length (the similarity check cuts long ones short),
    # the one before skips it, and the form never reaches the hasher.
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
# Dates read "2026-12-07 01:45 UTC" on every page, the admin's own included: a
# language added to LANGUAGES gets a module there too.
FORMAT_MODULE_PATH = ["project.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "project.storage.StaticFilesStorage"
        )
    },
}
# Serve files found by the finders when collectstatic has not run (tests, and a
# quick start with DEBUG off); a deployment runs collectstatic.
WHITENOISE_USE_FINDERS = True

# --- Rate limits (django-ratelimit) -----------------------------------------
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# The client address is REMOTE_ADDR unless a trusted reverse proxy is named:
# then it is the last address that proxy appended to its header. Trusting a
# header no proxy overwrites would let anyone escape the limits by forging it.
PROXY_CLIENT_IP_HEADER = env.str("PROXY_CLIENT_IP_HEADER", default="")
RATELIMIT_IP_META_KEY = "project.net.client_ip"
PROXY_SSL_HEADER = env.str("PROXY_SSL_HEADER", default="")
if PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + PROXY_SSL_HEADER.upper().replace("-", "_"),
        "https",
    )

SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only django-redis among Redis backends; Django's
    # own RedisCache increments atomically (INCR) and is shared by all workers,
    # which is all the limits need. project.checks warns instead when the
    # configured cache is not shared (local memory) in a deployment.
    "django_ratelimit.W001",
    "django_ratelimit.E003",
    # HSTS preloading is a commitment for the whole domain that only its owner
    # can make; SECURE_HSTS_PRELOAD=on opts in. Everything else HSTS is on.
    "security.W021",
]

# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "project.errors.csrf_failure"
# "same-origin" rather than "no-referrer": Django's CSRF check on HTTPS needs a
# Referer from our own origin.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Every page: scripts, styles, images and fetches from this site only, no
# inline code, no plugins, no framing, forms that post here only. The admin
# needs nothing more: its scripts are files that read their data from data-*
# attributes. (django-csp leaves Django's debug pages alone when DEBUG is on.)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Browser features the site never uses, off for it and anything it embeds
# (project.headers). Only the links page's Copy buttons write to the clipboard.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
} | {"clipboard-write": ["self"]}
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF token from its cookie (forms carry it in a hidden
# field, the admin's fetches in data-csrf-token), so scripts need not see it.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 60 * 60)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
else:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Link secrets travel in URL paths; keep them out of every log line.
        "redact_link_secrets": {"()": "invites.keys.redaction.RedactLinkSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_link_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's default "django" handlers, which would print request
        # warnings (with their paths) without the redacting filter.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
