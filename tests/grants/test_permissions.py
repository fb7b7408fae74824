"""Who may do what with calls and proposals: the role × action matrix, refused writes that change
nothing, and ``Proposal.objects.visible_to`` kept consistent with ``grants.view_proposal``."""

import contextlib
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from grants import services
from grants.models import Call, EligibilityCheck, Proposal, ProposalBudgetLine
from projects.models import Membership
from projects.services import membership_grant
from tests.grants.factories import (
    CallFactory,
    EligibilityCriterionFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ScoringCriterionFactory,
)
from tests.projects.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
NGO = Membership.Role.NGO_COORDINATOR


@pytest.fixture
def grants(cast):
    """An open and a draft call of the cast's project; a draft and a submitted proposal of the cast's
    NGO and of a second NGO of the same project; a submitted proposal in the other project."""
    ngo = Membership.objects.get(user=cast.ngo_coordinator, role=NGO).organisation
    other_ngo = MembershipFactory(project=cast.project, role=NGO, organisation=OrganisationFactory())
    open_call = CallFactory(project=cast.project)
    elsewhere = CallFactory(project=cast.other_project)
    return {
        "open_call": open_call,
        "draft_call": CallFactory(project=cast.project, draft=True),
        "ngo": ngo,
        "other_ngo": other_ngo.user,
        "ngo_draft": ProposalFactory(call=open_call, organisation=ngo),
        "ngo_submitted": ProposalFactory(call=open_call, organisation=ngo, status=Status.SUBMITTED),
        "other_draft": ProposalFactory(call=open_call, organisation=other_ngo.organisation),
        "other_submitted": ProposalFactory(
            call=open_call, organisation=other_ngo.organisation, status=Status.SUBMITTED
        ),
        "elsewhere_submitted": ProposalFactory(call=elsewhere, status=Status.SUBMITTED),
    }


def everyone(cast, grants) -> dict[str, object]:
    return {**cast.users(), "other_ngo": grants["other_ngo"]}


# (permission, what it is checked on)
ACTIONS = {
    "view_open_call": ("grants.view_call", "open_call"),
    "view_draft_call": ("grants.view_call", "draft_call"),
    "manage_call": ("grants.manage_call", "open_call"),
    "apply_to_call": ("grants.apply_to_call", "open_call"),
    "view_ngo_draft": ("grants.view_proposal", "ngo_draft"),
    "view_ngo_submitted": ("grants.view_proposal", "ngo_submitted"),
    "edit_ngo_draft": ("grants.edit_proposal", "ngo_draft"),
    "screen_ngo_submitted": ("grants.screen_proposal", "ngo_submitted"),
}

# What each person may do with the calls and the cast NGO's proposals in a private project.
EXPECTED = {
    "anonymous": set(),
    "outsider": set(),
    "other_coordinator": set(),
    "donor": {"view_open_call", "view_ngo_submitted"},
    "municipal_staff": {"view_open_call", "view_ngo_submitted"},
    "ngo_coordinator": {"view_open_call", "apply_to_call", "view_ngo_draft", "view_ngo_submitted", "edit_ngo_draft"},
    "other_ngo": {"view_open_call", "apply_to_call"},
    "coordinator": {"view_open_call", "view_draft_call", "manage_call", "view_ngo_submitted", "screen_ngo_submitted"},
    "staff": {
        "view_open_call",
        "view_draft_call",
        "manage_call",
        "view_ngo_draft",
        "view_ngo_submitted",
        "screen_ngo_submitted",
    },
}


@pytest.mark.parametrize("who", EXPECTED)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_matrix(cast, grants, who, action):
    permission, target = ACTIONS[action]
    user = everyone(cast, grants)[who]
    assert user.has_perm(permission, grants[target]) is (action in EXPECTED[who])


def test_a_draft_call_is_seen_only_by_coordinators_and_staff(cast, grants):
    allowed = {
        who for who, user in everyone(cast, grants).items() if user.has_perm("grants.view_call", grants["draft_call"])
    }
    assert allowed == {"coordinator", "staff"}


def test_the_calls_of_a_public_project_are_seen_by_anyone_but_its_drafts_are_not(cast, grants):
    cast.project.is_public = True
    cast.project.save()
    users = everyone(cast, grants)
    assert users["anonymous"].has_perm("grants.view_call", grants["open_call"])
    assert users["outsider"].has_perm("grants.view_call", grants["open_call"])
    assert not users["outsider"].has_perm("grants.view_call", grants["draft_call"])


# --- Lists agree with the predicate --------------------------------------------------------------

PROPOSALS = ["ngo_draft", "ngo_submitted", "other_draft", "other_submitted", "elsewhere_submitted"]

