"""The REST API under /api/v1/: who sees and changes what, the figures it reports, and its schema."""

import datetime
from decimal import Decimal

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from projects.models import (
    Expenditure,
    FundingContribution,
    Membership,
    Objective,
    Partner,
    Project,
)
from tests.projects.factories import (
    BudgetLineFactory,
    CountryFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PartnerFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
PRESTIGE = "BG05SFOP001-2.025-0163-C01"
RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
MEMBER_ROLES = ["coordinator", "municipal_staff", "ngo_coordinator", "donor"]


# --- Helpers -------------------------------------------------------------------------------------


def client_for(user=None, language: str = "en") -> APIClient:
    """An API client speaking ``language``, signed in as ``user`` unless it is anonymous."""
    client = APIClient(headers={"Accept-Language": language})
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


def project_url(project: Project) -> str:
    return f"{PROJECTS}{project.pk}/"


def listed_codes(response) -> set[str]:
    assert response.status_code == 200, response.data
    return {row["code"] for row in response.data["results"]}


def row(instance) -> dict:
    """The instance's row as stored now, to show that a refused request changed nothing."""
    return type(instance).objects.filter(pk=instance.pk).values().get()


def patch_project(user, project: Project, version: int | None = None, language: str = "en", **changes):
    """PATCH the project, stating the version it is at in the database unless told otherwise."""
    payload = dict(changes)
    if version is not None:
        payload["version"] = version
    return client_for(user, language).patch(project_url(project), payload, format="json")


def current_version(project: Project) -> int:
    return Project.objects.values_list("version", flat=True).get(pk=project.pk)


def errors_of(response, field: str) -> str:
    """The error messages of one field of a 400, as one string."""
    assert response.status_code == 400, (response.status_code, response.data)
    assert field in response.data, response.data
    return " ".join(str(message) for message in response.data[field])


def partner_payload(project: Project) -> dict:
    return {"project": project.pk, "organisation": OrganisationFactory().pk, "role": Partner.Role.PARTNER}


def contribution_payload(project: Project) -> dict:
    return {
        "project": project.pk,
        "funder": OrganisationFactory().pk,
        "kind": FundingContribution.Kind.DONOR,
        "amount": "1200.50",
        "currency": "EUR",
    }


def new_project_payload(**overrides) -> dict:
    return {
        "code": "NEW-2025-01",
        "title_en": "Citizens' budget forums",
        "original_language": "en",
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        **overrides,
    }


# --- 1. Who sees which project -------------------------------------------------------------------


def test_anonymous_lists_and_reads_only_public_projects(cast):
    public = ProjectFactory(is_public=True)
    client = client_for()

    assert listed_codes(client.get(PROJECTS)) == {public.code}
    assert client.get(project_url(public)).status_code == 200
    assert client.get(project_url(cast.project)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_coordinator"])
def test_non_member_neither_lists_nor_reads_a_private_project(cast, who):
    user = getattr(cast, who)
    client = client_for(user)

    assert cast.project.code not in listed_codes(client.get(PROJECTS))
    assert client.get(project_url(cast.project)).status_code == 404


@pytest.mark.parametrize("who", MEMBER_ROLES)
def test_every_role_of_a_private_project_lists_and_reads_it(cast, who):
    client = client_for(getattr(cast, who))

    assert listed_codes(client.get(PROJECTS)) == {cast.project.code}
    response = client.get(project_url(cast.project))
    assert response.status_code == 200
    assert response.data["code"] == cast.project.code


def test_staff_lists_every_project_public_or_not(cast):
    public = ProjectFactory(is_public=True)

    codes = listed_codes(client_for(cast.staff).get(PROJECTS))

    assert codes == {cast.project.code, cast.other_project.code, public.code}


def test_code_filter_returns_exactly_that_project(seeded):
    response = client_for().get(PROJECTS, {"code": PRESTIGE})

    assert response.data["count"] == 1
    assert listed_codes(response) == {PRESTIGE}


def test_code_filter_does_not_match_a_prefix(seeded):
    response = client_for().get(PROJECTS, {"code": "BG05SFOP001-2.025"})

    assert response.status_code == 200
    assert response.data["count"] == 0


def rows_of(project: Project) -> dict[str, object]:
    """One row of each kind the project owns, by the endpoint that serves it."""
    return {
        "partners": PartnerFactory(project=project),
        "funding-contributions": FundingContributionFactory(project=project),
        "expenditures": ExpenditureFactory(budget_line=BudgetLineFactory(project=project)),
    }


@pytest.mark.parametrize("endpoint", ["partners", "funding-contributions", "expenditures"])
def test_rows_of_a_private_project_are_hidden_from_non_members(cast, endpoint):
    hidden = rows_of(cast.project)[endpoint]
    url = f"/api/v1/{endpoint}/"

    for user in (cast.anonymous, cast.outsider, cast.other_coordinator):
        client = client_for(user)
        assert hidden.pk not in {r["id"] for r in client.get(url).data["results"]}
        assert client.get(f"{url}{hidden.pk}/").status_code == 404
    member = client_for(cast.donor)
    assert hidden.pk in {r["id"] for r in member.get(url).data["results"]}
    assert member.get(f"{url}{hidden.pk}/").status_code == 200


def test_filtering_rows_by_a_private_project_answers_as_for_a_missing_one(cast):
    PartnerFactory(project=cast.project)
    client = client_for(cast.outsider)

    for missing_or_hidden in (cast.project.pk, Project.objects.order_by("pk").last().pk + 1):
        response = client.get("/api/v1/partners/", {"project": missing_or_hidden})
        assert "valid choice" in errors_of(response, "project")
    response = client_for(cast.donor).get("/api/v1/partners/", {"project": cast.project.pk})
    assert response.data["count"] == 1


def test_filtering_expenditures_by_a_hidden_budget_line_answers_as_for_a_missing_one(cast):
    line = BudgetLineFactory(project=cast.project)
    ExpenditureFactory(budget_line=line)

    response = client_for(cast.outsider).get("/api/v1/expenditures/", {"budget_line": line.pk})

    assert "valid choice" in errors_of(response, "budget_line")
    assert client_for(cast.donor).get("/api/v1/expenditures/", {"budget_line": line.pk}).data["count"] == 1


# --- 2. Identity and page link -------------------------------------------------------------------


def test_project_carries_id_code_and_version(cast):
    data = client_for(cast.coordinator).get(project_url(cast.project)).data

    assert (data["id"], data["code"], data["version"]) == (cast.project.pk, cast.project.code, 1)


@pytest.mark.parametrize("language", ["mk", "en", "bg", "sq"])
def test_page_url_is_the_project_page_in_the_request_language(cast, language):
    data = client_for(cast.coordinator, language).get(project_url(cast.project)).data

    assert data["page_url"] == f"http://testserver/{language}/projects/{cast.project.code}/"


def test_page_url_in_the_list_follows_the_request_language(cast):
    response = client_for(cast.coordinator, "mk").get(PROJECTS)

    assert [r["page_url"] for r in response.data["results"]] == [f"http://testserver/mk/projects/{cast.project.code}/"]


def test_title_is_given_in_the_request_language_falling_back_to_the_original(db):
    project = ProjectFactory(title_en="Budget forums", title_mk="Буџетски форуми", original_language="en")

    assert client_for(language="mk").get(project_url(project)).data["title"] == "Буџетски форуми"
    assert client_for(language="bg").get(project_url(project)).data["title"] == "Budget forums"


# --- 3. Funding figures --------------------------------------------------------------------------


def test_prestige_funding_shows_shares_totals_and_pegged_euro_equivalents(seeded):
    funding = client_for().get(project_url(seeded[PRESTIGE])).data["funding"]

    shares = {row["kind"]: row["share_percent"] for row in funding["contributions"]}
    assert shares == {"eu": "85.00", "national": "15.00"}
    assert funding["share_basis"] == "stated_total"
    assert funding["has_unknown_amounts"] is False
    # BGN is pegged: 44,544.42 / 1.95583 = 22,775.20 and 7,860.78 / 1.95583 = 4,019.15 EUR.
    euros = {row["kind"]: (row["eur"]["amount"], row["eur"]["rate"]) for row in funding["contributions"]}
    assert euros == {"eu": ("22775.20", "1.955830"), "national": ("4019.15", "1.955830")}
    assert [(t["currency"], t["amount"], t["eur"]["amount"]) for t in funding["totals"]] == [
        ("BGN", "52405.20", "26794.35")
    ]
    assert funding["total_eur"] == "26794.35"


def test_unknown_amounts_stay_unknown_instead_of_zero(seeded):
    funding = client_for().get(project_url(seeded[RESEN_BITOLA])).data["funding"]

    assert len(funding["contributions"]) == 3
    assert all(row["amount"] is None for row in funding["contributions"])
    assert all(row["share_percent"] is None for row in funding["contributions"])
    assert all(row["eur"]["amount"] is None for row in funding["contributions"])
    assert funding["has_unknown_amounts"] is True
    assert funding["share_basis"] is None
    assert funding["total_eur"] is None
    assert funding["totals"] == []


# --- 4. Writes by role ---------------------------------------------------------------------------

REFUSED = {"municipal_staff": 403, "ngo_coordinator": 403, "donor": 403, "other_coordinator": 404, "outsider": 404}


@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_coordinator_and_staff_can_edit_a_project_and_its_version_moves_on(cast, who):
    response = patch_project(getattr(cast, who), cast.project, version=1, title_en="New title")

    assert response.status_code == 200, response.data
    assert response.data["version"] == 2
    assert response.data["title_en"] == "New title"
    cast.project.refresh_from_db()
    assert (cast.project.title_en, cast.project.version) == ("New title", 2)


@pytest.mark.parametrize(("who", "status"), REFUSED.items())
def test_other_users_cannot_edit_a_project(cast, who, status):
    before = row(cast.project)

    response = patch_project(getattr(cast, who), cast.project, version=1, title_en="Hijacked")

    assert response.status_code == status
    assert row(cast.project) == before


def test_anonymous_cannot_edit_a_public_project(db):
    project = ProjectFactory(is_public=True)
    before = row(project)

    response = patch_project(None, project, version=1, title_en="Hijacked")

    assert response.status_code in {401, 403}
    assert row(project) == before


@pytest.mark.parametrize("who", ["outsider", "other_coordinator", "donor"])
def test_reading_a_public_project_does_not_allow_editing_it(cast, who):
    Project.objects.filter(pk=cast.project.pk).update(is_public=True)
    before = row(cast.project)

    response = patch_project(getattr(cast, who), cast.project, version=1, title_en="Hijacked")

    assert response.status_code == 403
    assert row(cast.project) == before


def test_editing_one_language_leaves_the_others_alone(cast):
    Project.objects.filter(pk=cast.project.pk).update(title_mk="Буџетски форуми")

    response = patch_project(cast.coordinator, cast.project, version=1, language="mk", title_en="Budget forums")

    assert response.status_code == 200, response.data
    assert response.data["title"] == "Буџетски форуми"
    cast.project.refresh_from_db()
    assert (cast.project.title_en, cast.project.title_mk) == ("Budget forums", "Буџетски форуми")


PARTS = {
    "partners": (Partner, partner_payload),
    "funding-contributions": (FundingContribution, contribution_payload),
}


@pytest.mark.parametrize("endpoint", PARTS)
@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_coordinator_and_staff_can_add_partners_and_funding(cast, endpoint, who):
    model, payload = PARTS[endpoint]

    response = client_for(getattr(cast, who)).post(f"/api/v1/{endpoint}/", payload(cast.project), format="json")

    assert response.status_code == 201, response.data
    assert model.objects.filter(pk=response.data["id"], project=cast.project).exists()
    assert current_version(cast.project) == 2


@pytest.mark.parametrize("endpoint", PARTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [("municipal_staff", 403), ("ngo_coordinator", 403), ("donor", 403), ("outsider", 400), ("anonymous", 403)],
)
def test_other_users_cannot_add_partners_or_funding(cast, endpoint, who, status):
    model, payload = PARTS[endpoint]
    data = payload(cast.project)
    count, before = model.objects.count(), row(cast.project)

    response = client_for(getattr(cast, who)).post(f"/api/v1/{endpoint}/", data, format="json")

    assert response.status_code == status, response.data
    if status == 400:  # A project the user cannot see is no valid choice: its existence is not revealed.
        assert "project" in response.data
    assert model.objects.count() == count
    assert row(cast.project) == before


@pytest.mark.parametrize(("who", "status"), [("coordinator", 204), ("staff", 204), ("donor", 403), ("outsider", 404)])
def test_only_coordinator_and_staff_can_remove_a_partner(cast, who, status):
    partner = PartnerFactory(project=cast.project)

    response = client_for(getattr(cast, who)).delete(f"/api/v1/partners/{partner.pk}/")

    assert response.status_code == status
    assert Partner.objects.filter(pk=partner.pk).exists() == (status != 204)


# --- 5. Concurrent edits -------------------------------------------------------------------------


def test_stale_version_is_refused_with_409_and_changes_nothing(cast):
    assert patch_project(cast.coordinator, cast.project, version=1, title_en="First edit").status_code == 200
    before = row(cast.project)

    response = patch_project(cast.staff, cast.project, version=1, title_en="Second edit from version 1")

    assert response.status_code == 409, response.data
    assert "Someone else changed this while you were editing" in str(response.data["detail"])
    assert row(cast.project) == before


def test_edit_without_version_is_refused(cast):
    before = row(cast.project)

    response = patch_project(cast.coordinator, cast.project, title_en="No version")

    assert "Send the version the edit started from" in errors_of(response, "version")
    assert row(cast.project) == before


# --- 6. Validation -------------------------------------------------------------------------------


def test_end_date_before_start_date_is_refused(cast):
    before = row(cast.project)

    response = patch_project(cast.coordinator, cast.project, version=1, end_date="2023-12-31")

    assert "end date cannot be before the start date" in errors_of(response, "end_date")
    assert row(cast.project) == before


def test_total_budget_without_currency_is_refused(cast):
    before = row(cast.project)

    response = patch_project(cast.coordinator, cast.project, version=1, total_budget_amount="1000.00")

    assert "currency" in errors_of(response, "total_budget_currency")
    assert row(cast.project) == before


def post_contribution(user, project: Project, **overrides):
    payload = {**contribution_payload(project), **overrides}
    payload = {key: value for key, value in payload.items() if value is not None}
    return client_for(user).post("/api/v1/funding-contributions/", payload, format="json")


def test_negative_funding_amount_is_refused(cast):
    response = post_contribution(cast.coordinator, cast.project, amount="-1.00")

    assert "greater than or equal to 0" in errors_of(response, "amount")
    assert not FundingContribution.objects.exists()


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "E1", "€"])
def test_currency_must_be_an_iso_4217_code(cast, currency):
    response = post_contribution(cast.coordinator, cast.project, currency=currency)

    assert errors_of(response, "currency")
    assert not FundingContribution.objects.exists()
    assert current_version(cast.project) == 1


