"""A donor requests two executive summaries, in English and in Bulgarian, watches them finish on the
Reports page and downloads them; the PDFs read back with the seed documents' figures. The donor also
takes the IATI file of one project and reads why the other cannot have one yet."""

import io
import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from projects.demo import DEMO_PASSWORD, PRESTIGE_HASKOVO, RESEN_BITOLA
from tests.reports.test_iati import assert_valid_iati

pytestmark = pytest.mark.browser


def downloaded_text(page: Page, link) -> str:
    with page.expect_download() as download:
        link.click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in pdf.pages).replace("\xa0", " ")


def request_summary(page: Page, language: str) -> None:
    with translation.override(language):
        reports, request = translation.gettext("Reports"), translation.gettext("Request the report")
    page.get_by_role("navigation", name=re.compile(".")).get_by_role("link", name=reports, exact=True).click()
    page.locator("select[name=kind]").select_option("executive_summary")
    page.locator("select[name=language]").select_option(language)
    page.get_by_role("button", name=request).click()


def sign_in_as_donor(page: Page, server) -> None:
    page.goto(f"{server.url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill("donor@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_donor_requests_and_downloads_executive_summaries_in_english_and_bulgarian(page: Page, seeded_server):
    sign_in_as_donor(page, seeded_server)

    page.goto(f"{seeded_server.url}/en/projects/{RESEN_BITOLA}/")
    request_summary(page, "en")
    english = page.get_by_role("link", name=f"Download {RESEN_BITOLA}-executive-summary-en.pdf")
    expect(english).to_be_visible(timeout=60_000)  # the status polls until the worker has finished
    text = downloaded_text(page, english)
    assert "Forum sessions 16 1391 86.94" in text
    assert "Resen 8 735 91.88" in text
    assert "MKD21,975,155.00" in text

    page.goto(f"{seeded_server.url}/bg/projects/{PRESTIGE_HASKOVO}/")
    request_summary(page, "bg")
    with translation.override("bg"):
        download = translation.gettext("Download")
    bulgarian = page.get_by_role("link", name=f"{download} {PRESTIGE_HASKOVO}-executive-summary-bg.pdf")
    expect(bulgarian).to_be_visible(timeout=60_000)
    text = downloaded_text(page, bulgarian)
    assert "52 405,20 лв." in text
    assert "44 544,42 лв. 85 %" in text and "7 860,78 лв. 15 %" in text


def test_donor_downloads_the_iati_file_of_one_project_and_reads_what_the_other_lacks(
    page: Page, seeded_server, settings
):
    settings.IATI_PUBLISHER_IDENTIFIER = "XI-IATI-TEST"
    settings.IATI_PUBLISHER_NAME = "Test portal operator"
    settings.IATI_PUBLISHER_TYPE = "22"
    sign_in_as_donor(page, seeded_server)

    page.goto(f"{seeded_server.url}/en/projects/{RESEN_BITOLA}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the IATI file (XML)").click()
    assert download.value.suggested_filename == f"{RESEN_BITOLA}-iati.xml"
    document = assert_valid_iati(download.value.path().read_bytes())
    assert document.findtext("iati-activity/iati-identifier") == f"XI-IATI-TEST-{RESEN_BITOLA}"

    page.goto(f"{seeded_server.url}/sq/projects/{PRESTIGE_HASKOVO}/")
    with translation.override("sq"):
        lacks, status_unknown = (
            translation.gettext("IATI open data"),
            translation.gettext("The project's status is not known."),
        )
    panel = page.get_by_role("region", name=lacks)
    expect(panel.get_by_role("listitem")).to_have_text([status_unknown])
    expect(panel.get_by_role("link")).to_have_count(0)
