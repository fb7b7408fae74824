"""A clearly marked example call with example proposals, so every grants journey can be tried at once.

The seed documents publish no grant-level figures; nothing here pretends to be theirs: every title
starts with "Example".
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from projects.demo import DEMO_PASSWORD, LINK4COOP
from projects.models import Membership, Project

from . import services
from .models import Call, EligibilityCriterion, Proposal, ProposalBudgetLine, ScoringCriterion

EXAMPLE_CALL = "Example call: small grants for local initiatives"
DEMO_REVIEWERS = {"reviewer.one@example.org": "Reviewer One (demo)", "reviewer.two@example.org": "Reviewer Two (demo)"}


def _line(category: str, description: str, unit: str, quantity: str, unit_cost: str, financed_by: str):
    return ProposalBudgetLine(
        category=category,
        description=description,
        unit=unit,
        quantity=Decimal(quantity),
        unit_cost=Decimal(unit_cost),
        financed_by=financed_by,
    )


def demo_reviewers_load() -> list[str]:
    """Create (or refresh) two reviewer accounts with the demo password and no role in any project:
    a coordinator assigns them on a call's review board, by e-mail address."""
    User = get_user_model()
    for email, full_name in DEMO_REVIEWERS.items():
        account, _created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        account.set_password(DEMO_PASSWORD)
        account.save()
    return [f"  {email:<32} reviewer, to be assigned on a call's review board" for email in DEMO_REVIEWERS]


@transaction.atomic
def demo_load() -> list[str]:
    """Create the demo reviewers, the example call on Link4Cooperation (open for 60 days) and two example
    proposals."""
    reviewers = demo_reviewers_load()
    project = Project.objects.get(code=LINK4COOP)
    if Call.objects.filter(project=project, title_en=EXAMPLE_CALL).exists():
        return [*reviewers, f"{EXAMPLE_CALL}: already present"]
    User = get_user_model()
    coordinator = User.objects.get(email="coordinator@example.org")
    ngo = User.objects.get(email="ngo@example.org")
    organisation = Membership.objects.get(user=ngo, project=project, role=Membership.Role.NGO_COORDINATOR).organisation
    now = timezone.now()
    call = services.call_save(
        actor=coordinator,
        call=Call(
            project=project,
            title_en=EXAMPLE_CALL,
            title_mk="Пример повик: мали грантови за локални иницијативи",
            title_bg="Примерна покана: малки грантове за местни инициативи",
            title_sq="Thirrje shembull: grante të vogla për nisma vendore",
            description_en="An example to try the portal with; not a real call.",
            currency="BAM",
            envelope=Decimal("20000.00"),
            max_per_grant=Decimal("5000.00"),
            min_cofinancing_percent=Decimal("10.00"),
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=60),
            quorum=20,
        ),
    )
    for order, (name, weight) in enumerate(
        [("Relevance for the community", 40), ("Feasibility", 35), ("Value for money", 25)]
    ):
        ScoringCriterion.objects.create(call=call, name_en=name, weight=weight, order=order)
    for order, text in enumerate(["The applicant is registered in one of the 12 municipalities", "The budget adds up"]):
        EligibilityCriterion.objects.create(call=call, text_en=text, order=order)
    call = services.call_open(actor=coordinator, call=call)

    submitted = services.proposal_save_draft(
        actor=ngo,
        proposal=Proposal(
            call=call,
            organisation=organisation,
            language="en",
            title="Example: a reading corner in the community centre",
            summary="Shelves, books and weekly reading hours for children.",
            requested_amount=Decimal("3000.00"),
            cofinancing_cash=Decimal("200.00"),
            cofinancing_in_kind=Decimal("300.00"),
            duration_months=6,
        ),
        budget_lines=[
            _line("equipment", "Shelves and books", "set", "1", "2400.00", "grant"),
            _line("services", "Reading hours (facilitator)", "month", "6", "100.00", "grant"),
            _line("other", "Opening event", "event", "1", "200.00", "cofinancing"),
            _line("personnel", "Volunteers' time", "day", "10", "30.00", "cofinancing"),
        ],
    )
    services.proposal_submit(actor=ngo, proposal=submitted)
    services.proposal_save_draft(
        actor=ngo,
        proposal=Proposal(
            call=call,
            organisation=organisation,
            language="en",
            title="Example: repairing the playground (draft)",
            requested_amount=Decimal("2500.00"),
        ),
        budget_lines=[_line("equipment", "Swings and benches", "piece", "5", "500.00", "grant")],
    )
    return [*reviewers, f"{EXAMPLE_CALL}: loaded on {project.code}, with two example proposals"]
