"""Production settings: PostgreSQL and Redis, secure cookies; refuses to start without its secrets."""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# No defaults here: a missing secret, host list, database or broker must stop the process, not
# quietly fall back to the embedded SQLite file and in-process tasks.
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not SECRET_KEY or not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY and ALLOWED_HOSTS for production.")
for required in ("DATABASE_URL", "CELERY_BROKER_URL"):
    if not env(required, default=""):
        raise ImproperlyConfigured(f"Set {required} for production (PostgreSQL and Redis).")


def _redis_database(url: str, database: int) -> str:
    """The same Redis server as ``url``, another database number."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured("Set CACHE_URL for production: the broker is not Redis, so no cache default.")
    return urlunsplit(parts._replace(path=f"/{database}"))


# Rate limits (the public feedback form) count in the cache, so every web process on every machine must
# share it. Default: the broker's Redis server, database 1, so the broker's queues (database 0) and the
# cache never meet (flushing the cache keeps pending tasks). CACHE_URL overrides it.
CACHES = {"default": env.cache_url("CACHE_URL", default=_redis_database(env("CELERY_BROKER_URL"), 1))}
if CACHES["default"]["BACKEND"] not in (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
):
    raise ImproperlyConfigured("CACHE_URL must be Redis or Memcached: shared by all processes, atomic increments.")
# Behind the TLS-terminating proxy of docker-compose.yml, REMOTE_ADDR is the proxy: set
# RATELIMIT_IP_META_KEY (see base.py), or all participants share one rate limit and one sign-in lockout.

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
