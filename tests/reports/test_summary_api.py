"""``GET /api/v1/projects/{id}/summary/``: the executive summary's figures as JSON, for whom may see them.

Expected numbers come from the seed documents (``../shared/seeds/``), as in ``test_figures.py``.
"""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from forums.models import Kind
from grants.models import Proposal
from projects.models import Project
from tests.forums.factories import AttendanceFactory, ForumSessionFactory, ReportedParticipationFactory
from tests.grants.factories import AwardFactory, CallFactory, ProposalFactory
from tests.projects.factories import (
    ExchangeRateFactory,
    FundingContributionFactory,
    MunicipalityFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
HASKOVO = "BG05SFOP001-2.025-0163-C01"


def client_for(user=None, language: str = "en") -> APIClient:
    """An API client speaking ``language``, signed in as ``user`` unless it is anonymous."""
    client = APIClient(headers={"Accept-Language": language})
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


def summary_url(project: Project) -> str:
    return f"/api/v1/projects/{project.pk}/summary/"


def by_place(category: dict) -> dict:
    return {
        row["municipality"]["name"]: (row["sessions"], row["participants"], row["average_per_session"])
        for row in category["by_municipality"]
    }


# --- The seeds ------------------------------------------------------------------------------------


def test_resen_bitola_summary_in_macedonian(seeded):
    response = client_for(language="mk").get(summary_url(seeded[RESEN_BITOLA]))

    assert response.status_code == 200
    data = response.json()
    assert (data["code"], data["language"]) == (RESEN_BITOLA, "mk")
    assert data["title"] == "Воспоставување на партиципативни пристапи во заедниците во Ресен и Битола"
    # "од 21 октомври 2008 до 30 ноември 2010"
    assert (data["start"], data["end"], data["duration_months"]) == ("2008-10-21", "2010-11-30", 25)
    participation = data["participation"]
    # "вкупно 16 сесии", "1391 жители", "735 … Ресен и 656 … Битола", 735 / 8 = 91.875 → 91.88, 656 / 8 = 82
    assert participation["sessions"] == 16
    assert participation["participants"] == {"value": 1391, "qualifier": "exact", "suppressed": False}
    assert by_place(participation) == {
        "Ресен": (
            8,
            {"value": 735, "qualifier": "exact", "suppressed": False},
            {"value": "91.88", "qualifier": "exact", "suppressed": False},
        ),
        "Битола": (
            8,
            {"value": 656, "qualifier": "exact", "suppressed": False},
            {"value": "82.00", "qualifier": "exact", "suppressed": False},
        ),
    }
    # Nobody published how many came to the three trainings: null, never 0.
    assert data["trainings"]["sessions"] == 3
    assert data["trainings"]["participants"] == {"value": None, "qualifier": "exact", "suppressed": False}
    assert data["participants_total"] == {"value": 1391, "qualifier": "at_least", "suppressed": False}
    assert data["events"]["sessions"] == 0 and data["grants"] == []


def test_resen_bitola_budget_is_the_realised_total_and_unknown_contributions_are_null(seeded):
    budget = client_for(language="mk").get(summary_url(seeded[RESEN_BITOLA])).json()["budget"]

    # "Вкупниот реализиран буџет изнесува 21.975.155 МКД"; no denar rate is stored, so no euro figure.
    assert budget["totals"] == [
        {
            "currency": "MKD",
            "amount": "21975155.00",
            "qualifier": "exact",
            "basis": "actual",
            "eur": {"amount": None, "rate": None, "rate_date": None, "rate_is_fixed": False},
        }
    ]
    assert budget["total_eur"] is None
    # "финансиран од СДЦ и општините Ресен и Битола", amounts unpublished.
    assert [(c["funder"], c["kind"], c["amount"], c["share_percent"]) for c in budget["contributions"]] == [
        ("Швајцарска агенција за развој и соработка", "donor", None, None),
        ("Општина Ресен", "municipal", None, None),
        ("Општина Битола", "municipal", None, None),
    ]


def test_haskovo_budget_in_bulgarian_has_85_and_15_percent_shares(seeded):
    data = client_for(language="en").get(summary_url(seeded[HASKOVO]), {"language": "bg"}).json()

    # "52 405.20 лева, от които 44 544,42 лева европейско финансиране и 7 860,78 лева национално"
    assert data["language"] == "bg"
    budget = data["budget"]
    assert [(t["currency"], t["amount"], t["basis"]) for t in budget["totals"]] == [("BGN", "52405.20", "planned")]
    assert [
        (c["funder"], c["kind"], c["amount"], c["currency"], c["share_percent"]) for c in budget["contributions"]
    ] == [
        ("Европейски социален фонд", "eu", "44544.42", "BGN", "85.00"),
        (None, "national", "7860.78", "BGN", "15.00"),
    ]
    # At the peg of 1.95583 leva per euro: 52 405,20 / 1.95583 = 26 794.353…
    assert budget["total_eur"] == "26794.35"
    # 44 544,42 / 1.95583 = 22 775.200…, at the fixed rate whatever the date.
    eur = budget["contributions"][0]["eur"]
    assert (eur["amount"], eur["rate"], eur["rate_is_fixed"]) == ("22775.20", "1.955830", True)
    assert (data["start"], data["end"]) == ("2022-08-24", "2023-12-31")


# --- Language ---------------------------------------------------------------------------------------


def test_texts_follow_the_request_language_unless_one_is_asked_for(seeded):
    project = seeded[RESEN_BITOLA]

    in_albanian = client_for(language="sq").get(summary_url(project)).json()
    asked_for_bulgarian = client_for(language="sq").get(summary_url(project), {"language": "bg"}).json()

    assert in_albanian["language"] == "sq"
    assert set(by_place(in_albanian["participation"])) == {"Resnjë", "Manastir"}
    assert asked_for_bulgarian["language"] == "bg"
    assert set(by_place(asked_for_bulgarian["participation"])) == {"Ресен", "Битоля"}
    assert asked_for_bulgarian["title"] == "Въвеждане на партиципативни подходи в общностите в Ресен и Битоля"


def test_an_unknown_language_is_refused(seeded):
    response = client_for().get(summary_url(seeded[RESEN_BITOLA]), {"language": "de"})

    assert response.status_code == 400
    assert "language" in response.json()


# --- Who may see it ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("other_coordinator", 404),
        ("coordinator", 200),
        ("municipal_staff", 200),
        ("ngo_coordinator", 200),
        ("donor", 200),
        ("staff", 200),
    ],
)
def test_a_private_projects_summary_is_shown_only_to_those_who_may_see_the_project(cast, user, status):
    response = client_for(getattr(cast, user)).get(summary_url(cast.project))

    assert response.status_code == status
    if status == 200:
        assert response.json()["code"] == cast.project.code


