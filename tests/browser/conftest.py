"""Browser tests: Playwright drives the system Chromium against a live server with the seed data."""

import os

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; the fixtures' ORM calls are still
    plain synchronous calls, which Django's async-safety guard would refuse."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def seeded_server(live_server, transactional_db):
    """A live server holding the five seed projects and the demo accounts, as after ``make run``."""
    call_command("load_seed_projects", verbosity=0)
    call_command("load_demo_accounts", force=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server
