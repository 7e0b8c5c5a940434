"""Settings for the returns back office, read from the environment.

With no DATABASE_URL the app runs on an embedded SQLite file so a newcomer can try it at once;
the test command and production set DATABASE_URL to PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_flag("DEBUG", False)
# The fallback key only serves local runs; any deployment sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Where customers reach the site (links in their emails), never the host of the request that caused
# them; by default https:// and the first allowed host that names one host ("*" and ".example.com" do not).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/") or "https://" + next(
    (host for host in ALLOWED_HOSTS if host != "*" and not host.startswith(".")), "localhost"
)

INSTALLED_APPS = [
    "backoffice.apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Its `unaccent` lookup on PostgreSQL (accent-insensitive search); on SQLite it adds nothing.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "outbox",
    "idempotency",
    "rma",
    "inspection",
    "disposition",
    "refunds",
    "reports",
    "backoffice.apps.BackofficeConfig",
    "portal",
    "api",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the console's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "returns_site.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "returns_site.wsgi.application"

SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# What the customer portal and the customer emails speak (a client picks among them: Client.languages).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The facility's time zone: every date and time on a screen is shown in it, its zone named.
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True
# "2 Dec 2026, 15:04 CET" on every screen (returns_site/formats/en/formats.py; also the fallback below).
FORMAT_MODULE_PATH = ["returns_site.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Inspection, parcel and extra-unit photos: real images of bounded size only.
MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
MAX_RECEIPT_BYTES = int(os.environ.get("MAX_RECEIPT_BYTES", str(10 * 1024 * 1024)))

# Celery: Redis as the broker when REDIS_URL is set; otherwise tasks run in-process (embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Throttles, the portal's rate limits and other state every web process must share live in Redis when
# it is configured; a single embedded process keeps them in its own memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"

# The outbox (webhooks, emails): a periodic sweep delivers what is due, the messages whose after-commit
# task never ran or is waiting to be tried again. Without a broker, run manage.py deliver_outbox from cron.
CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {"task": "outbox.tasks.deliver_due_messages", "schedule": 60.0},
    "warn-of-expiring-authorizations": {"task": "rma.tasks.warn_of_expiring_authorizations", "schedule": 3600.0},
    "purge-idempotency-keys": {"task": "idempotency.tasks.purge_idempotency_keys", "schedule": 3600.0},
}
# Workers that die lose nothing (issue 12): a task whose worker process died goes back to the queue
# (with acks_late, it is acknowledged only once done), export jobs whose lease ran out are queued again
# by a sweep, and personal data of returns closed long ago is purged daily.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULE |= {
    "requeue-stuck-exports": {"task": "reports.tasks.requeue_stuck_export_jobs", "schedule": 60.0},
    "purge-personal-data": {"task": "rma.tasks.purge_personal_data", "schedule": 24 * 3600.0},
}
# Photos and personal data of returns closed (refunded, rejected, cancelled, expired, closed without
# refund) this many days ago are purged by the daily job: two years covers the legal guarantee, a
# warranty claim on a returned unit and the chargeback windows of the card schemes.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "730"))
# Customers are warned once when their RAN runs out within this many days and no parcel has come.
RAN_EXPIRY_WARNING_DAYS = int(os.environ.get("RAN_EXPIRY_WARNING_DAYS", "3"))
# API clients' Idempotency-Key answers are kept this long (24 at least, as DESIGN.md promises), then purged.
IDEMPOTENCY_KEYS_KEPT_HOURS = int(os.environ.get("IDEMPOTENCY_KEYS_KEPT_HOURS", "48"))
# A first request still running after this long is taken to have died: a retry may take its key over.
IDEMPOTENCY_LEASE_SECONDS = int(os.environ.get("IDEMPOTENCY_LEASE_SECONDS", "60"))
# Webhooks go to https on public addresses only; tests and the embedded demo allow local receivers.
OUTBOX_ALLOW_PRIVATE_URLS = env_flag("OUTBOX_ALLOW_PRIVATE_URLS", False)
# A client's live order lookup answers within this, or the person looking gets "try again later".
ORDER_LOOKUP_TIMEOUT_SECONDS = float(os.environ.get("ORDER_LOOKUP_TIMEOUT_SECONDS", "4"))

# Email: the console by default (messages are printed); set EMAIL_BACKEND and the EMAIL_* below for SMTP.
# Clients' emails go through the outbox (outbox.Message), sent after commit and retried.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_flag("EMAIL_USE_SSL", False)
# A mail server that does not answer must not hold a worker (or the cron sweep) for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "returns@localhost")
# Where the file-based backend writes (make run's demo: one file per email in demo-mail/).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "demo-mail"))

# The merchant console asks its people for a TOTP token after the password: always in production.
CONSOLE_REQUIRE_TWO_FACTOR = env_flag(
    "CONSOLE_REQUIRE_TWO_FACTOR", os.environ.get("DJANGO_ENV", "").strip().lower() == "production"
)
# What the authenticator app shows the account as.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Returns console")

# Exports of more rows than this are written by the worker while the user watches the job's page.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "5000"))

# The TrueType fonts of labels, packing slips and reports (core.pdf_fonts), by default from Debian's
# fonts-dejavu-core and fonts-wqy-zenhei; the CJK index picks the face inside a .ttc collection.
PDF_FONT_REGULAR = os.environ.get("PDF_FONT_REGULAR", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PDF_FONT_BOLD = os.environ.get("PDF_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
PDF_FONT_CJK = os.environ.get("PDF_FONT_CJK", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
PDF_FONT_CJK_INDEX = int(os.environ.get("PDF_FONT_CJK_INDEX", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # In-process tasks (no broker) would log a line per delivered email or webhook: the demo sends hundreds.
    "loggers": {"celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}},
}

# The client API (api/): errors as {code, message, fields}, the schema by drf-spectacular, Swagger UI served
# from this site (drf-spectacular-sidecar: no CDN, no inline script).
REST_FRAMEWORK = {
    # Keys, permissions and throttles are the views' own (api.base): none applies by default.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Returns back office API",
    "DESCRIPTION": "Orders, returns, refunds and events of one client merchant. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReturnStateEnum": "rma.states.ReturnState", "RefundMethodEnum": "rma.models.RefundMethod",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "idempotency.schema.document_idempotency_key",
    ],
}

# The customer return portal: lookups (order number or RAN + email) allowed per IP address and per order
# number or RAN within the window, so nobody tries emails or numbers in bulk; and how long a proven
# customer stays proven in their session.
PORTAL_LOOKUPS_PER_IP = int(os.environ.get("PORTAL_LOOKUPS_PER_IP", "30"))
PORTAL_LOOKUPS_PER_ORDER = int(os.environ.get("PORTAL_LOOKUPS_PER_ORDER", "5"))
PORTAL_LOOKUP_WINDOW_SECONDS = int(os.environ.get("PORTAL_LOOKUP_WINDOW_SECONDS", "900"))
PORTAL_PROOF_SECONDS = int(os.environ.get("PORTAL_PROOF_SECONDS", "1800"))
