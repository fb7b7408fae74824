"""Settings for the test suite: fast hashing, mail kept in memory, Celery eager unless a broker is set."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/portal-test-media")

# Serve static files from the app folders as they change; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run in the test's own process; the tests that need a real worker start one against Redis.
CELERY_TASK_ALWAYS_EAGER = True
