"""Factories for the project registry's models."""

import datetime
from decimal import Decimal

import factory

from accounts.models import User
from projects.models import (
    BudgetLine,
    Country,
    ExchangeRate,
    Expenditure,
    FundingContribution,
    Membership,
    Municipality,
    Organisation,
    Partner,
    Project,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password("secret-pass-123")


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = "MK"
    name_en = "North Macedonia"
    name_mk = "Северна Македонија"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    country = factory.SubFactory(CountryFactory)
    name_en = factory.Sequence(lambda n: f"Municipality {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.NGO
    country = factory.SubFactory(CountryFactory)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"TEST-{n:04d}")
    title_en = factory.Sequence(lambda n: f"Project {n}")
    original_language = "en"
    status = Project.Status.ONGOING
    start_date = datetime.date(2024, 1, 1)
    end_date = datetime.date(2025, 12, 31)
    is_public = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Partner.Role.PARTNER


class FundingContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingContribution

    project = factory.SubFactory(ProjectFactory)
    funder = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DONOR_AGENCY)
    kind = FundingContribution.Kind.DONOR
    amount = Decimal("1000.00")
    currency = "EUR"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ProjectFactory)
    category = BudgetLine.Category.EVENTS
    description_en = "Forum sessions"
    amount = Decimal("500.00")
    currency = "EUR"


class ExpenditureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expenditure

    budget_line = factory.SubFactory(BudgetLineFactory)
    spent_on = datetime.date(2024, 6, 1)
    amount = Decimal("100.00")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    currency = "MKD"
    valid_from = datetime.date(2024, 1, 1)
    units_per_eur = Decimal("61.5000")
    source = "Test rate"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = Membership.Role.COORDINATOR
