"""Settings for the returns back office, read from the environment.

With no DATABASE_URL the app runs on an embedded SQLite file so a newcomer can try it at once;
the test command and production set DATABASE_URL to PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# --- Production (DJANGO_ENV=production): the hardened settings; docs/production.md lists every variable. ---
PRODUCTION = os.environ.get("DJANGO_ENV", "").strip().lower() == "production"
# What production cannot guess: without them it refuses to start rather than run on a known key,
# answer any Host header or write to a local SQLite file.
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "a long random string, e.g. the output of "
                  "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "ALLOWED_HOSTS": "the host names the site answers to, comma separated, e.g. returns.example.com",
    "DATABASE_URL": "the PostgreSQL database, e.g. postgres://returns:PASSWORD@db.example.com:5432/returns",
}
if PRODUCTION and (missing := [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name, "").strip()]):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs these environment variables: "
        + "; ".join(f"{name} ({REQUIRED_IN_PRODUCTION[name]})" for name in missing)
        + ". See docs/production.md."
    )

DEBUG = env_flag("DEBUG", False) and not PRODUCTION
# Outside production only (production refuses to start without SECRET_KEY): a fixed local key, whose
# django-insecure- prefix makes `check --deploy` flag it (security.W009) wherever it is used.
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or "django-insecure-local-only-key-set-SECRET_KEY-to-deploy"
# Former keys that still verify (label links, sessions, password reset links) while a new key is rolled out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
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
    "importjobs",
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
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below) and its system checks.
    "csp",
]

MIDDLEWARE = [
    # A body above MAX_REQUEST_BYTES is a 413 before anything reads it (returns_site/request_size.py).
    "returns_site.request_size.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's CSS and JS) from the application itself, with DEBUG off too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL character anywhere in a request, or an over-long query-string value: a 400 before any view.
    "core.middleware.RefuseUnusableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the console's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a signed-out user is told why on the login page.
    "core.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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

# -- Uploads and media (core/uploads.py checks every uploaded file; returns_site/media.py serves them) --
# Photos (inspection, dock, customers' claims) and receipts: real images or PDFs of bounded size only.
MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
MAX_RECEIPT_BYTES = int(os.environ.get("MAX_RECEIPT_BYTES", str(10 * 1024 * 1024)))
# Well above any phone camera (a 48 MP phone saves 12 MP by default), far below a decompression bomb.
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
# A whole request's body, files included (ten inspection photos fit): above it a 413, before it is read.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(100 * 1024 * 1024)))
# Form fields and JSON bodies apart from files (Django's default); files above the next spool to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Behind nginx, media is sent by nginx after the view's check: the `internal` location that maps
# this prefix onto MEDIA_ROOT (README, "Running in production"). Empty: the view streams the file itself.
MEDIA_X_ACCEL_REDIRECT = os.environ.get("MEDIA_X_ACCEL_REDIRECT", "")

# Celery: Redis as the broker when REDIS_URL is set; otherwise tasks run in-process (embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Throttles, the portal's rate limits and other state every web process must share live in Redis when
# it is configured; a single embedded process keeps them in its own memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# The dashboard's figures are kept this long (seconds) per kind of viewer, not counted on every view.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "30"))
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
# (with acks_late, it is acknowledged only once done), export and import jobs whose lease ran out are
# queued again by a sweep (core.leases), and personal data of returns closed long ago is purged daily.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULE |= {
    "requeue-stuck-exports": {"task": "reports.tasks.requeue_stuck_export_jobs", "schedule": 60.0},
    "requeue-stuck-imports": {"task": "importjobs.tasks.requeue_stuck_import_jobs", "schedule": 60.0},
    # The reports' figures kept per day, recomputed for the days whose returns changed (reports.rollup).
    "refresh-report-days": {"task": "reports.tasks.refresh_kept_report_days", "schedule": 60.0},
    "purge-personal-data": {"task": "rma.tasks.purge_personal_data", "schedule": 24 * 3600.0},
    "delete-expired-exports": {"task": "reports.tasks.delete_expired_exports", "schedule": 24 * 3600.0},
}
# Export files name customers: each is deleted this many days after it was written.
EXPORT_FILES_KEPT_DAYS = int(os.environ.get("EXPORT_FILES_KEPT_DAYS", "7"))
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
CONSOLE_REQUIRE_TWO_FACTOR = env_flag("CONSOLE_REQUIRE_TWO_FACTOR", PRODUCTION)
# What the authenticator app shows an account as: "<facility> back office" for staff, "<facility> console"
# for a client's people, so someone with both tells them apart.
OTP_ISSUER_NAME = os.environ.get("OTP_TOTP_ISSUER", "Returns")


# A function: django-otp calls the setting with the device being enrolled.
def OTP_TOTP_ISSUER(device) -> str:
    return f"{OTP_ISSUER_NAME} {'back office' if device.user.is_staff else 'console'}"


# --- Staff login: lockout, second factor, password reset (issue 12) ---------------------------------------
# django-axes counts wrong passwords per user name AND IP address (in the database, so every web process
# shares them): after LOGIN_FAILURE_LIMIT wrong ones that pair is locked out for LOGIN_COOLOFF_MINUTES (each
# further try while locked starts the wait again); the same user from elsewhere, or others from that address,
# still sign in, and a right password clears the count. It guards every password login: the admin's and the console's.
INSTALLED_APPS += ["axes"]
# Last, as axes asks: it turns a refused login into the lockout page (returns_site.lockout).
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Axes first: it refuses a locked-out pair before any password is checked. It needs the request, so tests
# sign in with force_login or through the login page, never Client.login.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address behind the trusted proxies, as the portal's and the reset's limits read it.
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
# In hours, as axes reads a number.
AXES_COOLOFF_TIME = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")) / 60
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "returns_site.lockout.locked_out_page"
# No admin pages of attempts: unlocking is access administration, done by `manage.py axes_reset_username`.
AXES_ENABLE_ADMIN = False
# The admin asks finance, managers and superusers for a TOTP code after the password (core.two_factor):
# always in production, where they enrol an authenticator app at their first login; the embedded demo does not.
ADMIN_REQUIRE_TWO_FACTOR = env_flag("ADMIN_REQUIRE_TWO_FACTOR", PRODUCTION)
# "Forgotten your password?" on the admin's login mails staff a one-use link (Django's token, valid this
# long); requests are counted per IP address and per email address in the cache, so nobody mails in bulk.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_SECONDS", str(2 * 3600)))
PASSWORD_RESETS_PER_IP = int(os.environ.get("PASSWORD_RESETS_PER_IP", "10"))
PASSWORD_RESETS_PER_EMAIL = int(os.environ.get("PASSWORD_RESETS_PER_EMAIL", "3"))
PASSWORD_RESET_WINDOW_SECONDS = int(os.environ.get("PASSWORD_RESET_WINDOW_SECONDS", "3600"))
# --- end of staff login ---------------------------------------------------------------------------------

# Exports of more rows than this are written by the worker while the user watches the job's page.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "5000"))

# -- Imports (core.imports): every import file is checked by content and bounded before it is read. --
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
# An XLSX file is a zip archive: what it may unpack to in all, and per part relative to its packed size.
IMPORT_XLSX_MAX_UNCOMPRESSED = int(os.environ.get("IMPORT_XLSX_MAX_UNCOMPRESSED", str(100 * 1024 * 1024)))
IMPORT_XLSX_MAX_RATIO = int(os.environ.get("IMPORT_XLSX_MAX_RATIO", "200"))
# Imports of more rows than this are checked and applied by the worker while the user watches the job's page.
IMPORT_INLINE_MAX_ROWS = int(os.environ.get("IMPORT_INLINE_MAX_ROWS", "2000"))
# -- end of imports --

# The TrueType fonts of labels, packing slips and reports (core.pdf_fonts), by default from Debian's
# fonts-dejavu-core and fonts-wqy-zenhei; the CJK index picks the face inside a .ttc collection.
PDF_FONT_REGULAR = os.environ.get("PDF_FONT_REGULAR", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PDF_FONT_BOLD = os.environ.get("PDF_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
PDF_FONT_CJK = os.environ.get("PDF_FONT_CJK", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
PDF_FONT_CJK_INDEX = int(os.environ.get("PDF_FONT_CJK_INDEX", "0"))

# --- Operations (docs/deployment.md): health check, request ids, structured logs. ---
# /healthz first (core.health: no login, no redirect, any Host), then the request id (core.request_ids),
# so that every later middleware, view and error page runs with it.
MIDDLEWARE = ["core.health.HealthCheckMiddleware", "core.request_ids.RequestIdMiddleware", *MIDDLEWARE]
# One line per record on stdout: JSON in production (a log collector reads it field by field), plain text
# elsewhere; each carries the request id or the Celery task id it was written under (core.logs).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or (
    "json" if PRODUCTION else "plain"
)
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT is json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.LogContextFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(ids)s%(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # In-process tasks (no broker) would log a line per delivered email or webhook: the demo sends hundreds.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # One line per request, with its id, status and duration (core.request_ids); WARNING turns it off.
        "returns_site.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
        # django-axes writes five lines per sign-in; its warnings (a lockout) are what an operator reads.
        "axes": {"level": "WARNING"},
    },
}
# Workers log through LOGGING above too (the same format, with the task id), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

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

# --- Web security: the same everywhere, so tests and the demo see what production serves. ---
# The client's address behind this many reverse proxies (each appends to X-Forwarded-For); 0 reads
# REMOTE_ADDR and ignores the header, which any client could write (core.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# The API's throttles read the client's address the same way.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# Behind a proxy that ends TLS: "HTTP_X_FORWARDED_PROTO,https" makes such requests secure (redirects,
# secure cookies, CSRF origin checks). Only where the proxy overwrites the header the client sent.
if proxy_ssl_header := env_list("SECURE_PROXY_SSL_HEADER", ""):
    if len(proxy_ssl_header) != 2 or not proxy_ssl_header[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            'SECURE_PROXY_SSL_HEADER is "HTTP_<HEADER>,<value>", e.g. "HTTP_X_FORWARDED_PROTO,https".'
        )
    SECURE_PROXY_SSL_HEADER = tuple(proxy_ssl_header)
# Signed-in people (staff and console users) are signed out after this long without a request, and
# after this long since they signed in whatever they do (core.sessions): a shift, not a fortnight.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_MAX_SECONDS = int(os.environ.get("SESSION_MAX_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# Outside production, static files come straight from the apps (no collectstatic needed, DEBUG on or off);
# production serves what collectstatic wrote to STATIC_ROOT, compressed and with hashed names cached for ever.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION
# No inline script anywhere: every page's JavaScript is a static file, so injected markup cannot run.
# Styles allow inline: Swagger UI (drf-spectacular-sidecar) and django-import-export's export form style
# elements inline, and the portal sets each client's brand colour in a <style> element; CSS cannot run code.
# data: images: Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if PRODUCTION:
    # Every request over https: plain http is redirected (SECURE_REDIRECT_EXEMPT: path regexes that stay
    # on http, such as a load balancer's health check), and browsers remember it (HSTS).
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", "")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", False)
    # __Host- cookies: sent only over https, only to this exact host, for every path; no subdomain can set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_HTTPONLY = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # Preloading is the domain owner's decision (submitted for the whole domain at hstspreload.org), not a
    # default: check --deploy stops asking once SECURE_HSTS_PRELOAD is set.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
