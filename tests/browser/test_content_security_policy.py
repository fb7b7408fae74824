"""The strict Content Security Policy holds in a real browser: pages run and style only from our own files,
and the browser tests' watch for violations (tests/browser/conftest.py) does catch one."""

import re

import pytest
from playwright.sync_api import Page, expect

from projects.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_api_docs_render_under_their_relaxed_policy(page: Page, seeded_server):
    page.goto(f"{seeded_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .information-container")).to_contain_text("Participatory governance portal API")
    expect(page.get_by_text("/api/v1/projects/", exact=True).first).to_be_visible()


def test_public_pages_keep_to_the_strict_policy(page: Page, seeded_server):
    page.goto(f"{seeded_server.url}/en/projects/")
    page.get_by_role("link", name=re.compile("Resen")).first.click()
    expect(page).to_have_url(re.compile(r"/en/projects/MCMS-RESEN-BITOLA-2008/$"))
    page.goto(f"{seeded_server.url}/en/accounts/login/")
    expect(page.get_by_label("E-mail address")).to_be_visible()

    page.wait_for_function("window.htmx !== undefined")
    expect(page.locator("style")).to_have_count(0)  # htmx injected no indicator styles


def test_administration_keeps_to_the_strict_policy(page: Page, seeded_server):
    """The admin's own scripts, its date widgets and modeltranslation's language tabs (jQuery UI)."""
    page.goto(f"{seeded_server.url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill("admin@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/projects/$"))

    page.goto(f"{seeded_server.url}/en/admin/projects/project/")
    page.locator("#result_list tbody th a").first.click()
    expect(page.locator(".ui-tabs-nav").first).to_be_visible()  # modeltranslation made its language tabs
    page.locator(".datetimeshortcuts a").first.click()  # the date widget's "Today"


def test_watch_reports_an_inline_style_the_policy_blocks(page: Page, seeded_server, csp_violations):
    page.goto(f"{seeded_server.url}/en/accounts/login/")

    page.evaluate("document.body.setAttribute('style', 'background: red')")

    expect(page.locator("body")).not_to_have_css("background-color", "rgb(255, 0, 0)")
    page.wait_for_function("true")  # let the console messages arrive
    page.wait_for_timeout(200)
    assert any("style-src" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()  # this violation was the point of the test
