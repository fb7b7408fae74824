"""Settings shared by every environment, read from the environment with django-environ.

Unset ``DATABASE_URL`` means a local SQLite file; unset ``CELERY_BROKER_URL`` means Celery runs
tasks eagerly in the web process. That is the embedded default that lets ``make run`` work with
nothing but Python installed.
"""

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
    "accounts",
    "projects",
    "forums",
    "grants",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "projects:list"
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
CELERY_BEAT_SCHEDULE = {
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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
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
