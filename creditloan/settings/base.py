"""Settings shared by every environment; each environment file imports these and changes what differs.

Everything that varies between machines comes from the environment (django-environ), so the same code runs
on a newcomer's laptop (SQLite, eager Celery), in CI and in production (PostgreSQL, Redis).
"""

import datetime as dt
import ipaddress
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "creditloan",
    "matching",
    "scoring",
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
    "csp.middleware.CSPMiddleware",
    "creditloan.middleware.SessionLimitsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "creditloan.urls"
WSGI_APPLICATION = "creditloan.wsgi.application"
ASGI_APPLICATION = "creditloan.asgi.application"

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
            ],
        },
    },
]

# PostgreSQL in production and CI; a SQLite file only when DATABASE_URL is unset (a newcomer's first run).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A pooled connection that died with a database restart is replaced instead of failing the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "creditloan.User"
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed logins lock out the pair of username and address, not the address alone (a shared office or mobile
# network is one address) nor the username alone (anyone could lock anybody out), for a cool-off period.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "creditloan.middleware.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "creditloan.middleware.client_address"


# The addresses (or networks) of our own proxies in front of the web nodes: the node's nginx, a load balancer.
# X-Forwarded-For is believed only from these (creditloan.middleware.client_address); none when clients connect
# directly, as they do to runserver.
def trusted_proxies(default: list[str]) -> list[str]:
    entries = env.list("DJANGO_TRUSTED_PROXIES", default=default)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {entry!r} is not an address or a network") from None
    return entries


TRUSTED_PROXIES = trusted_proxies(default=[])
# Signed out after 30 minutes without a request and 12 hours after signing in, whatever happens in between
# (creditloan.middleware.SessionLimitsMiddleware); the cookie itself lasts no longer than the longer limit.
SESSION_IDLE_SECONDS = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("DJANGO_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# One-time codes by SMS (creditloan.identity): valid for minutes, a few tries each, and sent at most once a minute
# and a few times an hour to a number, and a bounded number of times an hour from one address.
PHONE_CODE_MINUTES = env.int("PHONE_CODE_MINUTES", default=10)
PHONE_CODE_TRIES = env.int("PHONE_CODE_TRIES", default=5)
PHONE_CODE_RESEND_SECONDS = env.int("PHONE_CODE_RESEND_SECONDS", default=60)
PHONE_CODES_PER_NUMBER_HOUR = env.int("PHONE_CODES_PER_NUMBER_HOUR", default=5)
PHONE_CODES_PER_ADDRESS_HOUR = env.int("PHONE_CODES_PER_ADDRESS_HOUR", default=20)
# Where texts go: a developer's machine writes them to a file to read; production names its gateway's backend.
SMS_BACKEND = env.str("DJANGO_SMS_BACKEND", default="creditloan.identity.sms.FileBackend")
SMS_FILE_PATH = env.str("DJANGO_SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))
# The key of the resident-ID digests that matching a person to the registry compares. Empty: SECRET_KEY. Pin it
# on its own before rotating SECRET_KEY, or every verified identity stops matching (docs/security.md).
IDENTITY_DIGEST_KEY = env.str("DJANGO_IDENTITY_DIGEST_KEY", default="")
# Failed claims of a firm as its legal representative, in a day, after which more are refused until the day
# has passed: per account (guessing) and per firm (many accounts guessing at one firm).
CLAIM_FAILURES_PER_ACCOUNT_DAY = env.int("CLAIM_FAILURES_PER_ACCOUNT_DAY", default=5)
CLAIM_FAILURES_PER_FIRM_DAY = env.int("CLAIM_FAILURES_PER_FIRM_DAY", default=10)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

FORMAT_MODULE_PATH = ["creditloan.formats"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from the site itself, no inline
# script or style attribute, no framing, forms posted only back here. A script injected into a page despite the
# templates' escaping is not run. The API docs' pages relax style-src for their own inline styles (urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The API: bearer tokens for clients, the session (with its CSRF check) for the pages' own scripts; JSON only,
# so any other content type is a 415; one error shape; paged, filtered and ordered lists.
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "creditloan.api.base.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": ["creditloan.api.base.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "creditloan.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "creditloan.api.base.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "creditloan.api.base.AskedFilters",
        "creditloan.api.base.ExplicitOrdering",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
# A source system's pushed file: spooled to disk as it arrives, never held in memory.
SOURCE_MAX_BODY_BYTES = env.int("SOURCE_MAX_BODY_BYTES", default=200 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "信易贷 matching service API",
    "DESCRIPTION": "Applicants, bank credit officers, operators and source systems. Errors always read "
    '{"code", "message", "fields"}. Writes that must happen once take an Idempotency-Key header.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's copies (PyPI), served as our static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "creditloan.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AuthorisationPurposeEnum": "creditloan.models.consent.AuthorisationPurpose",
        "AccessPurposeEnum": "creditloan.models.access.AccessPurpose",
        "ApplicationStatusEnum": "creditloan.models.applications.ApplicationStatus",
        "OfferStatusEnum": "matching.models.OfferStatus",
        "DisputeStatusEnum": "creditloan.models.disputes.DisputeStatus",
        "DeclineReasonEnum": "matching.models.DeclineReason",
        "RepaymentMethodEnum": "matching.models.RepaymentMethod",
        "RecordSourceEnum": "creditloan.models.imports.RecordSource",
        "CreditSourceEnum": "creditloan.models.consent.CONSENT_SOURCES",
        "LoanStatusEnum": "matching.models.LoanStatus",
        "LoanOutcomeEnum": "matching.models.LoanOutcome",
        "ReportChannelEnum": "matching.models.ReportChannel",
        "LoanReportResultEnum": ["applied", "unchanged", "refused"],
    },
}

# Celery: Redis in production and CI. With no broker configured, tasks run in-process (eagerly), which is
# what a newcomer without Redis needs and nothing else gets.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The shared cache: Redis (DJANGO_CACHE_URL, or the broker's Redis when that is unset). It holds the versions of the
# API's tokens (creditloan/credentials.py), so that each process may remember a token it verified and still refuse it
# on the next request after it is revoked or its account changes. Without Redis every process has only its own
# memory, which the other processes' writes never reach, so tokens are then verified in the database every time.
CACHE_URL = env.str("DJANGO_CACHE_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "creditloan",
            # A Redis that stopped answering costs a request a fifth of a second, then the database answers.
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
API_TOKENS_REMEMBERED = env.bool("DJANGO_API_TOKENS_REMEMBERED", default=bool(CACHE_URL))
# The longest a process keeps a verified token without reading it again from the database: the bound on how long a
# revocation that could not reach the cache (Redis down at that very moment) goes unnoticed by a process.
API_TOKEN_REMEMBER_SECONDS = env.int("DJANGO_API_TOKEN_REMEMBER_SECONDS", default=30)
# Workers log through the project's handlers (and so through the redaction filter), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    # With a host named, kombu does not warn on every task that it had to assume one.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
# visibility_timeout: longer than any countdown the project uses (it uses none), so Redis never redelivers a
# task that is merely scheduled; a task whose worker died is sent again sooner by the outbox relay (below).
# The socket timeouts keep a request from hanging on a Redis that stopped answering: the outbox has the task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 6 * 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Connecting to publish gives up after one quick retry (kombu's own default keeps trying for seconds).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A publish outside the outbox (a Celery group, beat's own) is retried briefly; the outbox's are not retried at all.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue per kind of work, so each can have its own workers: a large import's re-rating or a training run
# never stands in front of an application waiting to be scored or a bank waiting for its offer.
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {
    "scoring.tasks.score_application": {"queue": "scoring"},
    "matching.tasks.reassess_enterprise": {"queue": "scoring"},
    "matching.tasks.route_application": {"queue": "routing"},
    "matching.tasks.sweep_lapsed_offers": {"queue": "routing"},
    "matching.tasks.route_waiting_applications": {"queue": "routing"},
    "matching.tasks.reassess_repaired_after_import": {"queue": "imports"},
    "matching.tasks.warn_lenders_after_import": {"queue": "imports"},
    "scoring.tasks.rerate_population": {"queue": "imports"},
    "scoring.tasks.rate_firms": {"queue": "imports"},
    "scoring.tasks.after_new_champion": {"queue": "imports"},
    "scoring.tasks.train_model_run": {"queue": "training"},
    "creditloan.tasks.import_upload": {"queue": "imports"},
}
# A worker started without -Q serves all of them (the demo's and CI's one worker); production starts one pool per
# queue (docs/operations.md).
CELERY_TASK_QUEUES = [Queue(name) for name in ("scoring", "routing", "imports", "training", "housekeeping")]
# The transactional outbox (creditloan.outbox): a task whose row is still there this long after its write is
# sent again by the relay, with the pause doubling each time, and set aside after OUTBOX_MAX_ATTEMPTS tries.
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=120)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RELAY_SECONDS = env.int("OUTBOX_RELAY_SECONDS", default=30)
# Fresh applications are scored in batches (scoring.tasks.score_application, celery-batches): up to this many at
# once, or what came within this many seconds. One pass of the model and one read of the firms' records serve a
# batch. A batch fills only if the worker fetches that many messages ahead: --prefetch-multiplier (×
# --concurrency) on the scoring queue's worker (docs/operations.md); at the global 1 a batch holds at most as many
# as the worker has processes (a message waiting in the buffer counts against the prefetch). The interval is what a
# quiet moment adds to an application's wait; under load it sets how full the batches are (the load drill at 80 a
# second: 9.6 ms of the workers' CPU an application at 0.05 s, 6.9 at 0.25 s).
SCORING_BATCH_SIZE = env.int("SCORING_BATCH_SIZE", default=16)
SCORING_BATCH_SECONDS = env.float("SCORING_BATCH_SECONDS", default=0.2)
# Beat (exactly one per deployment): the outbox relay; offers past their deadline lapse within five minutes, and
# their applications go to the next bank; what bank capacity held back is offered again.
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "creditloan.tasks.relay_outbox", "schedule": OUTBOX_RELAY_SECONDS},
    "sweep-lapsed-offers": {"task": "matching.tasks.sweep_lapsed_offers", "schedule": 5 * 60},
    "route-waiting-applications": {"task": "matching.tasks.route_waiting_applications", "schedule": 15 * 60},
    "prune-idempotency-records": {"task": "creditloan.tasks.prune_idempotency_records", "schedule": 60 * 60},
}
# How long the API keeps a write's first answer for its Idempotency-Key (a client's retries come well within).
IDEMPOTENCY_KEEP_HOURS = env.int("IDEMPOTENCY_KEEP_HOURS", default=24)

# generate_demo_data creates accounts with a published password: never on a production database.
DEMO_DATA_ALLOWED = env.bool("CREDITLOAN_DEMO_DATA", default=DEBUG)

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The level on the handler too: Django's own loggers (django.request's 4xx warnings among them) set their
    # level to INFO and propagate here, where the root logger's level is not consulted again.
    # Personal identifiers and tokens are masked in every line, whoever logs it (creditloan.log_redaction).
    "filters": {"redact": {"()": "creditloan.log_redaction.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL, "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The development server's request lines (a query string may carry an ID number) have a handler of Django's
    # own that writes them past the filter: they go through the console handler like every other line.
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# How long a negative record (a penalty, a listing, a broken commitment) counts and is shown after the act ended:
# five years by the credit reporting rules (征信业管理条例 第十六条).
CREDIT_NEGATIVE_RETENTION_YEARS = env.int("CREDIT_NEGATIVE_RETENTION_YEARS", default=5)
# A penalty is published for at least this many months before credit repair (信用修复) can take effect, by
# severity; an import refuses a repair dated earlier. Within the ranges of the repair rules: minor up to 3,
# ordinary 3 to 12, serious 12 to 36.
CREDIT_REPAIR_MIN_PUBLICATION_MONTHS = {
    "minor": env.int("CREDIT_REPAIR_MINOR_MONTHS", default=0),
    "ordinary": env.int("CREDIT_REPAIR_ORDINARY_MONTHS", default=3),
    "serious": env.int("CREDIT_REPAIR_SERIOUS_MONTHS", default=12),
}

# Points for a probability of default (scoring.ml.scale): 600 points at 50:1 good-to-bad odds, and 20 more
# points each time the odds double.
SCORE_SCALE = {"base_points": 600.0, "base_odds": 50.0, "points_to_double_odds": 20.0}
