"""Factories for the forums app: sessions, their anonymous attendance counts and reported totals."""

import datetime

import factory

from forums.models import (
    Attendance,
    Category,
    ForumSession,
    GroupCount,
    Kind,
    Qualifier,
    ReportedParticipation,
    ResidenceCount,
    VulnerableGroup,
)
from tests.projects.factories import MunicipalityFactory, ProjectFactory


class ForumSessionFactory(factory.django.DjangoModelFactory):
    """A held informational forum session in Macedonian, inside the default project's period."""

    class Meta:
        model = ForumSession

    project = factory.SubFactory(ProjectFactory)
    kind = Kind.FORUM_INFORMATIONAL
    municipality = factory.SubFactory(MunicipalityFactory)
    status = ForumSession.Status.HELD
    date = datetime.date(2024, 6, 1)
    language = "mk"


class AttendanceFactory(factory.django.DjangoModelFactory):
    """Attendance with a known exact total and no breakdowns."""

    class Meta:
        model = Attendance

    session = factory.SubFactory(ForumSessionFactory)
    participants = 20
    participants_qualifier = Qualifier.EXACT


class VulnerableGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VulnerableGroup

    name_en = factory.Sequence(lambda n: f"Group {n}")
    name_mk = factory.Sequence(lambda n: f"Група {n}")


class GroupCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupCount

    attendance = factory.SubFactory(AttendanceFactory)
    group = factory.SubFactory(VulnerableGroupFactory)
    count = 1


class ResidenceCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidenceCount

    attendance = factory.SubFactory(AttendanceFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    count = 1


class ReportedParticipationFactory(factory.django.DjangoModelFactory):
    """A forum participation total published for several sessions of one municipality."""

    class Meta:
        model = ReportedParticipation

    project = factory.SubFactory(ProjectFactory)
    category = Category.FORUM
    municipality = factory.SubFactory(MunicipalityFactory)
    sessions_covered = 4
    participants = 100
    qualifier = Qualifier.EXACT
    source_en = "Final report"
