"""Grant pages: a project's calls with figures, an NGO's proposals, and a proposal with its decision."""

import pytest
from django.urls import reverse
from django.utils import translation

from grants.models import Call, Proposal
from tests.grants.factories import CallFactory, ProposalBudgetLineFactory, ProposalFactory
from tests.projects.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"grants:{name}", kwargs=kwargs)


@pytest.fixture
def call(cast):
    return CallFactory(project=cast.project)


def test_the_applicant_sees_the_decision_and_its_reason(client, cast, call, applicant):
    proposal = ProposalFactory(
        call=call, organisation=applicant, status=Status.INELIGIBLE, decision_reason="Registered in Ohrid, not Resen."
    )
    client.force_login(cast.ngo_coordinator)
    page = client.get(url("proposal", pk=proposal.pk)).content.decode()
    assert "Not eligible" in page and "Registered in Ohrid, not Resen." in page


def test_another_organisation_and_outsiders_get_a_404(client, cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=OrganisationFactory(), status=Status.SUBMITTED)
    client.force_login(cast.ngo_coordinator)
    assert client.get(url("proposal", pk=proposal.pk)).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(url("proposal", pk=proposal.pk)).status_code == 404


def test_a_draft_is_hidden_from_the_donor_until_submitted(client, cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant)
    client.force_login(cast.donor)
    assert client.get(url("proposal", pk=proposal.pk)).status_code == 404
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED, submitted_at=call.opens_at)
    assert client.get(url("proposal", pk=proposal.pk)).status_code == 200


def test_a_draft_shows_what_its_budget_still_lacks(client, cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant)
    ProposalBudgetLineFactory(proposal=proposal, financed_by="grant", quantity="1", unit_cost="900.00")
    client.force_login(cast.ngo_coordinator)
    page = client.get(url("proposal", pk=proposal.pk)).content.decode()
    assert "does not meet the call" in page and "add up to €900.00, not the €1,000.00 requested" in page


def test_the_calls_page_shows_the_funnel_and_hides_draft_calls_from_readers(client, cast, call, applicant):
    ProposalFactory(call=call, organisation=applicant, status=Status.SUBMITTED)
    draft = CallFactory(project=cast.project, phase=Call.Phase.DRAFT, title_en="Not yet announced")
    client.force_login(cast.donor)
    page = client.get(url("project-calls", code=cast.project.code)).content.decode()
    assert call.title_en in page and draft.title_en not in page
    client.force_login(cast.coordinator)
    assert draft.title_en in client.get(url("project-calls", code=cast.project.code)).content.decode()


@pytest.mark.parametrize("count", [2, 6])
def test_my_proposals_queries_do_not_grow_with_proposals(
    client, cast, call, applicant, django_assert_num_queries, count
):
    for _ in range(count):
        ProposalFactory(call=call, organisation=applicant, status=Status.SUBMITTED)
    client.force_login(cast.ngo_coordinator)
    client.get(url("my-proposals"))
    # session, user, open calls, proposals with their calls, projects and organisations
    with django_assert_num_queries(4):
        response = client.get(url("my-proposals"))
    assert response.content.decode().count(url("proposal", pk=0).replace("0/", "")) >= count
