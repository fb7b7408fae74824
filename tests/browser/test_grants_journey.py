"""A small grant from application to monitoring report, through the pages, as each person does it.

The NGO coordinator drafts a proposal, types its budget (totalled as they type) and submits it; the
coordinator screens it and closes the call; two reviewers declare no conflict and score it; the
coordinator shortlists it, records the forum's paper tally, selects it and awards it in two tranches;
the NGO coordinator reads the decision (in Albanian too) and files a monitoring report with a photo.
"""

import datetime
import re

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from forums.models import ForumSession
from grants.demo import EXAMPLE_CALL
from grants.models import Call, Proposal
from projects.demo import DEMO_PASSWORD, LINK4COOP
from projects.models import Project
from tests.forums.factories import AttendanceFactory, ForumSessionFactory

pytestmark = pytest.mark.browser

TITLE = "Example: a community garden behind the school"
# The smallest files whose content is what they claim: the server checks content, not names.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def signed_in(browser: Browser, base_url: str, email: str) -> Page:
    """A page in a browser context of its own, so each person keeps their own session."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/projects/$"))
    return page


@pytest.fixture
def forum_held(seeded_server):
    """The Link4Cooperation forum session whose paper ballots decide: held, with 40 participants."""
    project = Project.objects.get(code=LINK4COOP)
    session = ForumSessionFactory(
        project=project,
        municipality=project.target_municipalities.order_by("pk").first(),
        date=datetime.date.today() - datetime.timedelta(days=1),
        status=ForumSession.Status.HELD,
    )
    AttendanceFactory(session=session, participants=40)
    return session


def test_a_grant_from_application_to_monitoring_report(browser: Browser, seeded_server, forum_held):
    base = seeded_server.url
    call = Call.objects.get(title_en=EXAMPLE_CALL)

    # The NGO coordinator applies: the about step, then the budget, totalled while typed.
    ngo = signed_in(browser, base, "ngo@example.org")
    ngo.goto(f"{base}/en/proposals/")
    ngo.locator("li", has_text=EXAMPLE_CALL).get_by_role("link", name=re.compile("^Apply")).click()
    ngo.get_by_label("Title").fill(TITLE)
    ngo.get_by_label("Summary").fill("Raised beds and a tool shed that the neighbours look after together.")
    ngo.get_by_role("button", name="Save and continue").click()
    expect(ngo.get_by_role("group", name="Amounts")).to_be_visible()

    ngo.get_by_label("Requested amount").fill("6000")
    ngo.get_by_label("Co-financing in cash").fill("300")
    ngo.get_by_label("Co-financing in kind").fill("200")
    ngo.get_by_label("Category (1)").select_option("equipment")
    ngo.get_by_label("Description (1)").fill("Raised beds and tools")
    ngo.get_by_label("Unit (1)").fill("set")
    ngo.get_by_label("Quantity (1)").fill("1")
    ngo.get_by_label("Unit cost (1)").fill("4000")
    ngo.get_by_label("Financed by (1)").select_option("grant")
    ngo.get_by_label("Category (2)").select_option("personnel")
    ngo.get_by_label("Description (2)").fill("Neighbours' work days")
    ngo.get_by_label("Unit (2)").fill("day")
    ngo.get_by_label("Quantity (2)").fill("10")
    ngo.get_by_label("Unit cost (2)").fill("50")
    ngo.get_by_label("Financed by (2)").select_option("cofinancing")
    totals = ngo.locator("#budget-totals")
    expect(totals).to_contain_text("4,500.00")  # counted by the server while typing, nothing saved yet
    expect(totals).to_contain_text("is more than the call's maximum")
    ngo.get_by_label("Requested amount").fill("4000")
    expect(totals).to_contain_text("The budget meets the call's rules.")
    expect(totals).to_contain_text("11.11")  # 500 of 4 500 is co-financing
    ngo.get_by_role("button", name="Save and continue").click()

    ngo.get_by_label("File").set_input_files({"name": "statute.pdf", "mimeType": "application/pdf", "buffer": PDF})
    ngo.get_by_label("Description").fill("Statute of the association")
    ngo.get_by_role("button", name="Save draft").click()
    expect(ngo.get_by_role("link", name=re.compile("Statute of the association"))).to_be_visible()
    ngo.get_by_role("button", name="Save and continue").click()
    ngo.get_by_role("button", name="Submit the proposal").click()
    expect(ngo.get_by_role("heading", name=re.compile("Status: Submitted"))).to_be_visible()
    proposal = Proposal.objects.get(title=TITLE)

    # The coordinator screens it against the checklist, closes the call and starts the review.
    coordinator = signed_in(browser, base, "coordinator@example.org")
    coordinator.goto(f"{base}/en/projects/{LINK4COOP}/calls/")
    calls = coordinator.locator("section", has_text=EXAMPLE_CALL)
    calls.get_by_role("link", name=re.compile("^Manage the call")).click()
    coordinator.get_by_role("row", name=re.compile(TITLE)).get_by_role("link", name=re.compile("^Screen")).click()
    for criterion in call.eligibility_criteria.all():
        coordinator.get_by_role("group", name=criterion.text_en).get_by_label("Met", exact=True).check()
    coordinator.get_by_role("button", name="Save the screening").click()
    expect(coordinator.get_by_text("Eligible").first).to_be_visible()
    coordinator.goto(f"{base}/en/calls/{call.pk}/")
    coordinator.get_by_role("button", name="Close the call").click()
    coordinator.get_by_role("button", name="Start the review").click()

    # Two reviewers are assigned; each declares no conflict, then scores the rubric.
    coordinator.goto(f"{base}/en/calls/{call.pk}/review/")
    for email, name in (("reviewer.one@example.org", "Reviewer One"), ("reviewer.two@example.org", "Reviewer Two")):
        assign = coordinator.get_by_role("region", name="Assign a reviewer")
        assign.get_by_label("Proposal").select_option(label=TITLE)
        assign.get_by_label("or the e-mail address of an account").fill(email)
        assign.get_by_role("button", name="Assign").click()
        expect(coordinator.get_by_role("status")).to_contain_text(f"{name} (demo) is asked to review")
    for email, scores in (("reviewer.one@example.org", (8, 7, 9)), ("reviewer.two@example.org", (6, 9, 7))):
        reviewer = signed_in(browser, base, email)
        reviewer.goto(f"{base}/en/reviews/")
        reviewer.get_by_role("link", name=re.compile(TITLE)).click()
        reviewer.get_by_label(re.compile("No: I have no conflict of interest")).check()
        reviewer.get_by_role("button", name="Declare").click()
        for criterion, score in zip(call.scoring_criteria.order_by("order"), scores, strict=True):
            reviewer.get_by_label(criterion.name_en).fill(str(score))
        reviewer.get_by_role("button", name="Submit the review").click()
        expect(reviewer.get_by_text("Your review was submitted. Thank you.")).to_be_visible()
        reviewer.context.close()

    # Both scores count in the board's average; the proposal is shortlisted for the forum's vote.
    coordinator.goto(f"{base}/en/calls/{call.pk}/review/")
    # Weights 40/35/25: 7.90 and 7.30, so 7.60 on average.
    expect(coordinator.get_by_role("row", name=re.compile(TITLE))).to_contain_text("7.60")
    coordinator.get_by_label(re.compile(TITLE)).check()
    coordinator.get_by_label("Reason given to the proposals not shortlisted").fill("Fewer points in the review.")
    coordinator.get_by_role("button", name="Shortlist the ticked proposals").click()

    # The forum's paper tally: first more votes than the 40 who came, refused; then the real count.
    coordinator.goto(f"{base}/en/calls/{call.pk}/selection/")
    coordinator.get_by_label("The held session whose vote is entered").select_option(str(forum_held.pk))
    tally = coordinator.locator("form", has=coordinator.get_by_role("button", name="Record the tally"))
    tally.get_by_label(TITLE).fill("41")
    tally.get_by_role("button", name="Record the tally").click()
    expect(coordinator.get_by_role("alert").first).to_contain_text("more than the 40 participants")
    tally = coordinator.locator("form", has=coordinator.get_by_role("button", name="Record the tally"))
    tally.get_by_label(TITLE).fill("31")
    tally.get_by_role("button", name="Record the tally").click()
    coordinator.get_by_label("Minutes of the selection").fill("The forum voted by paper ballot; 31 votes.")
    coordinator.get_by_role("button", name="Decide the selection").click()
    expect(coordinator.get_by_role("link", name="Award the grant")).to_be_visible()

    # The award, in two tranches that together stay within it.
    coordinator.get_by_role("link", name="Award the grant").click()
    coordinator.get_by_label("Signed on").fill("2026-12-01")
    coordinator.get_by_label("Starts on").fill("2026-12-01")
    coordinator.get_by_label("Ends on").fill("2027-05-31")
    coordinator.get_by_label("Final report due on").fill("2027-06-30")
    for row, (planned_on, amount) in enumerate((("2026-12-15", "2400"), ("2027-03-15", "1600")), start=1):
        coordinator.get_by_label(f"Planned for ({row})").fill(planned_on)
        coordinator.get_by_label(f"Amount ({row})").fill(amount)
    coordinator.get_by_role("button", name="Award the grant").click()
    expect(coordinator.get_by_role("heading", name="Tranches")).to_be_visible()
    expect(coordinator.locator("section", has_text="Tranches").first).to_contain_text("2,400.00")
    expect(coordinator.locator("section", has_text="Tranches").first).to_contain_text("1,600.00")

    # The NGO coordinator reads the decision, in Albanian too, and files a monitoring report.
    ngo.goto(f"{base}/en/proposals/{proposal.pk}/")
    expect(ngo.get_by_role("heading", name=re.compile("Status: Contracted"))).to_be_visible()
    ngo.goto(f"{base}/sq/proposals/{proposal.pk}/")
    with translation.override("sq"):
        contracted = str(Proposal.Status.CONTRACTED.label)
    assert contracted != "Contracted"
    expect(ngo.locator("#decision")).to_contain_text(contracted)

    ngo.goto(f"{base}/en/grants/mine/")
    ngo.get_by_role("link", name="File a report").click()
    ngo.get_by_label("Progress").fill("The beds are built; the first seedlings are in.")
    ngo.get_by_label("Raised beds and tools").fill("3800")
    ngo.get_by_label("Photos").set_input_files({"name": "garden.png", "mimeType": "image/png", "buffer": PNG})
    ngo.get_by_role("button", name="Send the report").click()
    expect(ngo.get_by_text("Submitted").first).to_be_visible()
    report = proposal.award.reports.get()
    assert report.photos.count() == 1
    assert [(s.budget_line.description, str(s.amount)) for s in report.spending.all()] == [
        ("Raised beds and tools", "3800.00")
    ]
