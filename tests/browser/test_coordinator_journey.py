"""A coordinator signs in, reads the portal in Macedonian and finds a project's partners and budget."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from projects.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def translated(text: str, language: str) -> str:
    """The catalog's translation, which must exist: an untranslated label fails the journey."""
    with translation.override(language):
        result = translation.gettext(text)
    assert result != text, f"“{text}” has no {language} translation"
    return result


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/projects/$"))


def test_coordinator_finds_resen_bitola_partners_and_budget_in_macedonian(page: Page, seeded_server):
    sign_in(page, seeded_server.url, "coordinator@example.org")

    page.get_by_role("button", name="Македонски").click()
    expect(page).to_have_url(re.compile(r"/mk/projects/$"))
    expect(page.locator("html")).to_have_attribute("lang", "mk")

    page.get_by_role("link", name=re.compile("Ресен и Битола")).click()
    expect(page).to_have_url(re.compile(r"/mk/projects/MCMS-RESEN-BITOLA-2008/$"))

    partners = page.locator("section", has=page.get_by_role("heading", name=translated("Partners", "mk"), exact=True))
    expect(partners).to_contain_text("Македонски центар за меѓународна соработка")
    expect(partners).to_contain_text("Општина Ресен")
    expect(partners).to_contain_text("Општина Битола")
    expect(partners).to_contain_text("Швајцарска агенција за развој и соработка")
    expect(partners).to_contain_text(translated("Funded by", "mk"))

    budget = page.locator("section", has=page.get_by_role("heading", name=translated("Budget and funding", "mk")))
    expect(budget).to_contain_text("21.975.155,00 ден.")
    expect(budget).to_contain_text(translated("not published", "mk"))
    # The coordinator may edit what the page shows.
    expect(page.get_by_role("link", name=translated("Edit project", "mk"))).to_be_visible()


def test_coordinator_records_a_funding_contribution_and_sees_its_share(page: Page, seeded_server):
    sign_in(page, seeded_server.url, "coordinator@example.org")
    page.goto(f"{seeded_server.url}/en/projects/BG05SFOP001-2.025-0163-C01/edit/funding/")
    new_row = page.locator("fieldset.formset-row").nth(2)  # two stored rows, then the blank ones
    new_row.get_by_label("Kind").select_option("own")
    new_row.get_by_label("Amount").fill("-5")
    new_row.get_by_label("Currency").fill("bgn")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")

    new_row = page.locator("fieldset.formset-row").nth(2)
    new_row.get_by_label("Amount").fill("1000")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/en/projects/BG05SFOP001-2.025-0163-C01/$"))
    funding = page.get_by_role("table", name="Funding contributions")
    expect(funding).to_contain_text("BGN1,000.00")
    expect(funding).to_contain_text("Own contribution")
