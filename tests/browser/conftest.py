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


# Chromium logs every Content Security Policy violation to the console ("Refused to ... because it violates
# the following Content Security Policy directive"); the listener below also reports the DOM's
# securitypolicyviolation events there, with the directive and the blocked source. Init scripts run outside
# the page's policy, so the listener itself is never blocked.
CSP_VIOLATION_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture(autouse=True)
def csp_violations(browser, monkeypatch):
    """Fail a browser test whose pages break the Content Security Policy, in any browser context it opens
    (pytest-playwright's ``page`` and the tests' own ``browser.new_context()`` alike)."""
    violations: list[str] = []

    def watch(page):
        def record(message):
            if is_csp_violation(message.text):
                violations.append(f"{page.url}: {message.text}")

        page.on("console", record)

    open_context = browser.new_context

    def new_context(*args, **kwargs):
        context = open_context(*args, **kwargs)
        context.add_init_script(CSP_VIOLATION_REPORTER)
        context.on("page", watch)
        return context

    monkeypatch.setattr(browser, "new_context", new_context)
    yield violations
    assert violations == [], "Content Security Policy violations:\n" + "\n".join(violations)
