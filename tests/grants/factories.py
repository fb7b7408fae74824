"""Factories for the grants app: calls with their checklist and rubric, proposals and budget lines.

A call is open and accepting proposals by default, on the server's clock: it opened a day ago and
closes in thirty days, so services that check ``accepts_proposals()`` need no frozen time.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from forums.models import ForumSession
from grants.models import (
    Award,
    Call,
    EligibilityCriterion,
    ForumTally,
    MonitoringReport,
    Proposal,
    ProposalBudgetLine,
    Review,
    ReviewScore,
    ScoringCriterion,
    Tranche,
)
from projects.models import Membership
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import MembershipFactory, OrganisationFactory, ProjectFactory, UserFactory


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


# --- Review, selection, awards and monitoring ------------------------------------------------------


class ApplicantMembershipFactory(MembershipFactory):
    """An NGO coordinator acting for a new organisation: the applicant who receives decision mails."""

    role = Membership.Role.NGO_COORDINATOR
    organisation = factory.SubFactory(OrganisationFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review assigned to a new user on a proposal in review, neither declared nor scored yet."""

    class Meta:
        model = Review

    proposal = factory.SubFactory(ProposalFactory, status=Proposal.Status.IN_REVIEW)
    reviewer = factory.SubFactory(UserFactory)

    class Params:
        declared = factory.Trait(has_conflict=False, declared_at=factory.LazyFunction(timezone.now))
        submitted = factory.Trait(
            has_conflict=False,
            declared_at=factory.LazyFunction(timezone.now),
            submitted_at=factory.LazyFunction(timezone.now),
        )


class ReviewScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewScore

    review = factory.SubFactory(ReviewFactory, submitted=True)
    criterion = factory.SubFactory(ScoringCriterionFactory)
    score = 5


class ForumTallyFactory(factory.django.DjangoModelFactory):
    """Ten votes for a shortlisted proposal at a held session of the proposal's project."""

    class Meta:
        model = ForumTally

    proposal = factory.SubFactory(ProposalFactory, status=Proposal.Status.SHORTLISTED)
    session = factory.SubFactory(ForumSessionFactory, project=factory.SelfAttribute("..proposal.call.project"))
    votes = 10


class AwardFactory(factory.django.DjangoModelFactory):
    """A contracted grant of 1 000 in the call's currency, for a year from June 2024."""

    class Meta:
        model = Award

    proposal = factory.SubFactory(ProposalFactory, status=Proposal.Status.CONTRACTED)
    amount = Decimal("1000.00")
    currency = factory.LazyAttribute(lambda o: o.proposal.call.currency)
    signed_on = datetime.date(2024, 5, 20)
    starts_on = datetime.date(2024, 6, 1)
    ends_on = datetime.date(2025, 5, 31)
    final_report_due_on = datetime.date(2025, 6, 30)


class TrancheFactory(factory.django.DjangoModelFactory):
    """A planned, unpaid tranche of 500, numbered after the award's other tranches."""

    class Meta:
        model = Tranche

    award = factory.SubFactory(AwardFactory)
    number = factory.LazyAttribute(lambda o: o.award.tranches.count() + 1)
    planned_on = datetime.date(2024, 6, 15)
    amount = Decimal("500.00")

    class Params:
        paid = factory.Trait(paid_on=datetime.date(2024, 6, 20), paid_amount=factory.SelfAttribute("amount"))


class MonitoringReportFactory(factory.django.DjangoModelFactory):
    """An interim report waiting for the coordinator's review."""

    class Meta:
        model = MonitoringReport

    award = factory.SubFactory(AwardFactory)
    progress = "The garden beds are built; planting starts next month."
    status = MonitoringReport.Status.SUBMITTED


def held_session(project, participants: int | None = 20, **fields) -> ForumSession:
    """A held forum session of the project; ``None`` participants: its attendance count is unknown."""
    session = ForumSessionFactory(project=project, **fields)
    AttendanceFactory(session=session, participants=participants)
    return session


def shortlisted(call: Call, title: str, requested: str = "1000.00") -> Proposal:
    """A shortlisted proposal in English of an NGO with its own coordinator, who gets the decision mail."""
    return ProposalFactory(
        call=call,
        organisation=ApplicantMembershipFactory(project=call.project).organisation,
        status=Proposal.Status.SHORTLISTED,
        title=title,
        language="en",
        requested_amount=Decimal(requested),
    )
