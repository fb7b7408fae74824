# Production image: gunicorn serving config.wsgi; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/app/media \
    WEB_CONCURRENCY=3

# Pango and HarfBuzz for WeasyPrint; everything else comes as Python wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

# The code stays root-owned and read-only to the app; only media/ (a volume in docker-compose.yml) is writable.
RUN groupadd --system portal && useradd --system --gid portal --create-home --home-dir /home/portal portal

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
RUN pybabel -q compile -d locale -D django \
    && DJANGO_SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
       DATABASE_URL=postgres://build@localhost/build CELERY_BROKER_URL=redis://localhost:6379/0 \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown portal:portal /app/media

USER portal
EXPOSE 8000
# WEB_CONCURRENCY sets the number of gunicorn workers (gunicorn reads it); about 2 per CPU core.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