def test_unknown_currency_code_is_named_in_the_message(cast):
    response = post_contribution(cast.coordinator, cast.project, currency="XYZ")

    assert "“XYZ” is not an ISO 4217 currency code" in errors_of(response, "currency")


def test_lower_case_currency_is_stored_upper_case(cast):
    response = post_contribution(cast.coordinator, cast.project, currency="eur")

    assert response.status_code == 201, response.data
    assert response.data["currency"] == "EUR"
    assert FundingContribution.objects.get(pk=response.data["id"]).currency == "EUR"


def test_amount_without_currency_is_refused(cast):
    response = post_contribution(cast.coordinator, cast.project, currency="")

    assert "Give the currency of the amount" in errors_of(response, "currency")
    assert not FundingContribution.objects.exists()


def test_unknown_amount_needs_no_currency(cast):
    response = post_contribution(cast.coordinator, cast.project, amount=None, currency="")

    assert response.status_code == 201, response.data
    assert FundingContribution.objects.get(pk=response.data["id"]).amount is None


def test_coordinator_creates_a_project_and_becomes_its_coordinator(cast):
    response = client_for(cast.coordinator).post(PROJECTS, new_project_payload(), format="json")

    assert response.status_code == 201, response.data
    project = Project.objects.get(code="NEW-2025-01")
    assert (response.data["id"], response.data["version"]) == (project.pk, 1)
    assert project.is_public is False
    assert Membership.objects.filter(user=cast.coordinator, project=project, role="coordinator").exists()
    assert client_for(cast.coordinator).get(project_url(project)).status_code == 200


