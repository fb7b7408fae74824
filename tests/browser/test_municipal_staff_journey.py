"""Resen's clerk logs a forum session with its attendance; the figures change; Bitola's clerk cannot edit it."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.browser

PROJECT = "MCMS-RESEN-BITOLA-2008"


def resen_row(page: Page):
    forums = page.locator("section", has=page.get_by_role("heading", name="Forum sessions"))
    return forums.get_by_role("row", name=re.compile("^Resen"))


def test_resen_staff_logs_a_session_and_bitola_staff_cannot_edit_it(page: Page, seeded_server):
    base = seeded_server.url
    sign_in(page, base, "staff.resen@example.org")

    page.goto(f"{base}/en/projects/{PROJECT}/participation/")
    expect(resen_row(page)).to_contain_text("735")
    expect(resen_row(page)).to_contain_text("91.88")

    page.get_by_role("link", name="Log a session").click()
    page.get_by_label("Kind").select_option("forum_deliberative")
    expect(page.get_by_label("Host municipality")).to_have_value(re.compile(r"\d+"))  # Resen, the one they serve
    page.get_by_label("Date").fill("2009-05-12")
    page.get_by_label("Venue").fill("Дом на култура, Ресен")
    page.get_by_label("Participants", exact=True).fill("40")
    page.get_by_label("Women", exact=True).fill("25")
    page.get_by_label("Men", exact=True).fill("30")
    expect(page.locator("#attendance-check")).to_contain_text("add up to 55, more than the 40 participants")
    page.get_by_label("Men", exact=True).fill("14")
    page.get_by_label("Gender not disclosed").fill("1")
    expect(page.locator("#attendance-check")).to_contain_text("The parts fit within the total")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Forum session: deliberative #9 – Resen")
    expect(page.get_by_role("row", name=re.compile("^Participants"))).to_contain_text("40")
    expect(page.get_by_role("heading", name="Change history")).to_be_visible()
    session_url = page.url

    page.get_by_role("link", name="Participation").click()
    expect(resen_row(page)).to_contain_text("775")  # 735 published + 40 logged
    expect(resen_row(page)).to_contain_text("86.11")  # over 9 sessions

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "staff.bitola@example.org")
    page.goto(session_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resen")
    expect(page.get_by_role("link", name="Edit session")).to_have_count(0)
    response = page.goto(session_url + "edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
