"""PostgreSQL restarted under the running app: the next request succeeds.

The app (gunicorn, one worker process and thread, so every request has the same connection) keeps its
PostgreSQL connection between requests (``CONN_MAX_AGE``). A restart cuts that connection; with
``CONN_HEALTH_CHECKS`` the app notices before using it and connects again. The same run without the
check shows the request it saves: the first one after the restart fails.
"""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from .servers import free_port, wait_until

PAGE = "/en/projects/"
PUBLIC_SEED_PROJECT = "Resen"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - our own local server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def serve(postgres_server, tmp_path):
    """Serves the portal with gunicorn on a migrated, seeded database of the throwaway cluster."""
    postgres_server.execute("CREATE DATABASE portal")
    servers: list[subprocess.Popen] = []

    def start(settings_module: str) -> tuple[str, Path]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": postgres_server.url("portal"),
            "CONN_MAX_AGE": "600",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
        env.pop("CELERY_BROKER_URL", None)
        if not servers:
            for command in (("migrate", "--noinput", "-v", "0"), ("load_seed_projects", "-v", "0")):
                subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, check=True)
        port = free_port()
        log = tmp_path / f"gunicorn-{len(servers) + 1}.log"
        servers.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                    *("--workers", "1", "--threads", "1", "--timeout", "60"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: get(f"{url}/healthz/")[0] == 200, "gunicorn")
        return url, log

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=20)


def app_connections(postgres_server) -> list[tuple]:
    return postgres_server.execute("SELECT pid FROM pg_stat_activity WHERE datname = 'portal'")


def test_the_first_request_after_a_postgresql_restart_succeeds(serve, postgres_server):
    url, _log = serve("config.settings.test")
    status, page = get(url + PAGE)
    assert status == 200
    assert PUBLIC_SEED_PROJECT in page
    before = app_connections(postgres_server)
    assert len(before) == 1, "the app does not keep its connection: the restart would test nothing"

    postgres_server.restart()
    assert app_connections(postgres_server) == []

    status, page = get(url + PAGE)
    assert status == 200
    assert PUBLIC_SEED_PROJECT in page
    after = app_connections(postgres_server)
    assert len(after) == 1
    assert after != before


def test_without_health_checks_the_first_request_after_a_restart_fails(serve, postgres_server):
    url, log = serve("tests.faults.settings_without_health_checks")
    assert get(url + PAGE)[0] == 200

    postgres_server.restart()

    assert get(url + PAGE)[0] == 500
    assert "OperationalError: terminating connection due to administrator command" in log.read_text(errors="replace")
    # Django closes a connection that failed at the end of the request: the one after it reconnects.
    assert get(url + PAGE)[0] == 200
