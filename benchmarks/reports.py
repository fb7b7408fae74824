"""How long a report takes, for the five seed projects' executive summaries (``make bench-reports``).

Prints, asserts nothing. Per project, in its original language, in milliseconds:

- figures: gathering the figures (``reports.figures.report_figures``);
- html: figures and template (``reports.rendering.report_html``);
- floor: that HTML through bare WeasyPrint (same fetcher and PDF/UA variant): what no code of ours
  can make faster;
- warm: ``render_report`` in a process that has rendered before (median), and its overhead over the
  floor (aim: at most 20 %, and under one second);
- fresh: the first ``render_report`` in a new process, and that process's whole life (Python, Django,
  WeasyPrint start-up included);
- worker: what a worker spends on a new request (claim, fingerprint, render, store);
- reuse: requesting the unchanged report again (fingerprint and lookup, no render);
- download: serving the stored PDF through the download view (permission check, file read).

Runs on a throwaway database (``bench_reports``, or a temporary SQLite file) with the seeds loaded,
beside whatever ``DATABASE_URL`` names, and deletes it afterwards.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
BASE_DIR = Path(__file__).resolve().parent.parent
ROUNDS = 7


def setup_django(media_root: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["MEDIA_ROOT"] = media_root
    import django

    django.setup()
    logging.disable(logging.INFO)  # eager Celery logs every task it runs


def milliseconds(function, rounds: int = 1) -> float:
    """The median time of ``rounds`` calls of ``function``, in ms."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def fresh_render(database: str, code: str, language: str) -> None:
    """In a new process: render once and print the render's time and the process's age, as JSON."""
    from django.db import connection

    from projects.models import Project
    from reports.rendering import render_report

    connection.settings_dict["NAME"] = database
    project = Project.objects.get(code=code)
    render = milliseconds(lambda: render_report(project, "executive_summary", language))
    print(json.dumps({"render": render, "process": (time.perf_counter() - STARTED) * 1000}))


def measure(project, donor, database: str, media_root: str) -> dict[str, float]:
    from django.test import Client
    from django.urls import reverse
    from weasyprint import HTML

    from forums.sign_in_sheet import STATIC_BASE_URL, StaticFilesURLFetcher
    from reports import services
    from reports.figures import report_figures
    from reports.rendering import PDF_VARIANT, render_report, report_html

    kind, language = "executive_summary", project.original_language
    html = report_html(project, kind, language)
    render_report(project, kind, language)  # warms the caches: templates, fonts, WeasyPrint's own
    figures = milliseconds(lambda: report_figures(project, kind, language), ROUNDS)
    templated = milliseconds(lambda: report_html(project, kind, language), ROUNDS)
    floor = milliseconds(
        lambda: HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticFilesURLFetcher()).write_pdf(
            pdf_variant=PDF_VARIANT
        ),
        ROUNDS,
    )
    warm = milliseconds(lambda: render_report(project, kind, language), ROUNDS)

    child = subprocess.run(
        [sys.executable, __file__, "--fresh", database, project.code, language],
        capture_output=True,
        check=True,
        env={**os.environ, "MEDIA_ROOT": media_root},
        text=True,
    )
    fresh = json.loads(child.stdout.strip().splitlines()[-1])

    # Celery is eager here: the request renders and stores the report before it returns.
    worker = milliseconds(lambda: services.report_request(actor=donor, project=project, kind=kind, language=language))
    client = Client()
    client.force_login(donor)

    report = services.report_request(actor=donor, project=project, kind=kind, language=language)
    download_url = reverse("reports:download", kwargs={"pk": report.pk})

    return {
        "figures": figures,
        "html": templated,
        "floor": floor,
        "warm": warm,
        "overhead %": (warm - floor) / floor * 100,
        "fresh render": fresh["render"],
        "fresh process": fresh["process"],
        "worker": worker,
        "reuse": milliseconds(
            lambda: services.report_request(actor=donor, project=project, kind=kind, language=language), ROUNDS
        ),
        "download": milliseconds(lambda: b"".join(client.get(download_url).streaming_content), ROUNDS),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as workdir:
        setup_django(media_root=workdir)
        from django.core.management import call_command
        from django.db import connection

        from accounts.models import User
        from projects.models import Membership, Project

        connection.settings_dict["TEST"]["NAME"] = (
            str(Path(workdir) / "bench.sqlite3") if connection.vendor == "sqlite" else "bench_reports"
        )
        original_name = connection.settings_dict["NAME"]
        database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            call_command("load_seed_projects", verbosity=0)
            print(f"Executive summaries of the seed projects, in ms ({os.cpu_count()} CPUs, median of {ROUNDS})")
            print(f"{'project':<28} {'lang':<4} " + " ".join(f"{name:>13}" for name in COLUMNS))
            for project in Project.objects.order_by("code"):
                donor = User.objects.create_user(email=f"donor-{project.pk}@bench.invalid")
                Membership.objects.create(user=donor, project=project, role=Membership.Role.DONOR)
                row = measure(project, donor, database, workdir)
                print(
                    f"{project.code:<28} {project.original_language:<4} "
                    + " ".join(f"{row[name]:>13.1f}" for name in COLUMNS)
                )
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


COLUMNS = (
    "figures",
    "html",
    "floor",
    "warm",
    "overhead %",
    "fresh render",
    "fresh process",
    "worker",
    "reuse",
    "download",
)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", nargs=3, metavar=("DATABASE", "CODE", "LANGUAGE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.fresh:
        setup_django(media_root=os.environ["MEDIA_ROOT"])
        fresh_render(*arguments.fresh)
    else:
        main()
