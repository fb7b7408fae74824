"""Settings shared by every environment, read from the environment with django-environ.

Unset ``DATABASE_URL`` means a local SQLite file; unset ``CELERY_BROKER_URL`` means Celery runs
tasks eagerly in the web process. That is the embedded default that lets ``make run`` work with
nothing but Python installed.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # modeltranslation patches the admin and must come before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "axes",
    "csp",
    "accounts",
    "projects",
    "forums",
    "grants",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.api_guard.ApiInputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last: turns a sign-in refused by the lockout into the 429 of accounts.lockout.lockout_response.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reuse connections, but check them first so a restarted PostgreSQL costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it pays off in long analytic queries, not in the short queries of a page, where
    # compiling takes longer than running (docs/benchmarks.md). A URL's own ?options=... wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any backend checks the password (accounts.lockout).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "projects:list"
# Sign-in lockout (django-axes, see accounts.lockout): LOGIN_FAILURE_LIMIT failed sign-ins for one e-mail
# address from one client address lock that pair out, the right password included, for LOGIN_COOLOFF_MINUTES
# after the last failure; a successful sign-in clears the count. The client address is read as the rate
# limits read it (RATELIMIT_IP_META_KEY below).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt does not restart the cool-off: the page can tell the user how long to wait.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.lockout.signin_name"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The lockout needs the failures only, and those are deleted once their cool-off has passed. A log of every
# successful sign-in with its address would be personal data kept for no purpose of the portal.
AXES_DISABLE_ACCESS_LOG = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English is the source language; the other three are the languages of the projects' people.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("mk", _("Macedonian")),
    ("bg", _("Bulgarian")),
    ("sq", _("Albanian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Skopje")

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "mk", "bg", "sq")
# Fallback to the content's original language is decided per object (see projects.translation).
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ()}
# The admin's translation tabs use jQuery UI; serve it locally instead of from a CDN.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

# Rendering a report: a soft limit the task records as "took too long", a hard one that kills it.
# A request pending or running longer than REPORT_STUCK_AFTER lost its message or its worker: beat
# re-queues it every REPORT_REQUEUE_EVERY, up to REPORT_MAX_ATTEMPTS renderings. Seconds; the
# stuck threshold must exceed the hard limit, or a slow but living render would be started twice.
REPORT_SOFT_TIME_LIMIT = env.int("REPORT_SOFT_TIME_LIMIT", default=120)
REPORT_TIME_LIMIT = env.int("REPORT_TIME_LIMIT", default=150)
REPORT_STUCK_AFTER = env.int("REPORT_STUCK_AFTER", default=300)
REPORT_REQUEUE_EVERY = env.int("REPORT_REQUEUE_EVERY", default=120)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# Who publishes the portal's IATI files: the operator's IATI organisation identifier, name and
# OrganisationType code (e.g. 22 national NGO). It reports every activity as a secondary reporter,
# unless it is the project's lead organisation. IATI exports are refused until all three are set.
IATI_PUBLISHER_IDENTIFIER = env("IATI_PUBLISHER_IDENTIFIER", default="")
IATI_PUBLISHER_NAME = env("IATI_PUBLISHER_NAME", default="")
IATI_PUBLISHER_TYPE = env("IATI_PUBLISHER_TYPE", default="")
# Open-data exports of at most this many rows are written while the browser waits; larger ones by a worker.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=2000)
# Named participants (kept only with consent) and scanned sign-in sheets are deleted this many days after
# their project's end date; the counts stay. Align it with the donors' rules on keeping supporting documents.
NAMED_PARTICIPANTS_RETENTION_DAYS = env.int("NAMED_PARTICIPANTS_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE = {
    "named-participants-retention": {
        "task": "forums.tasks.named_lists_anonymise_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "final-report-reminders": {
        "task": "grants.tasks.final_reports_due_notify_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "stuck-reports-requeue": {
        "task": "reports.tasks.stuck_reports_requeue_task",
        "schedule": REPORT_REQUEUE_EVERY,
    },
    "stuck-exports-requeue": {
        "task": "reports.exports.tasks.stuck_exports_requeue_task",
        "schedule": REPORT_REQUEUE_EVERY,
    },
}

# The cache is also where django-ratelimit counts requests (the public feedback form). The default,
# an in-process cache, suits one process (``make run``, tests); it is not shared between processes, so
# production.py puts the cache in Redis. django_ratelimit needs no INSTALLED_APPS entry: its app only
# registers system checks, and those call Django's own RedisCache "not officially supported" (W001),
# which would fail ``check --deploy --fail-level WARNING``; production.py checks the backend itself.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# django-ratelimit takes the client's address from REMOTE_ADDR. Behind a reverse proxy that is the
# proxy's address and every participant would share one limit: production behind a proxy MUST set
# RATELIMIT_IP_META_KEY, naming a header the proxy overwrites with the one client address (e.g.
# HTTP_X_REAL_IP), never one a client can fill in itself (X-Forwarded-For is a list the client starts).
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)
# POSTs of the public feedback form. Per address: generous, because a whole forum may answer at the end
# of the session through the venue's Wi-Fi (one address). Per session: caps a flood from many addresses.
FEEDBACK_RATELIMIT_PER_IP = env("FEEDBACK_RATELIMIT_PER_IP", default="30/m")
FEEDBACK_RATELIMIT_PER_SESSION = env("FEEDBACK_RATELIMIT_PER_SESSION", default="120/h")
# Requests per user for work that occupies a worker (accounts.ratelimits): reports and exports.
REPORT_RATELIMIT = env("REPORT_RATELIMIT", default="30/h")
EXPORT_RATELIMIT = env("EXPORT_RATELIMIT", default="60/h")

# Content Security Policy (django-csp): only the portal's own files run or style a page; no inline script,
# style or event handler anywhere (htmx is told not to inject its indicator styles, see base.html). The
# only exception is the API's Swagger page (config.urls), whose third-party page needs inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # The token's user is also named as the actor of the request's audit entries.
        "audit.authentication.AuditedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON only (views that take files add multipart), checked for NUL, lone surrogates and depth as it is read.
    "DEFAULT_PARSER_CLASSES": ["config.api_guard.GuardedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Participatory governance portal API",
    "DESCRIPTION": "Projects, partners, funding and budgets of participatory local-governance projects.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "projects.models.Project.DatePrecision"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO; only its warnings matter to an operator.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "fontTools")},
}
