"""Project pages: lists and details for each reader, edits that validate and never half-save."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from projects.forms import ProjectForm
from projects.models import FundingContribution, Partner, Project
from tests.projects.factories import (
    BudgetLineFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def form_data(project: Project, **overrides) -> dict:
    """What the edit form posts back unchanged, with ``overrides`` applied."""
    form = ProjectForm(instance=project)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("countries", "target_municipalities"):
            data[name] = [obj.pk for obj in value or []]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not False}


# --- Reading ---------------------------------------------------------------------------------------


def test_anonymous_reader_sees_the_published_seed_projects(client, seeded):
    response = client.get(url("projects:list"))
    assert response.status_code == 200
    for code in seeded:
        assert code in response.content.decode()


def test_private_project_is_a_404_for_outsiders_and_readable_by_its_donor(client, cast):
    detail = url("projects:detail", code=cast.project.code)
    assert client.get(detail).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(detail).status_code == 404
    client.force_login(cast.donor)
    assert client.get(detail).status_code == 200


def test_unknown_language_prefix_is_a_404(client, seeded):
    assert client.get("/de/projects/").status_code == 404
    assert client.get("/xx/projects/MCMS-RESEN-BITOLA-2008/").status_code == 404


def test_root_redirects_into_a_language(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="mk")
    assert response.status_code == 302
    assert response["Location"].startswith("/mk/")


def test_search_and_filters_narrow_the_list(client, seeded):
    def codes(**params):
        response = client.get(url("projects:list"), params)
        return {code for code in seeded if code in response.content.decode()}

    assert codes(country="BA") == {"LINK4COOP-BIH-2021"}
    assert codes(q="Bitola") == {"MCMS-RESEN-BITOLA-2008"}
    assert codes(q="Битола") == {"MCMS-RESEN-BITOLA-2008"}
    assert codes(q="0163") == {"BG05SFOP001-2.025-0163-C01"}
    assert codes(status="completed") == {"MCMS-RESEN-BITOLA-2008", "BG05SFOP001-2.025-0025-C01"}
    sdc = seeded["MCMS-RESEN-BITOLA-2008"].contributions.get(kind="donor").funder
    assert codes(funder=sdc.pk) == {"MCMS-RESEN-BITOLA-2008"}


def test_project_page_shows_funding_shares_and_euro_equivalents(client, seeded):
    page = client.get(url("projects:detail", code="BG05SFOP001-2.025-0163-C01")).content.decode()
    assert "BGN44,544.42" in page and "BGN7,860.78" in page
    assert "85 %" in page and "15 %" in page  # as the seed documents print shares
    assert "€22,775.20" in page  # 44,544.42 BGN at the fixed 1.95583


def test_unknown_amounts_show_as_unknown_never_zero(client, seeded):
    page = client.get(url("projects:detail", code="MCMS-RESEN-BITOLA-2008")).content.decode()
    assert "MKD21,975,155.00" in page
    assert "not published" in page
    assert "no exchange rate" in page  # no MKD rate is stored: no invented euro figure
    assert "MKD0.00" not in page


def test_planned_versus_spent_per_budget_line(client, db):
    line = BudgetLineFactory(amount=Decimal("1000.00"), currency="EUR")
    ExpenditureFactory(budget_line=line, amount=Decimal("250.00"))
    ExpenditureFactory(budget_line=line, amount=Decimal("150.00"))
    untouched = BudgetLineFactory(project=line.project, amount=Decimal("300.00"), currency="EUR")
    page = client.get(line.project.get_absolute_url()).content.decode()
    assert "€400.00 (40 %)" in page
    assert "€600.00" in page  # remaining
    assert untouched.description_en in page and "none recorded" in page


def make_rich_projects(count: int) -> None:
    for _ in range(count):
        project = ProjectFactory()
        PartnerFactory(project=project, role=Partner.Role.LEAD)
        FundingContributionFactory(project=project)
        BudgetLineFactory(project=project)


@pytest.mark.parametrize("count", [3, 9])
def test_list_page_queries_do_not_grow_with_projects(client, django_assert_num_queries, count):
    make_rich_projects(count)
    # session-less anonymous request: count, page, countries, lead partners, 3 filter choice lists
    with django_assert_num_queries(7):
        assert client.get(url("projects:list")).status_code == 200


@pytest.mark.parametrize("rows", [1, 5])
def test_detail_page_queries_do_not_grow_with_rows(client, django_assert_num_queries, rows):
    project = ProjectFactory()
    for _ in range(rows):
        PartnerFactory(project=project)
        FundingContributionFactory(project=project, currency="MKD")
        ExpenditureFactory(budget_line=BudgetLineFactory(project=project))
    # project, 9 prefetches (countries, municipalities, groups, objectives, results, activities,
    # partners, contributions, budget lines) and the exchange rates
    with django_assert_num_queries(11):
        assert client.get(project.get_absolute_url()).status_code == 200


# --- Editing ---------------------------------------------------------------------------------------


def test_coordinator_edits_a_project(client, cast):
    client.force_login(cast.coordinator)
    edit = url("projects:edit", code=cast.project.code)
    assert client.get(edit).status_code == 200
    response = client.post(edit, form_data(cast.project, title_en="Forums in Resen"))
    assert response.status_code == 302
    stored = Project.objects.get(pk=cast.project.pk)
    assert stored.title_en == "Forums in Resen"
    assert stored.version == cast.project.version + 1


@pytest.mark.parametrize("who", ["donor", "municipal_staff", "ngo_coordinator"])
def test_members_without_the_role_get_403_and_nothing_changes(client, cast, who):
    client.force_login(cast.users()[who])
    response = client.post(url("projects:edit", code=cast.project.code), form_data(cast.project, title_en="Hijacked"))
    assert response.status_code == 403
    assert Project.objects.get(pk=cast.project.pk).title_en == cast.project.title_en


def test_anonymous_edit_goes_to_login(client, cast):
    response = client.get(url("projects:edit", code=cast.project.code))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": "2025-01-01", "end_date": "2024-01-01"}, "end_date", "cannot be before the start"),
        (
            {"total_budget_amount": "-5", "total_budget_currency": "EUR"},
            "total_budget_amount",
            "greater than or equal to 0",
        ),
        ({"total_budget_amount": "12abc", "total_budget_currency": "EUR"}, "total_budget_amount", "Enter a number"),
        ({"total_budget_amount": "100", "total_budget_currency": "EURO"}, "total_budget_currency", "at most 3"),
        ({"total_budget_amount": "100", "total_budget_currency": "XYZ"}, "total_budget_currency", "ISO 4217"),
        (
            {"total_budget_amount": "100", "total_budget_currency": ""},
            "total_budget_currency",
            "together with its currency",
        ),
        ({"code": "has space/slash"}, "code", "Latin letters"),
        ({"title_en": ""}, "title_en", "original language"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(client, cast, overrides, field, message):
    client.force_login(cast.coordinator)
    response = client.post(url("projects:edit", code=cast.project.code), form_data(cast.project, **overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    stored = Project.objects.get(pk=cast.project.pk)
    assert (stored.version, stored.title_en, stored.total_budget_amount) == (
        cast.project.version,
        cast.project.title_en,
        cast.project.total_budget_amount,
    )


def test_duplicate_code_is_refused(client, cast):
    client.force_login(cast.staff)
    response = client.post(
        url("projects:edit", code=cast.project.code), form_data(cast.project, code=cast.other_project.code)
    )
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["code"])


def test_lower_case_currency_is_accepted_as_upper_case(client, cast):
    client.force_login(cast.coordinator)
    data = form_data(cast.project, total_budget_amount="1000.50", total_budget_currency="mkd")
    assert client.post(url("projects:edit", code=cast.project.code), data).status_code == 302
    assert Project.objects.get(pk=cast.project.pk).total_budget_currency == "MKD"


def test_concurrent_edit_is_refused_and_keeps_the_input(client, cast):
    client.force_login(cast.coordinator)
    edit = url("projects:edit", code=cast.project.code)
    first = form_data(cast.project, title_en="First editor")
    second = form_data(cast.project, title_en="Second editor")
    assert client.post(edit, first).status_code == 302
    response = client.post(edit, second)
    assert response.status_code == 400
    assert "Someone else changed this while you were editing" in response.content.decode()
    assert 'value="Second editor"' in response.content.decode()
    assert Project.objects.get(pk=cast.project.pk).title_en == "First editor"


def test_coordinator_registers_a_project_and_becomes_its_coordinator(client, cast):
    client.force_login(cast.coordinator)
    data = form_data(Project(original_language="mk"), code="NEW-1", title_mk="Нов проект", status="planned")
    response = client.post(url("projects:create"), data)
    assert response.status_code == 302
    project = Project.objects.get(code="NEW-1")
    assert cast.coordinator.has_perm("projects.change_project", project)


def test_user_without_coordination_cannot_register_a_project(client, cast):
    client.force_login(cast.donor)
    assert client.get(url("projects:create")).status_code == 403


def test_partner_section_adds_a_partner(client, cast):
    client.force_login(cast.coordinator)
    organisation = OrganisationFactory()
    section = url("projects:section", code=cast.project.code, section="partners")
    assert client.get(section).status_code == 200
    data = {
        "version": cast.project.version,
        "partners-TOTAL_FORMS": "1",
        "partners-INITIAL_FORMS": "0",
        "partners-0-organisation": organisation.pk,
        "partners-0-role": "implementing",
        "partners-0-order": "1",
    }
    assert client.post(section, data).status_code == 302
    assert cast.project.partners.get().organisation == organisation


def test_funding_section_refuses_a_bad_row_and_saves_no_row(client, cast):
    client.force_login(cast.coordinator)
    funder = OrganisationFactory()
    section = url("projects:section", code=cast.project.code, section="funding")
    data = {
        "version": cast.project.version,
        "funding-TOTAL_FORMS": "2",
        "funding-INITIAL_FORMS": "0",
        "funding-0-funder": funder.pk,
        "funding-0-kind": "donor",
        "funding-0-amount": "1000",
        "funding-0-currency": "CHF",
        "funding-1-funder": funder.pk,
        "funding-1-kind": "municipal",
        "funding-1-amount": "-20",
        "funding-1-currency": "MKD",
    }
    response = client.post(section, data)
    assert response.status_code == 400
    assert FundingContribution.objects.filter(project=cast.project).count() == 0


def test_donor_cannot_open_the_funding_section(client, cast):
    client.force_login(cast.donor)
    assert client.get(url("projects:section", code=cast.project.code, section="funding")).status_code == 403


def test_section_of_another_project_row_is_refused(client, cast):
    """A coordinator of one project cannot reach another project's rows through their own page."""
    foreign = FundingContributionFactory(project=cast.other_project)
    client.force_login(cast.coordinator)
    section = url("projects:section", code=cast.project.code, section="funding")
    data = {
        "version": cast.project.version,
        "funding-TOTAL_FORMS": "1",
        "funding-INITIAL_FORMS": "1",
        "funding-0-id": foreign.pk,
        "funding-0-kind": "donor",
        "funding-0-amount": "1",
        "funding-0-currency": "EUR",
    }
    client.post(section, data)
    foreign.refresh_from_db()
    assert foreign.amount == Decimal("1000.00") and foreign.project == cast.other_project


def test_login_by_email_case_insensitively(client, cast, password):
    response = client.post(url("accounts:login"), {"username": cast.coordinator.email.upper(), "password": password})
    assert response.status_code == 302


def test_every_language_serves_the_project_page(client, seeded):
    for language, _name in settings.LANGUAGES:
        response = client.get(url("projects:detail", language, code="MCMS-RESEN-BITOLA-2008"))
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()


def test_membership_of_staff_is_scoped_to_municipalities(cast):
    membership = cast.municipal_staff.memberships.get()
    assert [m.name_en for m in membership.municipalities.all()] == ["Resen"]
    assert MembershipFactory  # factory importable for other tests
