"""Settings of ``make bench``: production's, served over plain HTTP on 127.0.0.1, with each response
telling how many SQL queries it ran (``X-Query-Count``). Never deploy these."""

from .production import *  # noqa: F403
from .production import MIDDLEWARE

# The benchmark's client speaks HTTP to gunicorn directly, with no TLS-terminating proxy in front.
SECURE_SSL_REDIRECT = False
MIDDLEWARE = ["benchmarks.query_count.QueryCountMiddleware", *MIDDLEWARE]