VISIBLE = {
    "anonymous": set(),
    "outsider": set(),
    "ngo_coordinator": {"ngo_draft", "ngo_submitted"},
    "other_ngo": {"other_draft", "other_submitted"},
    "coordinator": {"ngo_submitted", "other_submitted"},
    "donor": {"ngo_submitted", "other_submitted"},
    "municipal_staff": {"ngo_submitted", "other_submitted"},
    "other_coordinator": {"elsewhere_submitted"},
    "staff": set(PROPOSALS),
}


@pytest.mark.parametrize("who", VISIBLE)
def test_visible_to_lists_exactly_the_proposals_the_view_predicate_allows(cast, grants, who):
    user = everyone(cast, grants)[who]
    visible = set(Proposal.objects.visible_to(user))
    allowed = {name for name in PROPOSALS if user.has_perm("grants.view_proposal", grants[name])}
    listed = {name for name in PROPOSALS if grants[name] in visible}
    assert listed == allowed == VISIBLE[who]


def test_an_ngo_coordinator_of_two_projects_sees_only_the_organisation_they_act_for_in_each(cast, grants):
    # The cast's NGO coordinator also acts for another organisation in the other project.
    MembershipFactory(
        user=cast.ngo_coordinator, project=cast.other_project, role=NGO, organisation=OrganisationFactory()
    )
    ngo_draft_elsewhere = ProposalFactory(call=CallFactory(project=cast.other_project), organisation=grants["ngo"])
    user = type(cast.ngo_coordinator).objects.get(pk=cast.ngo_coordinator.pk)  # without cached roles

    assert not user.has_perm("grants.view_proposal", ngo_draft_elsewhere)
    assert ngo_draft_elsewhere not in Proposal.objects.visible_to(user)


def test_an_ngo_coordinator_moved_to_another_organisation_no_longer_edits_the_first_ones_drafts(cast, grants):
    user = cast.ngo_coordinator
    assert user.has_perm("grants.edit_proposal", grants["ngo_draft"])

    membership_grant(project=cast.project, user=user, role=NGO, organisation=OrganisationFactory())

    assert not user.has_perm("grants.edit_proposal", grants["ngo_draft"])


# --- Refused writes change nothing ---------------------------------------------------------------


def stored(proposal: Proposal) -> tuple:
    row = Proposal.objects.get(pk=proposal.pk)
    lines = list(ProposalBudgetLine.objects.filter(proposal=proposal).values_list("description", "unit_cost"))
    return (row.status, row.submitted_at, row.title, row.requested_amount, row.organisation_id, row.version, lines)


@pytest.fixture
def balanced_ngo_draft(grants):
    """The cast NGO's draft with a budget that adds up, so only the actor can make a submit fail."""
    draft = grants["ngo_draft"]
    ProposalBudgetLineFactory(proposal=draft, unit_cost=Decimal("1000.00"))
    ProposalBudgetLineFactory(
        proposal=draft, unit_cost=Decimal("250.00"), financed_by=ProposalBudgetLine.FinancedBy.COFINANCING
    )
    return draft


def _save(user, proposal):
    editing = Proposal.objects.get(pk=proposal.pk)
    editing.title = "Taken over"
    replacement = ProposalBudgetLine(
        category="other", description="Replaced", unit="lump sum", quantity=1, unit_cost=1, financed_by="grant"
    )
    return services.proposal_save_draft(actor=user, proposal=editing, budget_lines=[replacement])


PROPOSAL_WRITES = {
    "save": _save,
    "submit": lambda user, proposal: services.proposal_submit(actor=user, proposal=proposal),
    "withdraw": lambda user, proposal: services.proposal_withdraw(actor=user, proposal=proposal),
}


@pytest.mark.parametrize("write", PROPOSAL_WRITES)
@pytest.mark.parametrize(
    "who", ["other_ngo", "donor", "municipal_staff", "coordinator", "other_coordinator", "outsider", "staff"]
)
def test_nobody_but_the_applicant_saves_submits_or_withdraws_its_proposal(
    cast, grants, balanced_ngo_draft, mailoutbox, django_capture_on_commit_callbacks, who, write
):
    user = everyone(cast, grants)[who]
    before = stored(balanced_ngo_draft)
    entries = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        PROPOSAL_WRITES[write](user, balanced_ngo_draft)

    assert stored(balanced_ngo_draft) == before
    assert LogEntry.objects.count() == entries
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("write", "status", "title"),
    [("save", Status.DRAFT, "Taken over"), ("submit", Status.SUBMITTED, None), ("withdraw", Status.WITHDRAWN, None)],
)
def test_the_applicant_itself_may_do_each_of_those_writes(cast, grants, balanced_ngo_draft, write, status, title):
    PROPOSAL_WRITES[write](cast.ngo_coordinator, balanced_ngo_draft)
    row = Proposal.objects.get(pk=balanced_ngo_draft.pk)
    assert (row.status, row.title) == (status, title or balanced_ngo_draft.title)


