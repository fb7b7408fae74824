"""Settings for a developer's machine and ``make run``: debug on, SQLite and eager Celery by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Serve static files from the app folders as they change; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# An example publisher, so that IATI exports can be tried locally; never publish files made with it.
IATI_PUBLISHER_IDENTIFIER = env("IATI_PUBLISHER_IDENTIFIER", default="XI-IATI-EXAMPLE")
IATI_PUBLISHER_NAME = env("IATI_PUBLISHER_NAME", default="Example portal operator (development)")
IATI_PUBLISHER_TYPE = env("IATI_PUBLISHER_TYPE", default="22")
