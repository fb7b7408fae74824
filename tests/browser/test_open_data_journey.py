"""A donor opens a project's Open data page, downloads the reported participation as CSV in Macedonian
and the funding as an Excel workbook in English, and the files read back with the seed figures."""

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from projects.demo import DEMO_PASSWORD, PRESTIGE_HASKOVO, RESEN_BITOLA

pytestmark = pytest.mark.browser


def download(page: Page, dataset_title: str, file_format: str, language: str) -> tuple[str, bytes]:
    """Choose the format and language in the dataset's row, press its Download button, keep the file."""
    row = page.get_by_role("row", name=re.compile(dataset_title))
    row.get_by_label("Format").select_option(file_format)
    row.get_by_label("Language").select_option(language)
    with page.expect_download() as downloading:
        row.get_by_role("button", name=f"Download: {dataset_title}").click()
    return downloading.value.suggested_filename, downloading.value.path().read_bytes()


def test_donor_downloads_a_csv_and_an_xlsx_from_the_open_data_page(page: Page, seeded_server):
    page.goto(f"{seeded_server.url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill("donor@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/projects/$"))

    page.goto(f"{seeded_server.url}/en/projects/{RESEN_BITOLA}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Open data", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open data")
    expect(page.get_by_role("row", name=re.compile("Forum sessions")).get_by_role("cell").nth(0)).to_have_text("16")

    name, content = download(page, "Participation reported as totals", "csv", "mk")
    assert name == f"{RESEN_BITOLA}-reported-participation-mk.csv"
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [(row["municipality"], row["participants"], row["participants_qualifier"]) for row in rows] == [
        ("Ресен", "735", "exact"),
        ("Битола", "656", "exact"),
    ]

    page.goto(f"{seeded_server.url}/en/projects/{PRESTIGE_HASKOVO}/exports/")
    name, content = download(page, "Funding contributions", "xlsx", "en")
    assert name == f"{PRESTIGE_HASKOVO}-funding-en.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Data", "Data dictionary", "About"]
    sheet = workbook["Data"]
    header = [cell.value for cell in sheet[1]]
    amounts = [sheet.cell(row=row, column=header.index("amount") + 1).value for row in (2, 3)]
    assert amounts == [pytest.approx(44544.42), pytest.approx(7860.78)]
    assert [sheet.cell(row=row, column=header.index("currency") + 1).value for row in (2, 3)] == ["BGN", "BGN"]
