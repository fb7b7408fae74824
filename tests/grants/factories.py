"""Factories for the grants app: calls with their checklist and rubric, proposals and budget lines.

A call is open and accepting proposals by default, on the server's clock: it opened a day ago and
closes in thirty days, so services that check ``accepts_proposals()`` need no frozen time.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import Call, EligibilityCriterion, Proposal, ProposalBudgetLine, ScoringCriterion
from tests.projects.factories import OrganisationFactory, ProjectFactory


def days_from_now(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


class CallFactory(factory.django.DjangoModelFactory):
    """An open EUR call of 10 000, at most 2 000 a grant, with at least 10 % co-financing."""

    class Meta:
        model = Call

    project = factory.SubFactory(ProjectFactory)
    title_en = factory.Sequence(lambda n: f"Small grants call {n}")
    description_en = "Small grants for community initiatives."
    currency = "EUR"
    envelope = Decimal("10000.00")
    max_per_grant = Decimal("2000.00")
    min_cofinancing_percent = Decimal("10.00")
    opens_at = factory.LazyFunction(lambda: days_from_now(-1))
    closes_at = factory.LazyFunction(lambda: days_from_now(30))
    phase = Call.Phase.OPEN

    class Params:
        draft = factory.Trait(phase=Call.Phase.DRAFT)
        closed = factory.Trait(phase=Call.Phase.CLOSED)


class EligibilityCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityCriterion

    call = factory.SubFactory(CallFactory)
    text_en = factory.Sequence(lambda n: f"Eligibility criterion {n}")
    order = factory.Sequence(lambda n: n)


class ScoringCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringCriterion

    call = factory.SubFactory(CallFactory)
    name_en = factory.Sequence(lambda n: f"Scoring criterion {n}")
    weight = 50
    order = factory.Sequence(lambda n: n)


class ProposalFactory(factory.django.DjangoModelFactory):
    """A draft asking 1 000 with 150 in cash and 100 in kind (20 % co-financing), without budget lines.

    Any status but draft gets a submission date, as the database demands.
    """

    class Meta:
        model = Proposal

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    language = "mk"
    title = factory.Sequence(lambda n: f"Proposal {n}")
    summary = "A community garden behind the school."
    duration_months = 12
    requested_amount = Decimal("1000.00")
    cofinancing_cash = Decimal("150.00")
    cofinancing_in_kind = Decimal("100.00")
    status = Proposal.Status.DRAFT
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == Proposal.Status.DRAFT else timezone.now())


class ProposalBudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalBudgetLine

    proposal = factory.SubFactory(ProposalFactory)
    category = ProposalBudgetLine.Category.PERSONNEL
    description = factory.Sequence(lambda n: f"Budget line {n}")
    unit = "day"
    quantity = Decimal("1.00")
    unit_cost = Decimal("100.00")
    financed_by = ProposalBudgetLine.FinancedBy.GRANT
    order = factory.Sequence(lambda n: n)
