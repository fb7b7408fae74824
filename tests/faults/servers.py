"""Throwaway PostgreSQL and Redis servers for the fault tests, each on a free port in a folder of its own.

The fault tests stop and restart the servers they use; the machine's shared PostgreSQL (5432) and Redis
(6379) serve everybody else's tests and must never be touched. PostgreSQL refuses to run as root, so as
root its programs run as the ``postgres`` system user (Debian's package creates it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL's server programs (Debian's layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def missing_servers() -> str | None:
    """Why the throwaway servers cannot run here, or None."""
    if postgres_bin() is None:
        return "no PostgreSQL server programs in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    if shutil.which("redis-server") is None:
        return "no redis-server on the PATH (apt-get install redis-server)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' user to run PostgreSQL as"
    return None


def wait_until(check, what: str, seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet: try again until the deadline
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {seconds} s")
        time.sleep(0.1)


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (trust authentication, user ``postgres``), deleted by ``destroy``."""

    def __init__(self):
        self.bin = postgres_bin()
        # Directly in the temporary folder, not in pytest's (private to the user running the tests), so that
        # the postgres user can reach it; short, because the server's Unix socket lives there too.
        self.folder = Path(tempfile.mkdtemp(prefix="portal-fault-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")
        wait_until(lambda: psycopg.connect(self.url(), connect_timeout=2).close() is None, "PostgreSQL")

    def stop(self) -> None:
        # Fast: every client connection is cut, as when the server or its machine is restarted.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def execute(self, sql: str, database: str = "postgres") -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayRedis:
    """A Redis server of its own; with ``appendonly`` every write is in its append-only file before it answers."""

    def __init__(self, folder: Path, *, appendonly: bool):
        self.folder = folder
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)

    def start(self) -> None:
        persistence = ("--appendonly", "yes", "--appendfsync", "always") if self.appendonly else ("--appendonly", "no")
        command = [
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)),
            *("--save", "", *persistence, "--logfile", str(self.folder / "server.log")),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.client().ping(), "Redis")

    def stop(self) -> None:
        """Stop the server as a crash would: no snapshot on the way out (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
