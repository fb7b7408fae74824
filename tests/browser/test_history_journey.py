"""A coordinator changes a budget line and finds the change, with its before and after, on the History page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from projects.models import Membership
from tests.conftest import PASSWORD
from tests.projects.factories import BudgetLineFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.browser


def test_coordinator_finds_a_budget_change_on_the_history_page(page: Page, live_server, transactional_db):
    project = ProjectFactory(is_public=False)
    BudgetLineFactory(project=project, description_en="Hall rent", amount=Decimal("500.00"), currency="EUR")
    coordinator = MembershipFactory(project=project, role=Membership.Role.COORDINATOR).user

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/projects/$"))

    page.goto(f"{live_server.url}/en/projects/{project.code}/edit/budget/")
    page.locator("fieldset.formset-row").first.get_by_label("Planned amount").fill("650")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/en/projects/{re.escape(project.code)}/$"))

    page.get_by_role("navigation", name="Project").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("History")
    change = page.get_by_role("row").filter(has_text="Planned amount: 500.00 → 650.00")
    expect(change).to_contain_text(str(coordinator))
    expect(change).to_contain_text("Budget line: Hall rent")

    page.get_by_label("Kind of record").select_option(label="Sessions")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_contain_text("No changes recorded yet.")