def test_duplicate_project_code_is_refused(cast):
    response = client_for(cast.coordinator).post(
        PROJECTS, new_project_payload(code=cast.other_project.code), format="json"
    )

    assert "already exists" in errors_of(response, "code")
    assert Project.objects.filter(code=cast.other_project.code).count() == 1


@pytest.mark.parametrize("code", ["RESEN/2024", "RESEN 2024", "-RESEN"])
def test_project_code_with_slash_space_or_leading_dash_is_refused(cast, code):
    count = Project.objects.count()

    response = client_for(cast.coordinator).post(PROJECTS, new_project_payload(code=code), format="json")

    assert "Latin letters, digits, dots, dashes and underscores" in errors_of(response, "code")
    assert Project.objects.count() == count


@pytest.mark.parametrize("who", ["outsider", "donor", "municipal_staff"])
def test_user_who_coordinates_nothing_cannot_create_a_project(cast, who):
    count = Project.objects.count()

    response = client_for(getattr(cast, who)).post(PROJECTS, new_project_payload(), format="json")

    assert response.status_code == 403
    assert Project.objects.count() == count


def test_anonymous_cannot_create_a_project(db):
    response = client_for().post(PROJECTS, new_project_payload(), format="json")

    assert response.status_code in {401, 403}
    assert not Project.objects.exists()