def test_a_public_projects_summary_is_open_to_anyone(db):
    project = ProjectFactory(is_public=True)

    assert client_for().get(summary_url(project)).status_code == 200


def test_a_missing_project_is_404(db):
    assert client_for().get("/api/v1/projects/999999/summary/").status_code == 404


def test_the_summary_is_read_only(cast):
    response = client_for(cast.coordinator).post(summary_url(cast.project), {})

    assert response.status_code == 405


# --- Unknowns, lower bounds and grants -------------------------------------------------------------


def test_a_lower_bound_and_a_published_total_keep_their_qualifiers(db):
    project = ProjectFactory()
    sliven = MunicipalityFactory(name_en="Sliven")
    ReportedParticipationFactory(
        project=project,
        category="event",
        municipality=sliven,
        sessions_covered=2,
        participants=125,
        qualifier="at_least",
    )
    ForumSessionFactory(project=project, municipality=sliven, kind=Kind.EVENT_CONSULTATION)
    ForumSessionFactory(project=project, municipality=sliven, kind=Kind.EVENT_ROUND_TABLE)

    events = client_for().get(summary_url(project)).json()["events"]

    # 125 over the two events: 62.50 a session, at least.
    assert events["participants"] == {"value": 125, "qualifier": "at_least", "suppressed": False}
    assert by_place(events) == {
        "Sliven": (
            2,
            {"value": 125, "qualifier": "at_least", "suppressed": False},
            {"value": "62.50", "qualifier": "at_least", "suppressed": False},
        )
    }


def test_grants_are_added_up_per_currency_as_decimal_strings(db):
    project = ProjectFactory()
    call = CallFactory(project=project, closed=True)
    AwardFactory(proposal=ProposalFactory(call=call, status=Proposal.Status.CONTRACTED), amount=Decimal("750.50"))
    ProposalFactory(call=call, status=Proposal.Status.NOT_SELECTED, requested_amount=Decimal("499.50"))

    grants = client_for().get(summary_url(project)).json()["grants"]

    # Two proposals asking 1 000 and 499,50; one selected and contracted for 750,50.
    assert grants == [
        {
            "currency": "EUR",
            "calls": 1,
            "submitted": 2,
            "selected": 1,
            "requested": "1499.50",
            "awarded": "750.50",
            "paid": "0.00",
        }
    ]


def test_a_project_without_dates_has_null_dates(db):
    project = ProjectFactory(start_date=None, end_date=None, duration_months=None)

    data = client_for().get(summary_url(project)).json()

    assert (data["start"], data["end"], data["duration_months"]) == (None, None, None)


# --- Queries and schema -----------------------------------------------------------------------------


def project_with_rows(count: int) -> Project:
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1), units_per_eur=Decimal("61.5"))
    project = ProjectFactory()
    for _ in range(count):
        place = MunicipalityFactory()
        project.target_municipalities.add(place)
        AttendanceFactory(session=ForumSessionFactory(project=project, municipality=place, kind=Kind.FORUM_WORKING))
        FundingContributionFactory(project=project, amount=Decimal("6150.00"), currency="MKD")
        ProposalFactory(call=CallFactory(project=project, closed=True), status=Proposal.Status.SELECTED)
    return project


# The view's visibility check, then the executive summary's 18 queries (see test_figures.py).
SUMMARY_API_QUERIES = 1 + 18


@pytest.mark.parametrize("count", [1, 4])
def test_summary_queries_do_not_grow_with_the_rows(django_assert_num_queries, count):
    project = project_with_rows(count)
    client = client_for()

    with django_assert_num_queries(SUMMARY_API_QUERIES):
        data = client.get(summary_url(project)).json()

    assert data["participation"]["participants"] == {"value": 20 * count, "qualifier": "exact", "suppressed": False}
    assert len(data["budget"]["contributions"]) == count
    # 6 150 MKD at 61.5 per euro is 100 EUR each.
    assert data["budget"]["total_eur"] == f"{100 * count}.00"


def test_schema_documents_the_summary_and_its_language(db):
    schema = client_for().get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/projects/{id}/summary/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Summary"
    }
    [language] = [p for p in operation["parameters"] if p["name"] == "language"]
    assert sorted(language["schema"]["enum"]) == ["bg", "en", "mk", "sq"]
    fields = schema["components"]["schemas"]["Summary"]["properties"]
    for key in ("code", "title", "start", "end", "duration_months", "budget", "participation", "trainings", "events"):
        assert key in fields
    assert "grants" in fields