@pytest.mark.parametrize("who", ["other_ngo", "donor", "municipal_staff", "coordinator", "outsider", "staff"])
def test_only_an_ngo_coordinator_may_start_a_proposal(cast, grants, who):
    user = everyone(cast, grants)[who]
    proposal = ProposalFactory.build(call=grants["open_call"], organisation=grants["ngo"])
    count = Proposal.objects.count()

    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(actor=user, proposal=proposal)

    assert Proposal.objects.count() == count


def test_an_ngo_coordinator_cannot_start_a_proposal_in_another_organisations_name(cast, grants):
    mine = ProposalFactory.build(call=grants["open_call"], organisation=grants["ngo"])
    count = Proposal.objects.count()

    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(actor=grants["other_ngo"], proposal=mine)

    assert Proposal.objects.count() == count


def test_an_ngo_coordinator_cannot_hand_its_draft_to_another_organisation(cast, grants):
    before = stored(grants["ngo_draft"])
    editing = Proposal.objects.get(pk=grants["ngo_draft"].pk)
    editing.organisation = Proposal.objects.get(pk=grants["other_draft"].pk).organisation

    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=editing, expected_version=1)

    assert stored(grants["ngo_draft"]) == before


def test_an_ngo_coordinator_cannot_start_a_proposal_in_another_projects_call(cast, grants):
    elsewhere = Proposal.objects.get(pk=grants["elsewhere_submitted"].pk).call
    proposal = ProposalFactory.build(call=elsewhere, organisation=grants["ngo"])

    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=proposal)

    assert not Proposal.objects.filter(call=elsewhere, organisation=grants["ngo"]).exists()


@pytest.mark.parametrize(
    "who", ["ngo_coordinator", "other_ngo", "donor", "municipal_staff", "other_coordinator", "outsider"]
)
def test_only_coordinators_and_staff_screen_proposals(
    cast, grants, mailoutbox, django_capture_on_commit_callbacks, who
):
    criterion = EligibilityCriterionFactory(call=grants["open_call"])
    proposal = grants["ngo_submitted"]
    before = stored(proposal)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.proposal_screen(actor=everyone(cast, grants)[who], proposal=proposal, answers={criterion: (True, "")})

    assert stored(proposal) == before
    assert not EligibilityCheck.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_coordinators_and_staff_do_screen_proposals(cast, grants, who):
    criterion = EligibilityCriterionFactory(call=grants["open_call"])
    services.proposal_screen(
        actor=everyone(cast, grants)[who], proposal=grants["ngo_submitted"], answers={criterion: (True, "")}
    )
    assert Proposal.objects.get(pk=grants["ngo_submitted"].pk).status == Status.ELIGIBLE


def _call_save(user, call):
    editing = Call.objects.get(pk=call.pk)
    editing.title_en = "Taken over"
    return services.call_save(actor=user, call=editing, expected_version=1)


CALL_WRITES = {
    "save": _call_save,
    "open": lambda user, call: services.call_open(actor=user, call=call),
}


@pytest.mark.parametrize("write", CALL_WRITES)
@pytest.mark.parametrize(
    "who", ["ngo_coordinator", "other_ngo", "donor", "municipal_staff", "other_coordinator", "outsider"]
)
def test_only_coordinators_and_staff_save_and_open_calls(cast, grants, who, write):
    call = grants["draft_call"]
    ScoringCriterionFactory(call=call, weight=100)
    before = Call.objects.filter(pk=call.pk).values().get()

    with pytest.raises(PermissionDenied):
        CALL_WRITES[write](everyone(cast, grants)[who], call)

    assert Call.objects.filter(pk=call.pk).values().get() == before


def test_only_coordinators_and_staff_create_calls(cast, grants):
    for who in ("ngo_coordinator", "donor", "municipal_staff", "other_coordinator"):
        with pytest.raises(PermissionDenied):
            services.call_save(actor=everyone(cast, grants)[who], call=CallFactory.build(project=cast.project))
    assert Call.objects.count() == 3


def test_a_coordinator_of_another_project_cannot_take_a_call_into_their_project(cast, grants):
    taken = Call.objects.get(pk=grants["draft_call"].pk)
    taken.project = cast.other_project

    # Refusing with a ValidationError ("a call stays in its project") would do as well.
    with contextlib.suppress(ValidationError), pytest.raises(PermissionDenied):
        services.call_save(actor=cast.other_coordinator, call=taken, expected_version=1)

    assert Call.objects.get(pk=grants["draft_call"].pk).project == cast.project


@pytest.mark.parametrize("who", ["coordinator", "donor", "municipal_staff"])
def test_a_draft_withdrawn_before_submission_stays_hidden_from_the_project(cast, grants, who):
    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=grants["ngo_draft"])
    withdrawn = Proposal.objects.get(pk=grants["ngo_draft"].pk)
    user = everyone(cast, grants)[who]

    assert not user.has_perm("grants.view_proposal", withdrawn)
    assert withdrawn not in Proposal.objects.visible_to(user)
