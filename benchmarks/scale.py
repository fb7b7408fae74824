"""The portal at scale (``make bench``): response times and query counts on a large PostgreSQL dataset.

1. Creates (or reuses) two databases beside ``BENCH_DATABASE_SERVER`` (default
   ``postgres://postgres@127.0.0.1:5432``): ``portal_bench`` with 10,000 generated projects (200,000
   sessions, 1,000,000 breakdown counts, 50,000 proposals with 200,000 budget lines: see
   ``benchmarks/dataset.py``) and ``portal_bench_small`` with 100 projects of the same shape. A dataset
   is generated once and kept: later runs only migrate it (``--fresh`` generates it again).
2. Serves each with gunicorn (two sync workers) and production settings with DEBUG off
   (``config.settings.bench``: plain HTTP, and an ``X-Query-Count`` header on every response).
3. Requests each page ``--requests`` times from two client threads, as a signed-in coordinator of one
   generated project: the floor (``/healthz/``: the middleware stack with the signed-in session and user,
   no view work), the project list, a project page, a project's session list, logging a session (POST),
   the proposal list, the summary API and the download of a report rendered before. Prints p50, p95,
   requests per second, the p95 as a multiple of the floor's, and the query count on the large and on the
   small dataset (they must be equal: the queries of a page do not depend on the amount of data).
4. Writes the results and the machine they were taken on into ``docs/benchmarks.md`` (between its
   ``bench:results`` markers).

The POSTs add sessions to a second project, so the measured pages keep their data from run to run.
Redis (``BENCH_REDIS_URL``, default database 14 of the local server) holds the cache; it is emptied first.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import redis  # noqa: E402

from benchmarks import dataset  # noqa: E402 - the project's root is put on the path first

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DATASETS = {"portal_bench_small": 100, "portal_bench": 10_000}
LARGE = "portal_bench"
CONCURRENCY = 2
WARM_UP = 10
AIM_RATIO = 5
AIM_P95_MS = 50
DOCS = BASE_DIR / "docs" / "benchmarks.md"
RESULTS_START, RESULTS_END = "<!-- bench:results -->", "<!-- /bench:results -->"
MEASURED_CODE, LOGGING_CODE = dataset.code(1), dataset.code(2)
PYTHON = sys.executable
# One key for the whole run: the session the preparing process signs must be read by gunicorn.
SECRET_KEY = "bench-" + secrets.token_urlsafe(40)


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    path: str
    expected_status: int = 200


PAGES = [
    Page("floor: /healthz/", "GET", "/healthz/"),
    Page("project list", "GET", "/en/projects/"),
    Page("project page", "GET", "/en/projects/{code}/"),
    Page("session list", "GET", "/en/projects/{code}/sessions/"),
    Page("log a session (POST)", "POST", "/en/projects/{logging_code}/sessions/new/", 302),
    Page("proposal list", "GET", "/en/proposals/"),
    Page("summary API", "GET", "/api/v1/projects/{project_id}/summary/"),
    Page("report download (reused)", "GET", "/en/reports/{report_id}/download/"),
]


@dataclass
class Measurement:
    p50: float
    p95: float
    per_second: float
    queries: str


def django_environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{SERVER}/{database}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / f"{database}-media"),
        "LOG_LEVEL": "WARNING",
    }


def manage(database: str, *arguments: str) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=BASE_DIR, env=django_environment(database), check=True)


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def ensure_dataset(database: str, projects: int, *, fresh: bool) -> None:
    """Create, migrate and fill ``database`` unless it is already there; migrate it anyway (new indexes)."""
    if fresh:
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):  # noqa: S608 - our own name
        psql(f"CREATE DATABASE {database}")
    print(f"{database}: migrating")
    manage(database, "migrate", "--noinput", "-v", "0")
    url = f"{SERVER}/{database}"
    if not psql("SELECT 1 FROM projects_project WHERE code NOT LIKE 'BENCH-%' LIMIT 1", database):
        manage(database, "load_seed_projects", "-v", "0")
    dataset.generate(url, projects)
    print(f"{database}: " + ", ".join(f"{count:,} {name}" for name, count in dataset.counts(url).items()))


def prepare() -> None:
    """In a process with Django set up: the signed-in coordinator, a rendered report; prints them as JSON."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from config.celery_app import app
    from projects.models import Membership, Project
    from reports import services
    from reports.models import ReportRequest

    coordinator, _ = User.objects.get_or_create(email="coordinator@bench.invalid")
    projects = {project.code: project for project in Project.objects.filter(code__in=[MEASURED_CODE, LOGGING_CODE])}
    for project in projects.values():
        Membership.objects.get_or_create(user=coordinator, project=project, role=Membership.Role.COORDINATOR)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(coordinator.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = coordinator.get_session_auth_hash()
    session.create()

    # Rendered now, in this process, so the measured download is of a stored report (as when it is reused).
    app.conf.task_always_eager = True
    measured = projects[MEASURED_CODE]
    ReportRequest.objects.filter(project=measured).delete()
    report = services.report_request(
        actor=coordinator, project=measured, kind=ReportRequest.Kind.EXECUTIVE_SUMMARY, language="en"
    )
    report.refresh_from_db()
    if report.status != ReportRequest.Status.DONE:
        raise SystemExit(f"the report was not rendered: {report.status} {report.error}")
    print(
        json.dumps(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                "code": MEASURED_CODE,
                "logging_code": LOGGING_CODE,
                "project_id": measured.pk,
                "report_id": report.pk,
            }
        )
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the portal on ``database``."""

    def __init__(self, database: str, log: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *(PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}"),
                *("--workers", str(CONCURRENCY), "--timeout", "60"),
                # gunicorn's heartbeat files, in memory rather than on a disk that may stall.
                *("--worker-tmp-dir", "/dev/shm"),  # noqa: S108
            ],
            cwd=BASE_DIR,
            env=django_environment(database),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.request("GET", "/healthz/")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"gunicorn did not start; its log:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) of one request on a new connection, as a browser without keep-alive."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class FormFields(HTMLParser):
    """The fields a browser would send with the page's POST form to ``action``, with their initial values."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.in_form = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            # Other forms share the page (signing out, in the header): only the one posting here counts.
            self.in_form = attributes.get("action") in (None, "", self.action)
        if not self.in_form or ("name" not in attributes and tag != "option"):
            return
        name = attributes.get("name")
        if tag == "input" and attributes.get("type") not in ("file", "submit", "checkbox", "radio"):
            self.fields[name] = attributes.get("value") or ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select:
            self.options.setdefault(self.select, []).append(attributes.get("value") or "")
            if self.select not in self.fields or "selected" in attributes:
                self.fields[self.select] = attributes.get("value") or ""
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def session_form(server: Server, path: str, cookie: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a valid "log a session" POST, from the form page as a browser gets it."""
    status, headers, page = server.request("GET", path, headers={"Cookie": cookie})
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    parser = FormFields(action=path)
    parser.feed(page.decode())
    fields = {name: value for name, value in parser.fields.items() if name}
    fields.update(
        {"kind": "forum_informational", "status": "held", "date": "2025-05-20", "venue": "Town hall"},
        municipality=next(value for value in parser.options["municipality"] if value),
        participants="31",
        participants_qualifier="exact",
    )
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    all_cookies = "; ".join([cookie, *(f"{key}={morsel.value}" for key, morsel in cookies.items())])
    return urlencode(fields).encode(), {
        "Cookie": all_cookies,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def measure(server: Server, page: Page, context: dict, requests: int) -> Measurement:
    path = page.path.format(**context)
    body, headers = None, {"Cookie": context["cookie"]}
    if page.method == "POST":
        body, headers = session_form(server, path, context["cookie"])
    query_counts: Counter[str] = Counter()

    def one(_) -> float:
        start = time.perf_counter()
        status, response_headers, _body = server.request(page.method, path, body, headers)
        elapsed = (time.perf_counter() - start) * 1000
        if status != page.expected_status:
            raise SystemExit(f"{page.method} {path} answered {status}, not {page.expected_status}: {_body[:500]!r}")
        query_counts[response_headers.get("X-Query-Count", "?")] += 1
        return elapsed

    for number in range(WARM_UP):
        one(number)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        started = time.perf_counter()
        times = list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
    return Measurement(
        p50=statistics.median(times),
        p95=statistics.quantiles(times, n=20)[18],
        per_second=requests / wall,
        # The usual count: a process's first requests also load what it then caches (content types).
        queries=query_counts.most_common(1)[0][0],
    )


def run(database: str, requests: int, workdir: Path) -> dict[str, Measurement]:
    prepared = subprocess.run(
        [PYTHON, __file__, "--prepare"],
        cwd=BASE_DIR,
        env=django_environment(database),
        check=True,
        capture_output=True,
        text=True,
    )
    context = json.loads(prepared.stdout.strip().splitlines()[-1])
    server = Server(database, workdir / f"{database}-gunicorn.log")
    try:
        results = {}
        for page in PAGES:
            results[page.name] = measure(server, page, context, requests)
            print(f"  {page.name:<28} {results[page.name].p95:7.1f} ms p95, {results[page.name].queries} queries")
        return results
    finally:
        server.stop()


def machine() -> dict[str, str]:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    os_release = re.search(r'PRETTY_NAME="(.+)"', Path("/etc/os-release").read_text())
    import django
    import gunicorn

    return {
        "CPU": f"{cpu.group(1) if cpu else platform.processor()}, {os.cpu_count()} logical CPUs",
        "RAM": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "?",
        "OS": f"{os_release.group(1) if os_release else platform.system()}, kernel {platform.release()}",
        "PostgreSQL": psql("SHOW server_version"),
        "Python": platform.python_version(),
        "Django / gunicorn": f"{django.get_version()} / {gunicorn.__version__}",
    }


def report(results: dict[str, dict[str, Measurement]], requests: int, counts: dict[str, int]) -> str:
    large, small = results[LARGE], results["portal_bench_small"]
    floor = large[PAGES[0].name]
    lines = [
        f"Taken {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make bench`: {requests} requests per "
        f"page from {CONCURRENCY} client threads to gunicorn with {CONCURRENCY} sync workers on the same machine.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in machine().items()),
        "",
        "Dataset (`portal_bench`): " + ", ".join(f"{count:,} {name}" for name, count in counts.items()) + ".",
        "",
        "| page | p50 ms | p95 ms | requests/s | p95 ÷ floor p95 | queries | queries, 100 projects | aims |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page in PAGES:
        row = large[page.name]
        ratio = row.p95 / floor.p95
        if page is PAGES[0]:
            aims = "floor"
        else:
            missed = [f"p95 > {AIM_RATIO}× floor"] if ratio > AIM_RATIO else []
            missed += [f"p95 ≥ {AIM_P95_MS} ms"] if row.p95 >= AIM_P95_MS else []
            missed += ["queries depend on size"] if row.queries != small[page.name].queries else []
            aims = "met" if not missed else "missed: " + ", ".join(missed)
        lines.append(
            f"| {page.name} | {row.p50:.1f} | {row.p95:.1f} | {row.per_second:.0f} | {ratio:.1f}× | "
            f"{row.queries} | {small[page.name].queries} | {aims} |"
        )
    return "\n".join(lines)


def write_docs(text: str) -> None:
    document = DOCS.read_text() if DOCS.exists() else f"# Benchmarks\n\n{RESULTS_START}\n{RESULTS_END}\n"
    start, end = document.index(RESULTS_START) + len(RESULTS_START), document.index(RESULTS_END)
    DOCS.write_text(document[:start] + "\n" + text + "\n" + document[end:])


def main(arguments) -> None:
    # Before any measurement: a rate limit counted by an earlier run must not refuse this one.
    redis.Redis.from_url(REDIS_URL).flushdb()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        for database, projects in DATASETS.items():
            ensure_dataset(database, projects, fresh=arguments.fresh)
        # As the Dockerfile does: production settings serve static files by their manifest.
        manage(LARGE, "collectstatic", "--noinput", "-v", "0")
        for database in DATASETS:
            print(f"{database}: measuring")
            requests = arguments.requests if database == LARGE else max(20, arguments.requests // 10)
            results[database] = run(database, requests, Path(workdir))
    text = report(results, arguments.requests, dataset.counts(f"{SERVER}/{LARGE}"))
    print()
    print(text)
    write_docs(text)
    print(f"\nwritten to {DOCS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="generate the datasets again")
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.prepare:
        prepare()
    else:
        main(arguments)