# --- 8. Query counts -----------------------------------------------------------------------------


def full_projects(count: int, currency: str) -> None:
    """Public projects with everything the API nests: partners, funding, objectives, budget and spending."""
    country = CountryFactory()
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2020, 1, 1), units_per_eur=Decimal("61.5"))
    for _ in range(count):
        project = ProjectFactory(is_public=True, total_budget_amount=Decimal("3000000"), total_budget_currency=currency)
        project.countries.add(country)
        project.target_municipalities.add(MunicipalityFactory(country=country), MunicipalityFactory(country=country))
        PartnerFactory(project=project, role=Partner.Role.LEAD)
        PartnerFactory(project=project)
        FundingContributionFactory(project=project, amount=Decimal("2000000"), currency=currency)
        FundingContributionFactory(project=project, amount=Decimal("10000"), currency=currency)
        Objective.objects.create(project=project, text_en="Open the budget", level=Objective.Level.GENERAL)
        Objective.objects.create(project=project, text_en="Hold forums")
        line = BudgetLineFactory(project=project, currency=currency, amount=Decimal("100000"))
        ExpenditureFactory(budget_line=line, amount=Decimal("25000"))
        BudgetLineFactory(project=project, currency=currency)


# A count, the projects, one query per prefetched relation (countries, municipalities and their
# countries, target groups, objectives, results, activities, partners, contributions, budget lines)
# and the exchange rates, read once for the whole page.
LIST_QUERIES = 13


