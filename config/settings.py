"""Settings for every deployment. Production differs from development only by environment values."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("XINFANG_DATA_DIR", str(BASE_DIR / "var")) or "var")

DEBUG = env_bool("XINFANG_DEBUG", False)
SECRET_KEY = env_str("XINFANG_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-XINFANG_DEBUG"
    else:
        raise ImproperlyConfigured("未设置 XINFANG_SECRET_KEY：生产环境必须提供密钥（或设置 XINFANG_DEBUG=true 用于本地演示）")

ALLOWED_HOSTS = env_list("XINFANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("XINFANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "xinfang.core",
    "xinfang.orgs",
    "xinfang.deadlines",
    "xinfang.cases",
    "xinfang.notifications",
    "xinfang.documents",
    "xinfang.demo",
    "xinfang.intelligence",
    "xinfang.prevention",
    "xinfang.leaders",
    "xinfang.supervision",
    "xinfang.stats",
    "xinfang.workbench",
    "xinfang.portal",
    "xinfang.ops",
    "axes",
    # The image challenge of the portal's 网上信访 form (drawn here, no outside service).
    "captcha",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view is marked login_not_required (the login page):
    # a new staff view is closed by default instead of relying on a decorator someone may forget.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: staff responses are marked no-store.
    "xinfang.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins per user name and address and locks further attempts for a while.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("XINFANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("XINFANG_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "workbench/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind nginx every request comes from the proxy's address; counting failures per REMOTE_ADDR would let
# anyone lock any account for everyone. The client address is read from X-Forwarded-For, trusting exactly
# as many entries as there are proxies (0 = no proxy: REMOTE_ADDR, the header ignored).
XINFANG_TRUSTED_PROXY_COUNT = env_int("XINFANG_TRUSTED_PROXY_COUNT", env_int("XINFANG_PROXY_COUNT", 0))
AXES_CLIENT_IP_CALLABLE = "xinfang.core.middleware.client_ip"

LOGIN_URL = "workbench:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "workbench:login"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "xinfang.workbench.context.nav",
                "xinfang.workbench.context.calendar_warning",
            ],
        },
    },
]

# SQLite is the embedded default; production sets XINFANG_DATABASE_URL=postgres://…
_default_db = f"sqlite:///{DATA_DIR / 'xinfang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("XINFANG_DATABASE_URL", _default_db) or _default_db,
        conn_max_age=env_int("XINFANG_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; IMMEDIATE makes write transactions take the lock up
    # front so two writers wait for each other instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters let psycopg prepare the statements a process repeats (every registration and
    # transition runs the same few), so PostgreSQL parses them once per connection: registration throughput
    # rose by about 40% (bench/workflow_bench.py). Plans stay custom, made for each execution's values: a
    # generic plan for a list search cannot know whether a word is rare or in half the items.
    DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("XINFANG_DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        # Appended: the URL may carry its own server options (``?options=-c%20jit%3Doff``).
        opts = DATABASES["default"]["OPTIONS"]
        opts["options"] = f"{opts.get('options', '')} -c plan_cache_mode=force_custom_plan".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(env_str("XINFANG_MEDIA_ROOT", str(DATA_DIR / "media")) or "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_AGE = env_int("XINFANG_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("XINFANG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- transport and headers (python manage.py check --deploy is clean with production values) ---------------
# Secure cookies mean the site is served over HTTPS: send plain HTTP there and tell browsers to stay.
SECURE_SSL_REDIRECT = env_bool("XINFANG_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("XINFANG_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("XINFANG_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("XINFANG_HSTS_PRELOAD", False)
# Preloading is a public, slow-to-undo commitment of the whole domain (often an intranet or a shared
# government domain): an operator's decision, not a default, so its reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Only when a trusted proxy sets X-Forwarded-Proto and strips it from clients (the documented nginx does);
# `xinfang serve` (gunicorn) already reads it from the addresses in XINFANG_FORWARDED_ALLOW_IPS.
if env_bool("XINFANG_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come from this site's static files only (no inline code: see workbench/static/).
XINFANG_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Attachments: what registrars may upload (decisions §4); checked at the edge and again in the service.
XINFANG_ATTACHMENT_MAX_BYTES = env_int("XINFANG_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
XINFANG_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}

# 网上信访 on the portal (/portal/submit/, docs/portal.md): XINFANG_ONLINE_OPEN=false pauses the form. The receiving
# 信访部门 by unit code; empty: the one active county-level 信访部门 of the unit tree (none or several: not open).
XINFANG_ONLINE_OPEN = env_bool("XINFANG_ONLINE_OPEN", True)
XINFANG_ONLINE_UNIT_CODE = env_str("XINFANG_ONLINE_UNIT_CODE", "") or ""
# What a petitioner may attach online: a narrower list than staff uploads (types whose content can be checked).
XINFANG_PORTAL_ATTACHMENT_TYPES = {
    ext: XINFANG_ATTACHMENT_TYPES[ext] for ext in (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".txt")
}
XINFANG_PORTAL_ATTACHMENT_COUNT = env_int("XINFANG_PORTAL_ATTACHMENT_COUNT", 5)
XINFANG_PORTAL_ATTACHMENT_MAX_BYTES = min(
    env_int("XINFANG_PORTAL_ATTACHMENT_MAX_MB", 10) * 1024 * 1024, XINFANG_ATTACHMENT_MAX_BYTES
)
XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES = env_int("XINFANG_PORTAL_ATTACHMENTS_TOTAL_MB", 20) * 1024 * 1024
# Submissions per phone number and per client address (counted in the cache, portal.throttle).
XINFANG_PORTAL_SUBMITS_PER_PHONE = env_int("XINFANG_PORTAL_SUBMITS_PER_PHONE", 3)
XINFANG_PORTAL_PHONE_WINDOW_HOURS = env_int("XINFANG_PORTAL_PHONE_WINDOW_HOURS", 24)
XINFANG_PORTAL_SUBMITS_PER_ADDRESS = env_int("XINFANG_PORTAL_SUBMITS_PER_ADDRESS", 10)
XINFANG_PORTAL_ADDRESS_WINDOW_MINUTES = env_int("XINFANG_PORTAL_ADDRESS_WINDOW_MINUTES", 60)
XINFANG_PORTAL_CHALLENGE_FAILURES = env_int("XINFANG_PORTAL_CHALLENGE_FAILURES", 20)
# The challenge: four characters without look-alikes, large enough for older eyes, valid for an hour because
# writing a petition on a phone takes time. Each challenge can be answered once, right or wrong.
CAPTCHA_CHALLENGE_FUNCT = "xinfang.portal.forms.challenge_text"
CAPTCHA_TIMEOUT = env_int("XINFANG_PORTAL_CHALLENGE_MINUTES", 60)
CAPTCHA_FONT_SIZE = 34
CAPTCHA_LETTER_ROTATION = (-20, 20)
CAPTCHA_2X_IMAGE = False

# --- messages: the outbox and its backends (xinfang.notifications, docs/notifications.md) ------------------
# Every message (staff inbox, SMS and e-mail to petitioners) is written to the outbox with the act that causes
# it and delivered by `xinfang notify` / `xinfang tick`. Unconfigured, SMS and e-mail go to the console under
# XINFANG_DEBUG and to files under the data directory otherwise: nothing reaches a petitioner until a gateway
# is configured, and nothing is lost meanwhile (the files keep every message).


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env_str(name, "") or "").strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} 无效，可选：{'、'.join(choices)}")
    return value


def _env_at_least(name: str, default: int, minimum: int) -> int:
    value = env_int(name, default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} 过小，至少为 {minimum}")
    return value


# Delivered messages are deleted after this many days (they hold phone numbers and query codes).
XINFANG_OUTBOX_KEEP_DAYS = _env_at_least("XINFANG_OUTBOX_KEEP_DAYS", 90, 1)
XINFANG_SMS_BACKEND = _env_choice("XINFANG_SMS_BACKEND", ("console", "file", "http"), "console" if DEBUG else "file")
XINFANG_SMS_FILE = env_str("XINFANG_SMS_FILE", "") or str(DATA_DIR / "messages" / "sms.jsonl")
XINFANG_SMS_HTTP_URL = (env_str("XINFANG_SMS_HTTP_URL", "") or "").strip()
XINFANG_SMS_HTTP_TOKEN = env_str("XINFANG_SMS_HTTP_TOKEN", "") or ""  # or XINFANG_SMS_HTTP_TOKEN_FILE
XINFANG_SMS_HTTP_TIMEOUT = _env_at_least("XINFANG_SMS_HTTP_TIMEOUT", 10, 1)  # seconds per request
if XINFANG_SMS_BACKEND == "http":
    if not XINFANG_SMS_HTTP_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "XINFANG_SMS_BACKEND=http 需要 XINFANG_SMS_HTTP_URL：短信网关的 http(s):// 地址（见 docs/notifications.md）"
        )
    if not XINFANG_SMS_HTTP_TOKEN:
        raise ImproperlyConfigured("XINFANG_SMS_BACKEND=http 需要 XINFANG_SMS_HTTP_TOKEN 或 XINFANG_SMS_HTTP_TOKEN_FILE")
# How petitioners' messages are signed (【…】); empty: the name of the county 信访局 that registered the item.
XINFANG_MESSAGE_SIGNATURE = (env_str("XINFANG_MESSAGE_SIGNATURE", "") or "").strip()
# Where petitioners look their item up, as written in their messages (set the full address in production).
XINFANG_PORTAL_URL = (env_str("XINFANG_PORTAL_URL", "") or "").strip() or "/portal/"
# The sender: attempts before a message is marked failed (retries after 1 min, 5 min, 30 min, 2 h, 6 h …);
# how long a claimed message stays reserved to its sender (longer than a batch can take: batch × timeout);
# messages per claim.
XINFANG_NOTIFY_MAX_ATTEMPTS = _env_at_least("XINFANG_NOTIFY_MAX_ATTEMPTS", 6, 1)
XINFANG_NOTIFY_LEASE_SECONDS = _env_at_least("XINFANG_NOTIFY_LEASE_SECONDS", 300, 30)
XINFANG_NOTIFY_BATCH = _env_at_least("XINFANG_NOTIFY_BATCH", 20, 1)

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS[
    _env_choice("XINFANG_EMAIL_BACKEND", tuple(_EMAIL_BACKENDS), "console" if DEBUG else "file")
]
EMAIL_FILE_PATH = str(DATA_DIR / "messages" / "email")
EMAIL_HOST = env_str("XINFANG_EMAIL_HOST", "") or "localhost"
EMAIL_PORT = env_int("XINFANG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("XINFANG_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("XINFANG_EMAIL_PASSWORD", "") or ""  # or XINFANG_EMAIL_PASSWORD_FILE
EMAIL_USE_TLS = env_bool("XINFANG_EMAIL_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("XINFANG_EMAIL_SSL", False)  # TLS from the start, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("XINFANG_EMAIL_TLS 和 XINFANG_EMAIL_SSL 只能选一个（587 端口用 TLS，465 端口用 SSL）")
EMAIL_TIMEOUT = _env_at_least("XINFANG_EMAIL_TIMEOUT", 10, 1)
DEFAULT_FROM_EMAIL = env_str("XINFANG_EMAIL_FROM", "") or "xinfang@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Text intelligence (advisory): the category model file written by `xinfang intel train`.
XINFANG_INTEL_MODEL = env_str("XINFANG_INTEL_MODEL", str(DATA_DIR / "intel" / "category-model.npz"))

# Days after conclusion within which a new item on the same matter breaks 息诉罢访 (decisions §7).
XINFANG_SETTLED_WINDOW_DAYS = env_int("XINFANG_SETTLED_WINDOW_DAYS", 90)

# How many days back staff may date an action recorded late (with a reason); older dates are refused so a
# late entry cannot rewrite a deadline that has already passed.
XINFANG_BACKDATE_DAYS = env_int("XINFANG_BACKDATE_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("XINFANG_LOG_LEVEL", "INFO")},
}

# --- supervision and leaders ------------------------------------------------------------------------------------
# 提醒函 moments the daily `xinfang supervise` job sends: start (at assignment), due_soon (临期), due_day.
XINFANG_REMINDER_MOMENTS = tuple(env_list("XINFANG_REMINDER_MOMENTS", ["start", "due_soon", "due_day"]))
if set(XINFANG_REMINDER_MOMENTS) - {"start", "due_soon", "due_day"}:
    raise ImproperlyConfigured("XINFANG_REMINDER_MOMENTS 只能包含 start、due_soon、due_day（以逗号分隔）")
# Days after a group visit by which the alerted leaders' reception must be on record (差错登记).
XINFANG_GROUP_RECEPTION_DAYS = _env_at_least("XINFANG_GROUP_RECEPTION_DAYS", 7, 1)
# 息诉罢访: a concluded 包案 matter is settled when nothing came back for this many days.
XINFANG_SETTLED_DAYS = _env_at_least("XINFANG_SETTLED_DAYS", 90, 1)
# 积案: open items older than this many days, on the leaders' backlog list.
XINFANG_BACKLOG_DAYS = _env_at_least("XINFANG_BACKLOG_DAYS", 90, 1)
# 统计分析: a unit is ranked by a rate only with at least this many items in its denominator (fewer swing wildly).
XINFANG_STATS_RANK_MIN = _env_at_least("XINFANG_STATS_RANK_MIN", 5, 1)
