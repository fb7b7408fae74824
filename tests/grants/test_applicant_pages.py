"""The NGO coordinator's pages: applying step by step, the budget totalling as it is typed, submitting
and withdrawing, attachments, the grants the organisation holds and its monitoring reports.

Every refused input is checked twice: the page says why, and the database did not change.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from grants import services
from grants.models import MonitoringReport, Proposal, ProposalAttachment, ReportPhoto
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    MonitoringReportFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    TrancheFactory,
    days_from_now,
)
from tests.projects.factories import MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"grants:{name}", kwargs=kwargs)


def step(proposal, slug: str, language: str = "en") -> str:
    return url("proposal-edit", language, pk=proposal.pk, step=slug)


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def call(cast):
    """An open EUR call: at most 2 000 a grant, at least 10 % co-financing."""
    return CallFactory(project=cast.project)


@pytest.fixture
def draft(cast, call, applicant):
    """A draft asking 1 000 with 250 of co-financing, whose two lines add up."""
    proposal = ProposalFactory(call=call, organisation=applicant, created_by=cast.ngo_coordinator)
    ProposalBudgetLineFactory(proposal=proposal, quantity="4", unit_cost="250.00", financed_by="grant")
    ProposalBudgetLineFactory(proposal=proposal, quantity="1", unit_cost="250.00", financed_by="cofinancing")
    return proposal


def about_data(cast, applicant, **changes) -> dict:
    return {
        "organisation": applicant.pk,
        "language": "sq",
        "title": "Kopshti i komunitetit",
        "summary": "Një kopsht pas shkollës.",
        "problem": "Nuk ka hapësirë të gjelbër.",
        "activities": "Ndërtimi i shtretërve, mbjellja.",
        "beneficiaries": "Nxënësit dhe prindërit.",
        "municipality": cast.project.target_municipalities.get().pk,
        "duration_months": "12",
        **changes,
    }


def budget_data(proposal, lines, requested="1000.00", cash="150.00", in_kind="100.00", **extra) -> dict:
    """The budget step's form as the browser sends it; ``lines`` are (quantity, unit cost, financed by)."""
    data = {
        "version": proposal.version,
        "requested_amount": requested,
        "cofinancing_cash": cash,
        "cofinancing_in_kind": in_kind,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": proposal.budget_lines.count(),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for index, (quantity, unit_cost, financed_by) in enumerate(lines):
        data |= {
            f"lines-{index}-category": "services",
            f"lines-{index}-description": f"Line {index + 1}",
            f"lines-{index}-unit": "piece",
            f"lines-{index}-quantity": quantity,
            f"lines-{index}-unit_cost": unit_cost,
            f"lines-{index}-financed_by": financed_by,
        }
    return data


BALANCED = [("4", "250.00", "grant"), ("1", "250.00", "cofinancing")]


# --- The whole flow -----------------------------------------------------------------------------


def test_an_ngo_coordinator_applies_step_by_step_and_submits(
    client, cast, call, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.ngo_coordinator)
    assert url("apply", pk=call.pk) in page(client.get(url("my-proposals")))
    MunicipalityFactory(name_en="Ohrid")
    form = page(client.get(url("apply", pk=call.pk)))
    assert f'<option value="{applicant.pk}" selected>' in form  # the only organisation, chosen already
    assert "Resen" in form and "Ohrid" not in form  # the project's municipalities only
    assert '<option value="en" selected>' in form  # the page's language

    response = client.post(url("apply", pk=call.pk), about_data(cast, applicant, **{"continue": "1"}))
    proposal = Proposal.objects.get(call=call)
    assert response.status_code == 302 and response.url == step(proposal, "budget")
    assert (proposal.status, proposal.created_by, proposal.language) == (Status.DRAFT, cast.ngo_coordinator, "sq")

    response = client.post(step(proposal, "budget"), budget_data(proposal, BALANCED, **{"continue": "1"}))
    assert response.status_code == 302 and response.url == step(proposal, "attachments")
    assert [line.total for line in proposal.budget_lines.all()] == [Decimal("1000.00"), Decimal("250.00")]

    response = client.post(
        step(proposal, "attachments"),
        {"file": upload("statute.pdf", PDF, "application/pdf"), "description": "Statuti", "continue": "1"},
    )
    assert response.status_code == 302 and response.url == step(proposal, "submit")
    attachment = proposal.attachments.get()
    assert (attachment.content_type, attachment.description) == ("application/pdf", "Statuti")

    review = page(client.get(step(proposal, "submit")))
    assert services.deadline_text(call) in review and "cannot be submitted yet" not in review
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("proposal-submit", pk=proposal.pk))
    assert response.status_code == 302 and response.url == url("proposal", pk=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED and proposal.submitted_at is not None
    assert len(mailoutbox) == 1  # the project's coordinator

    detail = page(client.get(url("proposal", pk=proposal.pk)))
    assert "Submitted" in detail and "Edit the draft" not in detail
    download = client.get(url("proposal-attachment", pk=proposal.pk, attachment_pk=attachment.pk))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF


def test_each_step_saves_the_draft_so_the_applicant_can_come_back(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    data = budget_data(draft, [*BALANCED, ("2", "30.00", "cofinancing")], save="1")
    response = client.post(step(draft, "budget"), data)
    assert response.status_code == 302 and response.url == step(draft, "budget")  # "Save draft" stays
    again = page(client.get(step(draft, "budget")))
    assert 'value="30.00"' in again and "Your draft was saved." in again
    # Saved although it does not add up yet: the totals say what is missing.
    assert "add up to €310.00, not the €250.00 of co-financing" in again


def test_the_about_step_changes_the_draft_and_keeps_its_budget(client, cast, draft, applicant):
    client.force_login(cast.ngo_coordinator)
    response = client.post(step(draft, "about"), about_data(cast, applicant, title="Bahçe", version=draft.version))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Bahçe" and draft.budget_lines.count() == 2 and draft.version == 2


# --- Budget totals as you type ------------------------------------------------------------------


def test_the_totals_fragment_adds_up_what_is_typed_and_stores_nothing(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    lines = [("3", "200.00", "grant"), ("2", "200.00", "grant"), ("1", "300.00", "cofinancing")]
    data = budget_data(draft, lines, cash="300.00", in_kind="0")
    response = client.post(url("proposal-budget-totals", pk=draft.pk), data)
    fragment = page(response)
    assert response.status_code == 200 and fragment.startswith('<div id="budget-totals"')
    for figure in ("€600.00", "€400.00", "€1,000.00", "€300.00", "€1,300.00", "23.08 %"):
        assert figure in fragment
    assert "The budget meets the call" in fragment
    draft.refresh_from_db()
    assert draft.version == 1 and draft.cofinancing_cash == Decimal("150.00")
    assert sorted(line.total for line in draft.budget_lines.all()) == [Decimal("250.00"), Decimal("1000.00")]


def test_the_totals_read_and_print_macedonian_numbers(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    lines = [("2", "1.250,25", "grant"), ("1", "625,50", "cofinancing")]
    data = budget_data(draft, lines, requested="2.500,50", cash="625,50", in_kind="0")
    fragment = page(client.post(url("proposal-budget-totals", "mk", pk=draft.pk), data))
    assert "2.500,50\xa0€" in fragment and "3.126,00\xa0€" in fragment and "20,01 %" in fragment
    # 2 500,50 is more than the call's maximum of 2 000: said with Macedonian numbers.
    assert "2.000,00\xa0€" in fragment


def test_the_totals_name_lines_that_cannot_be_counted_yet(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    lines = [("4", "250.00", "grant"), ("1.5", "abc", "cofinancing")]
    fragment = page(client.post(url("proposal-budget-totals", pk=draft.pk), budget_data(draft, lines)))
    assert "not counted yet" in fragment and "Unit cost: Enter a number like 1,250.50." in fragment
    assert "€1,000.00" in fragment


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("en", "1,250.50", "1250.50"),
        ("en", "1250.5", "1250.50"),
        ("mk", "1.250,50", "1250.50"),
        ("sq", "1 250,5", "1250.50"),
    ],
)
def test_amounts_are_read_the_way_the_reader_writes_them(client, cast, draft, language, typed, read):
    client.force_login(cast.ngo_coordinator)
    data = budget_data(draft, [(1, typed, "grant")], requested=typed, cash="0", in_kind="0", save="1")
    response = client.post(step(draft, "budget", language), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.requested_amount == Decimal(read)


@pytest.mark.parametrize(("language", "typed", "example"), [("mk", "1.5", "1.250,50"), ("en", "1,5", "1,250.50")])
def test_ambiguous_amounts_are_refused_with_an_example(client, cast, draft, language, typed, example):
    client.force_login(cast.ngo_coordinator)
    with translation.override(language):
        message = translation.gettext("Enter a number like %(example)s.") % {"example": example}
    response = client.post(step(draft, "budget", language), budget_data(draft, BALANCED, requested=typed, save="1"))
    assert response.status_code == 400 and message in page(response)
    assert f'value="{typed}"' in page(response)  # kept, to be corrected
    draft.refresh_from_db()
    assert draft.requested_amount == Decimal("1000.00")


def test_the_budget_form_sends_itself_for_totals_as_the_applicant_types(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    form = page(client.get(step(draft, "budget")))
    assert f'hx-post="{url("proposal-budget-totals", pk=draft.pk)}"' in form
    assert 'hx-trigger="input delay:500ms, change"' in form and 'hx-target="#budget-totals"' in form
    assert '<div id="budget-totals"' in form and "€1,250.00" in form  # the stored budget's totals at first
    assert f'hx-post="{step(draft, "budget")}"' in form and 'hx-select="#budget-form"' in form  # "Add a line"


def test_add_a_line_and_recalculate_work_without_javascript_and_store_nothing(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    data = budget_data(draft, [*BALANCED, ("1", "99.00", "grant")], add_line="1")
    response = client.post(step(draft, "budget"), data)
    form = page(response)
    assert response.status_code == 200
    assert 'name="lines-TOTAL_FORMS" value="4"' in form and 'name="lines-3-category"' in form
    assert 'value="99.00"' in form and "€1,099.00" in form  # the typed row kept, and counted
    recalculated = page(
        client.post(step(draft, "budget"), budget_data(draft, BALANCED, requested="900", recalculate="1"))
    )
    assert "add up to €1,000.00, not the €900.00 requested" in recalculated
    draft.refresh_from_db()
    assert draft.requested_amount == Decimal("1000.00") and draft.budget_lines.count() == 2


def test_a_budget_form_without_its_table_is_refused_not_crashed_on(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    fragment = page(client.post(url("proposal-budget-totals", pk=draft.pk), {"requested_amount": "1000"}))
    assert "ManagementForm data is missing or has been tampered with" in fragment
    response = client.post(step(draft, "budget"), {"requested_amount": "1000", "save": "1"})
    assert response.status_code == 400 and draft.budget_lines.count() == 2


def test_a_removed_line_is_neither_counted_nor_kept(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    data = budget_data(draft, [*BALANCED, ("1", "99.00", "grant")], save="1", **{"lines-2-DELETE": "on"})
    assert client.post(step(draft, "budget"), data).status_code == 302
    assert draft.budget_lines.count() == 2


# --- Bad input -----------------------------------------------------------------------------------


def test_submitting_after_the_deadline_is_refused_with_the_deadline(client, cast, call, draft):
    call.closes_at = days_from_now(-1)
    call.opens_at = days_from_now(-10)
    call.save()
    client.force_login(cast.ngo_coordinator)
    response = client.post(url("proposal-submit", pk=draft.pk))
    assert response.status_code == 400
    assert f"The call closed on {services.deadline_text(call)}; proposals can no longer be submitted." in page(response)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.submitted_at is None


def test_a_budget_that_does_not_add_up_is_not_submitted_and_every_problem_is_shown(client, cast, draft):
    draft.budget_lines.filter(financed_by="cofinancing").delete()
    Proposal.objects.filter(pk=draft.pk).update(requested_amount=Decimal("2500.00"))
    client.force_login(cast.ngo_coordinator)
    response = client.post(url("proposal-submit", pk=draft.pk))
    text = page(response)
    assert response.status_code == 400
    assert "The lines financed by the grant add up to €1,000.00, not the €2,500.00 requested." in text
    assert "The co-financed lines add up to €0.00, not the €250.00 of co-financing." in text
    assert "The requested €2,500.00 is more than the call&#x27;s maximum of €2,000.00." in text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_request_above_the_maximum_is_kept_in_the_draft_and_flagged(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    lines = [("10", "250.00", "grant"), ("1", "250.00", "cofinancing")]
    data = budget_data(draft, lines, requested="2500.00", save="1")
    assert client.post(step(draft, "budget"), data).status_code == 302
    again = page(client.get(step(draft, "budget")))
    assert "The requested €2,500.00 is more than the call&#x27;s maximum of €2,000.00." in again
    draft.refresh_from_db()
    assert draft.requested_amount == Decimal("2500.00")


def test_a_double_clicked_submit_submits_once(client, cast, draft, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(cast.ngo_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("proposal-submit", pk=draft.pk))
    draft.refresh_from_db()
    submitted_at = draft.submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url("proposal-submit", pk=draft.pk))
    assert first.status_code == second.status_code == 302
    draft.refresh_from_db()
    assert draft.submitted_at == submitted_at and len(mailoutbox) == 1


def test_a_double_clicked_first_step_starts_one_draft(client, cast, call, applicant):
    client.force_login(cast.ngo_coordinator)
    first = client.post(url("apply", pk=call.pk), about_data(cast, applicant))
    second = client.post(url("apply", pk=call.pk), about_data(cast, applicant))
    assert first.url == second.url and Proposal.objects.filter(call=call).count() == 1
    client.post(url("apply", pk=call.pk), about_data(cast, applicant, title="Another idea"))
    assert Proposal.objects.filter(call=call).count() == 2


def test_applying_with_a_missing_title_keeps_the_rest(client, cast, call, applicant):
    client.force_login(cast.ngo_coordinator)
    response = client.post(url("apply", pk=call.pk), about_data(cast, applicant, title=""))
    assert response.status_code == 400
    assert "This field is required." in page(response) and "Nuk ka hapësirë të gjelbër." in page(response)
    assert not Proposal.objects.filter(call=call).exists()


def test_applying_to_a_closed_call_is_refused_and_keeps_the_text(client, cast, call, applicant):
    client.force_login(cast.ngo_coordinator)
    form = page(client.get(url("apply", pk=call.pk)))
    assert "This call is not accepting proposals." not in form
    call.closes_at, call.opens_at = days_from_now(-1), days_from_now(-10)
    call.save()
    response = client.post(url("apply", pk=call.pk), about_data(cast, applicant))
    assert response.status_code == 400
    assert "This call is not accepting proposals." in page(response) and "Kopshti i komunitetit" in page(response)
    assert not Proposal.objects.filter(call=call).exists()


def test_a_stale_version_is_refused_and_the_input_kept(client, cast, draft, applicant):
    client.force_login(cast.ngo_coordinator)
    opened_at = draft.version
    client.post(step(draft, "about"), about_data(cast, applicant, title="First", version=opened_at))
    response = client.post(step(draft, "about"), about_data(cast, applicant, title="Second", version=opened_at))
    assert response.status_code == 400
    assert "Someone else changed this while you were editing it." in page(response) and "Second" in page(response)
    budget = client.post(
        step(draft, "budget"), budget_data(draft, BALANCED, requested="900.00", save="1") | {"version": opened_at}
    )
    assert budget.status_code == 400 and "Someone else changed this" in page(budget)
    draft.refresh_from_db()
    assert draft.title == "First" and draft.requested_amount == Decimal("1000.00")


def test_a_submitted_proposal_is_no_longer_editable(client, cast, draft, applicant):
    Proposal.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())
    client.force_login(cast.ngo_coordinator)
    response = client.post(step(draft, "about"), about_data(cast, applicant, title="Too late", version=1), follow=True)
    assert response.redirect_chain[-1][0] == url("proposal", pk=draft.pk)
    assert "This proposal is no longer a draft, so it cannot be changed." in page(response)
    draft.refresh_from_db()
    assert draft.title != "Too late"


def test_an_unknown_step_is_not_found(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    assert client.get(step(draft, "payment")).status_code == 404


# --- Withdrawal -----------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    assert client.get(url("proposal-withdraw", pk=draft.pk)).status_code == 405
    refused = client.post(url("proposal-withdraw", pk=draft.pk), follow=True)
    assert "Tick the box to confirm that you want to withdraw the proposal." in page(refused)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    withdrawn = client.post(url("proposal-withdraw", pk=draft.pk), {"confirm": "on"}, follow=True)
    assert "The proposal was withdrawn." in page(withdrawn)
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


@pytest.mark.parametrize("status", list(Status))
def test_the_withdraw_form_shows_only_while_the_service_allows_it(client, cast, draft, status):
    Proposal.objects.filter(pk=draft.pk).update(status=status, submitted_at=timezone.now())
    client.force_login(cast.ngo_coordinator)
    detail = page(client.get(url("proposal", pk=draft.pk)))
    assert (url("proposal-withdraw", pk=draft.pk) in detail) == (status in services.WITHDRAWABLE)


def test_the_applicant_sees_the_decision_and_its_reason(client, cast, draft):
    Proposal.objects.filter(pk=draft.pk).update(
        status=Status.NOT_SELECTED, submitted_at=timezone.now(), decision_reason="Ranked below the envelope."
    )
    client.force_login(cast.ngo_coordinator)
    detail = page(client.get(url("proposal", pk=draft.pk)))
    assert "Not selected" in detail and "Ranked below the envelope." in detail


# --- Attachments ----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_stored(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    fake = upload("budget.pdf", b"just text, not a PDF", "application/pdf")
    response = client.post(step(draft, "attachments"), {"file": fake, "description": "Buxheti", "save": "1"})
    assert response.status_code == 400
    assert "Only PDF, JPEG or PNG files can be uploaded." in page(response) and 'value="Buxheti"' in page(response)
    assert not ProposalAttachment.objects.exists()


def test_a_description_without_a_file_asks_for_the_file(client, cast, draft):
    client.force_login(cast.ngo_coordinator)
    response = client.post(step(draft, "attachments"), {"description": "Letër mbështetjeje", "save": "1"})
    assert response.status_code == 400 and "Choose a file to upload." in page(response)
    assert 'value="Letër mbështetjeje"' in page(response)


def test_removing_an_attachment_deletes_its_file_and_a_second_click_changes_nothing(
    client, cast, draft, django_capture_on_commit_callbacks
):
    attachment = services.proposal_attachment_add(
        actor=cast.ngo_coordinator, proposal=draft, upload=upload("quote.png", PNG, "image/png")
    )
    name = attachment.file.name
    client.force_login(cast.ngo_coordinator)
    remove = url("proposal-attachment-remove", pk=draft.pk, attachment_pk=attachment.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(remove)
        second = client.post(remove)
    assert first.url == second.url == step(draft, "attachments")
    assert not ProposalAttachment.objects.exists() and not default_storage.exists(name)


def test_attachment_services_are_for_the_applicant_of_a_draft_only(cast, draft, applicant):
    other = ProposalFactory(call=draft.call, organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.proposal_attachment_add(
            actor=cast.ngo_coordinator, proposal=other, upload=upload("a.pdf", PDF, "application/pdf")
        )
    attachment = services.proposal_attachment_add(
        actor=cast.ngo_coordinator, proposal=draft, upload=upload("a.pdf", PDF, "application/pdf"), description=" A "
    )
    assert (attachment.description, attachment.size, attachment.uploaded_by) == ("A", len(PDF), cast.ngo_coordinator)
    Proposal.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())
    with pytest.raises(ValidationError, match="A submitted proposal can no longer be changed"):
        services.proposal_attachment_add(
            actor=cast.ngo_coordinator, proposal=draft, upload=upload("b.pdf", PDF, "application/pdf")
        )
    with pytest.raises(ValidationError, match="A submitted proposal can no longer be changed"):
        services.proposal_attachment_remove(actor=cast.ngo_coordinator, attachment=attachment)
    with pytest.raises(PermissionDenied):
        services.proposal_attachment_remove(actor=cast.coordinator, attachment=attachment)
    assert list(draft.attachments.all()) == [attachment]


def test_attachments_follow_the_call_s_deadline(cast, call, draft):
    call.closes_at, call.opens_at = days_from_now(-1), days_from_now(-10)
    call.save()
    with pytest.raises(ValidationError, match="This call is not accepting proposals"):
        services.proposal_attachment_add(
            actor=cast.ngo_coordinator, proposal=draft, upload=upload("a.pdf", PDF, "application/pdf")
        )
    assert not draft.attachments.exists()


def test_attachments_download_for_readers_of_the_proposal_only(client, cast, draft):
    attachment = services.proposal_attachment_add(
        actor=cast.ngo_coordinator, proposal=draft, upload=upload("quote.png", PNG, "image/png")
    )
    download = url("proposal-attachment", pk=draft.pk, attachment_pk=attachment.pk)
    client.force_login(cast.donor)
    assert client.get(download).status_code == 404  # a draft: the donor may not read it yet
    Proposal.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    other = ProposalFactory(call=draft.call, organisation=draft.organisation)
    assert client.get(url("proposal-attachment", pk=other.pk, attachment_pk=attachment.pk)).status_code == 404


# --- Grants and monitoring reports ----------------------------------------------------------------


@pytest.fixture
def award(cast, call, applicant):
    """A grant of 1 000 to the cast's NGO: 800 planned in two tranches, 500 paid, a report sent back."""
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.IN_IMPLEMENTATION)
    ProposalBudgetLineFactory(proposal=proposal, quantity="4", unit_cost="250.00", financed_by="grant")
    ProposalBudgetLineFactory(proposal=proposal, quantity="1", unit_cost="250.00", financed_by="cofinancing")
    award = AwardFactory(proposal=proposal)
    TrancheFactory(award=award, paid=True)
    TrancheFactory(award=award, amount=Decimal("300.00"))
    MonitoringReportFactory(
        award=award, status=MonitoringReport.Status.RETURNED, coordinator_comment="Add the receipts."
    )
    return award


def test_my_grants_shows_money_tranches_reports_and_what_is_due(client, cast, award):
    client.force_login(cast.ngo_coordinator)
    text = page(client.get(url("my-grants")))
    assert "€1,000.00" in text and "€800.00" in text and "€500.00" in text  # awarded, planned, paid
    assert "not paid yet" in text and "Returned for changes" in text and "Add the receipts." in text
    assert "June 30, 2025" in text and url("award-report", pk=award.pk) in text


def test_the_grantee_files_a_report_with_spending_and_photos(client, cast, award):
    lines = list(award.proposal.budget_lines.all())
    client.force_login(cast.ngo_coordinator)
    form = page(client.get(url("award-report", pk=award.pk)))
    assert "€1,000.00" in form and "€250.00" in form  # each line's planned total
    data = {
        "progress": "Shtretërit janë ndërtuar.",
        f"spent_{lines[0].pk}": "400.00",
        "is_final": "on",
        "photos": [upload("one.png", PNG, "image/png"), upload("two.png", PNG, "image/png")],
    }
    response = client.post(url("award-report", pk=award.pk), data)
    assert response.status_code == 302 and response.url == url("my-grants")
    report = award.reports.get(status=MonitoringReport.Status.SUBMITTED)
    assert report.is_final and report.submitted_by == cast.ngo_coordinator
    assert {s.budget_line: s.amount for s in report.spending.all()} == {lines[0]: Decimal("400.00")}  # not 0
    assert report.photos.count() == 2


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_stored(client, cast, award):
    client.force_login(cast.ngo_coordinator)
    data = {
        "progress": "Shtretërit janë ndërtuar.",
        "photos": [upload("one.png", PNG, "image/png"), upload("x.png", PDF, "image/png")],
    }
    response = client.post(url("award-report", pk=award.pk), data)
    assert response.status_code == 400
    assert "Only JPEG or PNG images can be uploaded." in page(response) and "Shtretërit janë ndërtuar." in page(
        response
    )
    assert award.reports.count() == 1 and not ReportPhoto.objects.exists()


def test_a_report_without_progress_or_with_negative_spending_is_refused(client, cast, award):
    line = award.proposal.budget_lines.first()
    client.force_login(cast.ngo_coordinator)
    response = client.post(url("award-report", pk=award.pk), {"progress": " ", f"spent_{line.pk}": "-5"})
    assert response.status_code == 400 and "This field is required." in page(response)
    assert "Ensure this value is greater than or equal to 0." in page(response)
    assert award.reports.count() == 1


def test_a_double_clicked_report_is_filed_once(client, cast, award):
    line = award.proposal.budget_lines.first()
    client.force_login(cast.ngo_coordinator)
    data = {"progress": "Shtretërit janë ndërtuar.", f"spent_{line.pk}": "100"}
    client.post(url("award-report", pk=award.pk), data)
    client.post(url("award-report", pk=award.pk), data)
    assert award.reports.filter(status=MonitoringReport.Status.SUBMITTED).count() == 1
    client.post(url("award-report", pk=award.pk), {**data, f"spent_{line.pk}": "150"})
    assert award.reports.filter(status=MonitoringReport.Status.SUBMITTED).count() == 2


# --- Who may do what ------------------------------------------------------------------------------

LOGIN = "login"
EVERYONE = (
    "anonymous",
    "outsider",
    "coordinator",
    "municipal_staff",
    "ngo_coordinator",
    "donor",
    "other_coordinator",
    "staff",
)


def expected(ngo: int, readers: int, staff: int) -> dict[str, object]:
    """Anonymous people are sent to sign in; outsiders and the other project's coordinator get 404;
    the project's coordinator, staff member and donor get ``readers``, platform staff ``staff``."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "other_coordinator": 404,
        "coordinator": readers,
        "municipal_staff": readers,
        "donor": readers,
        "staff": staff,
        "ngo_coordinator": ngo,
    }


@pytest.fixture
def targets(cast, draft, award):
    """Each page with what a GET and a POST send, and the codes expected for each person."""
    attachment = ProposalAttachment.objects.create(
        proposal=draft, file=SimpleUploadedFile("q.pdf", PDF), content_type="application/pdf", size=len(PDF)
    )
    line = draft.budget_lines.first()
    return {
        # Readers may see the open call but not apply: 403. Platform staff neither.
        "apply": (url("apply", pk=draft.call.pk), {}, expected(ngo=200, readers=403, staff=403)),
        # A draft is hidden from the project's readers (404); staff may read it but not change it (403).
        "about": (step(draft, "about"), {"title": "x"}, expected(ngo=200, readers=404, staff=403)),
        "totals": (url("proposal-budget-totals", pk=draft.pk), None, expected(ngo=200, readers=404, staff=403)),
        "submit": (url("proposal-submit", pk=draft.pk), None, expected(ngo=None, readers=404, staff=403)),
        "withdraw": (url("proposal-withdraw", pk=draft.pk), None, expected(ngo=None, readers=404, staff=403)),
        "download": (
            url("proposal-attachment", pk=draft.pk, attachment_pk=attachment.pk),
            {},
            expected(ngo=200, readers=404, staff=200),
        ),
        "remove": (
            url("proposal-attachment-remove", pk=draft.pk, attachment_pk=attachment.pk),
            None,
            expected(ngo=None, readers=404, staff=403),
        ),
        # The coordinator and staff may read the award, not report on it; donors and others may not read it.
        "report": (
            url("award-report", pk=award.pk),
            {"progress": "x", f"spent_{line.pk}": "1"},
            expected(ngo=200, readers=404, staff=403) | {"coordinator": 403},
        ),
    }


def status_of(response):
    if response.status_code == 302 and "/accounts/login/" in response.url:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("target", ["apply", "about", "download", "report"])
def test_who_may_open_each_page(client, cast, targets, who, target):
    address, _post, codes = targets[target]
    user = getattr(cast, who)
    if who != "anonymous":
        client.force_login(user)
    assert status_of(client.get(address)) == codes[who]


@pytest.mark.parametrize("who", [name for name in EVERYONE if name != "ngo_coordinator"])
@pytest.mark.parametrize("target", ["apply", "about", "totals", "submit", "withdraw", "remove", "report"])
def test_who_may_post_to_each_page_and_refused_posts_change_nothing(client, cast, targets, draft, award, who, target):
    address, _get, codes = targets[target]
    if who != "anonymous":
        client.force_login(getattr(cast, who))
    before = (Proposal.objects.count(), draft.status, draft.version, ProposalAttachment.objects.count())
    reports = MonitoringReport.objects.count()
    response = client.post(address, {"title": "Changed", "confirm": "on", "progress": "x"})
    assert status_of(response) == codes[who]
    draft.refresh_from_db()
    after = (Proposal.objects.count(), draft.status, draft.version, ProposalAttachment.objects.count())
    assert after == before and MonitoringReport.objects.count() == reports


def test_my_grants_lists_only_the_organisation_s_own_awards(client, cast, award):
    elsewhere = AwardFactory()
    for who in ("coordinator", "donor", "outsider"):
        client.force_login(getattr(cast, who))
        text = page(client.get(url("my-grants")))
        assert award.proposal.title not in text and elsewhere.proposal.title not in text
    client.get("/")  # keep the session usable
    client.logout()
    assert status_of(client.get(url("my-grants"))) == LOGIN


def test_another_organisation_s_proposal_is_not_found_on_every_applicant_page(client, cast, call):
    other = ProposalFactory(call=call, organisation=OrganisationFactory())
    attachment = ProposalAttachment.objects.create(
        proposal=other, file=SimpleUploadedFile("q.pdf", PDF), content_type="application/pdf", size=len(PDF)
    )
    client.force_login(cast.ngo_coordinator)
    for slug in ("about", "budget", "attachments", "submit"):
        assert client.get(step(other, slug)).status_code == 404
    for address in (
        url("proposal-budget-totals", pk=other.pk),
        url("proposal-submit", pk=other.pk),
        url("proposal-withdraw", pk=other.pk),
        url("proposal-attachment-remove", pk=other.pk, attachment_pk=attachment.pk),
    ):
        assert client.post(address, {"confirm": "on"}).status_code == 404
    assert client.get(url("proposal-attachment", pk=other.pk, attachment_pk=attachment.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.DRAFT and other.attachments.count() == 1


# --- Queries do not grow with rows ----------------------------------------------------------------


def with_lines(proposal, count: int) -> None:
    proposal.budget_lines.all().delete()
    for _ in range(count):
        ProposalBudgetLineFactory(proposal=proposal, quantity="1", unit_cost="10.00")


@pytest.mark.parametrize("count", [2, 6])
def test_budget_step_queries_do_not_grow_with_lines(client, cast, draft, django_assert_num_queries, count):
    with_lines(draft, count)
    client.force_login(cast.ngo_coordinator)
    client.get(step(draft, "budget"))
    with django_assert_num_queries(QUERIES["budget"]):
        assert client.get(step(draft, "budget")).status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_totals_queries_do_not_grow_with_lines(client, cast, draft, django_assert_num_queries, count):
    client.force_login(cast.ngo_coordinator)
    data = budget_data(draft, [("1", "10.00", "grant")] * count)
    client.post(url("proposal-budget-totals", pk=draft.pk), data)
    with django_assert_num_queries(QUERIES["totals"]):
        assert client.post(url("proposal-budget-totals", pk=draft.pk), data).status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_submit_step_queries_do_not_grow_with_lines(client, cast, draft, django_assert_num_queries, count):
    with_lines(draft, count)
    client.force_login(cast.ngo_coordinator)
    client.get(step(draft, "submit"))
    with django_assert_num_queries(QUERIES["submit"]):
        assert client.get(step(draft, "submit")).status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_my_grants_queries_do_not_grow_with_awards(client, cast, call, applicant, django_assert_num_queries, count):
    for _ in range(count):
        award = AwardFactory(proposal=ProposalFactory(call=call, organisation=applicant, status=Status.CONTRACTED))
        TrancheFactory(award=award)
        MonitoringReportFactory(award=award)
    client.force_login(cast.ngo_coordinator)
    client.get(url("my-grants"))
    with django_assert_num_queries(QUERIES["my-grants"]):
        response = client.get(url("my-grants"))
    assert page(response).count("File a report") == count


@pytest.mark.parametrize("count", [2, 6])
def test_report_form_queries_do_not_grow_with_lines(client, cast, award, django_assert_num_queries, count):
    with_lines(award.proposal, count)
    client.force_login(cast.ngo_coordinator)
    client.get(url("award-report", pk=award.pk))
    with django_assert_num_queries(QUERIES["report"]):
        assert client.get(url("award-report", pk=award.pk)).status_code == 200


# Each page's queries, whatever the number of rows: the session and the user, then
QUERIES = {
    # the proposal with its lines and attachments, the organisations and the roles the user has (project menu)
    "budget": 7,
    "submit": 7,
    # the proposal with its lines and attachments, the organisations; the amounts' check (in a savepoint)
    "totals": 9,
    # the awards with their tranches and reports
    "my-grants": 5,
    # the award with tranches, lines, reports, their spending and photos; organisations, roles
    "report": 10,
}