def assert_list_is_complete(response, count: int) -> None:
    assert response.data["count"] == count
    for project in response.data["results"]:
        assert len(project["partners"]) == 2
        assert len(project["objectives"]) == 2
        assert len(project["funding"]["contributions"]) == 2
        assert project["budget_totals"][0]["spent"] == "25000.00"


@pytest.mark.parametrize("count", [3, 6])
def test_project_list_queries_do_not_grow_with_the_number_of_projects(db, django_assert_num_queries, count):
    full_projects(count, currency="EUR")
    client = client_for()

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(PROJECTS)

    assert_list_is_complete(response, count)


@pytest.mark.parametrize("count", [3, 6])
def test_project_list_loads_exchange_rates_once_whatever_the_number_of_projects(db, django_assert_num_queries, count):
    full_projects(count, currency="MKD")
    client = client_for()

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(PROJECTS)

    assert_list_is_complete(response, count)
    assert response.data["results"][0]["funding"]["total_eur"] == "32682.93"  # 2,010,000 MKD / 61.5


# --- 9. Schema and docs --------------------------------------------------------------------------


def test_openapi_schema_is_served_and_valid(db):
    response = client_for().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert "/api/v1/projects/{id}/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/projects/{id}/"]["patch"]["responses"]


def test_api_docs_page_loads_its_assets_locally(db):
    response = client_for().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    for cdn in ("cdn.", "jsdelivr", "unpkg"):
        assert cdn not in html


# --- 10. Expenditures ----------------------------------------------------------------------------


def test_coordinator_records_an_expenditure_and_budget_totals_show_it(cast):
    line = BudgetLineFactory(project=cast.project, amount=Decimal("500.00"), currency="EUR")
    client = client_for(cast.coordinator)

    response = client.post(
        "/api/v1/expenditures/",
        {"budget_line": line.pk, "spent_on": "2024-06-01", "amount": "120.40", "description": "Forum hall"},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert Expenditure.objects.get(pk=response.data["id"]).budget_line == line
    totals = client.get(project_url(cast.project)).data["budget_totals"]
    assert totals == [{"currency": "EUR", "planned": "500.00", "spent": "120.40"}]


def test_budget_totals_without_expenditures_show_spent_as_unknown(cast):
    BudgetLineFactory(project=cast.project, amount=Decimal("500.00"), currency="EUR")

    totals = client_for(cast.coordinator).get(project_url(cast.project)).data["budget_totals"]

    assert totals == [{"currency": "EUR", "planned": "500.00", "spent": None}]


def test_expenditure_on_a_budget_line_of_an_unseen_project_is_an_invalid_choice(cast):
    line = BudgetLineFactory(project=cast.other_project)

    response = client_for(cast.coordinator).post(
        "/api/v1/expenditures/", {"budget_line": line.pk, "spent_on": "2024-06-01", "amount": "10.00"}, format="json"
    )

    assert "Invalid pk" in errors_of(response, "budget_line")
    assert not Expenditure.objects.exists()


def test_donor_cannot_record_an_expenditure(cast):
    line = BudgetLineFactory(project=cast.project)

    response = client_for(cast.donor).post(
        "/api/v1/expenditures/", {"budget_line": line.pk, "spent_on": "2024-06-01", "amount": "10.00"}, format="json"
    )

    assert response.status_code == 403
    assert not Expenditure.objects.exists()


def patch_expenditure(user, expenditure: Expenditure, **changes):
    return client_for(user).patch(f"/api/v1/expenditures/{expenditure.pk}/", changes, format="json")


def test_expenditure_cannot_be_moved_away_from_a_project_the_user_does_not_manage(cast):
    public = ProjectFactory(is_public=True)
    spent = ExpenditureFactory(budget_line=BudgetLineFactory(project=public))
    before = row(spent)

    response = patch_expenditure(cast.coordinator, spent, budget_line=BudgetLineFactory(project=cast.project).pk)

    assert response.status_code == 403, response.data
    assert row(spent) == before


def test_expenditure_cannot_be_moved_between_two_projects_of_its_coordinator(cast):
    MembershipFactory(user=cast.coordinator, project=cast.other_project, role=Membership.Role.COORDINATOR)
    spent = ExpenditureFactory(budget_line=BudgetLineFactory(project=cast.project))
    before = row(spent)

    response = patch_expenditure(cast.coordinator, spent, budget_line=BudgetLineFactory(project=cast.other_project).pk)

    assert "belongs to another project" in errors_of(response, "non_field_errors")
    assert row(spent) == before


def test_expenditure_can_be_moved_to_another_budget_line_of_its_project(cast):
    spent = ExpenditureFactory(budget_line=BudgetLineFactory(project=cast.project))
    travel = BudgetLineFactory(project=cast.project, category="travel", description_en="Travel")

    response = patch_expenditure(cast.coordinator, spent, budget_line=travel.pk)

    assert response.status_code == 200, response.data
    spent.refresh_from_db()
    assert spent.budget_line == travel
