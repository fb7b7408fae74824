"""The coordinator's award pages: the grant agreement with its tranches, the award with its payments,
monitoring reports (spending beside the budget, photos) and their review, completion, a project's awards
with totals per currency, who may do what, and query counts that do not grow with the rows.

Every refusal is checked against the database afterwards.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from grants import services
from grants.models import Award, Call, MonitoringReport, Proposal, ReportedSpending, Tranche
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    MonitoringReportFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    TrancheFactory,
    days_from_now,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status
Report = MonitoringReport.Status


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"grants:{name}", kwargs=kwargs)


def png(name: str = "garden.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color=(30, 140, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Report photos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def call(cast):
    """A decided EUR call: at most 2 000 a grant."""
    return CallFactory(
        project=cast.project, phase=Call.Phase.DECIDED, opens_at=days_from_now(-60), closes_at=days_from_now(-30)
    )


@pytest.fixture
def selected(call, applicant):
    """The cast NGO's selected proposal asking 1 000: 800 for a gardener, 200 for tools."""
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.SELECTED, title="Community garden")
    ProposalBudgetLineFactory(proposal=proposal, description="Gardener", quantity="8", unit_cost="100.00")
    ProposalBudgetLineFactory(proposal=proposal, description="Tools", quantity="2", unit_cost="100.00")
    return proposal


def agreement(**changes) -> dict:
    """The award form: 1 000 in two tranches of 600 and 400."""
    return {
        "amount": "1000.00",
        "signed_on": "2025-01-10",
        "starts_on": "2025-02-01",
        "ends_on": "2025-12-31",
        "final_report_due_on": "2026-01-31",
        "tranches-TOTAL_FORMS": "2",
        "tranches-INITIAL_FORMS": "0",
        "tranches-0-planned_on": "2025-02-01",
        "tranches-0-amount": "600.00",
        "tranches-1-planned_on": "2025-08-01",
        "tranches-1-amount": "400.00",
        **changes,
    }


@pytest.fixture
def award(cast, selected):
    """1 000 awarded to the cast's NGO, planned as 600 and 400."""
    return services.award_create(
        actor=cast.coordinator,
        proposal=selected,
        amount=Decimal("1000.00"),
        signed_on=datetime.date(2025, 1, 10),
        starts_on=datetime.date(2025, 2, 1),
        ends_on=datetime.date(2025, 12, 31),
        final_report_due_on=datetime.date(2026, 1, 31),
        tranches=[(datetime.date(2025, 2, 1), Decimal("600.00")), (datetime.date(2025, 8, 1), Decimal("400.00"))],
    )


def tranches(award: Award) -> list[tuple]:
    return list(Tranche.objects.filter(award=award).values_list("number", "amount", "paid_on", "paid_amount"))


def status_of(proposal: Proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).status


def pay(tranche: Tranche, **changes) -> dict:
    return {f"pay-{tranche.pk}-paid_on": "2025-02-03", f"pay-{tranche.pk}-paid_amount": "600.00", **changes}


# --- The happy path --------------------------------------------------------------------------------


def test_award_pay_report_approve_and_complete(client, cast, selected):
    client.force_login(cast.coordinator)
    form = client.get(url("award-create", pk=selected.pk)).content.decode()
    assert 'value="1000.00"' in form  # the amount starts at what was requested
    assert form.count('name="tranches-') >= 4  # two empty tranche rows

    response = client.post(url("award-create", pk=selected.pk), agreement())
    award = Award.objects.get()
    assert response.status_code == 302 and response["Location"] == url("award", pk=award.pk)
    assert (award.amount, award.currency, award.ends_on) == (Decimal("1000.00"), "EUR", datetime.date(2025, 12, 31))
    assert tranches(award) == [(1, Decimal("600.00"), None, None), (2, Decimal("400.00"), None, None)]
    assert status_of(selected) == Status.CONTRACTED

    page = client.get(response["Location"]).content.decode()
    assert "The grant was awarded." in page and "€1,000.00" in page and "not paid yet" in page

    first = Tranche.objects.get(award=award, number=1)
    response = client.post(url("tranche-pay", pk=award.pk, tranche_pk=first.pk), pay(first))
    assert response.status_code == 302
    assert tranches(award)[0] == (1, Decimal("600.00"), datetime.date(2025, 2, 3), Decimal("600.00"))
    assert status_of(selected) == Status.IN_IMPLEMENTATION
    page = client.get(url("award", pk=award.pk)).content.decode()
    assert "The payment was recorded." in page
    assert "€600.00" in page and "€400.00" in page  # paid, and left to pay

    gardener, _tools = selected.budget_lines.all()
    report = services.monitoring_report_submit(
        actor=cast.ngo_coordinator,
        award=award,
        progress="Beds built, seedlings planted.",
        spending={gardener: Decimal("750.00")},
        photos=[png()],
        is_final=True,
    )
    page = client.get(url("award", pk=award.pk)).content.decode()
    assert "Beds built, seedlings planted." in page
    assert "€800.00" in page and "€750.00" in page and "not reported" in page  # the line planned, spent; tools
    photo = report.photos.get()
    assert url("report-photo", pk=photo.pk) in page

    response = client.post(
        url("report-review", pk=award.pk, report_pk=report.pk),
        {f"review-{report.pk}-decision": "approve", f"review-{report.pk}-coordinator_comment": "Well documented."},
    )
    assert response.status_code == 302
    stored = MonitoringReport.objects.get(pk=report.pk)
    assert (stored.status, stored.coordinator_comment, stored.reviewed_by) == (
        Report.APPROVED,
        "Well documented.",
        cast.coordinator,
    )

    response = client.post(url("award-complete", pk=award.pk), follow=True)
    assert "The grant is completed." in response.content.decode()
    assert status_of(selected) == Status.COMPLETED


def test_the_grantee_reads_its_award_and_downloads_the_photos(client, cast, award):
    report = services.monitoring_report_submit(
        actor=cast.ngo_coordinator, award=award, progress="Started.", spending={}, photos=[png()]
    )
    photo = report.photos.get()
    client.force_login(cast.ngo_coordinator)
    page = client.get(url("award", pk=award.pk)).content.decode()
    assert "Started." in page and url("tranche-add", pk=award.pk) not in page  # no coordinator's actions
    response = client.get(url("report-photo", pk=photo.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    client.force_login(cast.donor)
    assert client.get(url("report-photo", pk=photo.pk)).status_code == 404


def test_amounts_are_typed_in_the_readers_format(client, cast, selected):
    client.force_login(cast.coordinator)
    data = agreement(amount="950,50", **{"tranches-0-amount": "500,50", "tranches-1-amount": "450"})
    response = client.post(url("award-create", "mk", pk=selected.pk), data)
    assert response.status_code == 302
    assert Award.objects.get().amount == Decimal("950.50")
    assert [row[1] for row in tranches(Award.objects.get())] == [Decimal("500.50"), Decimal("450.00")]


def test_one_filled_tranche_row_is_enough(client, cast, selected):
    client.force_login(cast.coordinator)
    data = agreement(**{"tranches-1-planned_on": "", "tranches-1-amount": ""})
    assert client.post(url("award-create", pk=selected.pk), data).status_code == 302
    assert tranches(Award.objects.get()) == [(1, Decimal("600.00"), None, None)]


def test_the_coordinator_plans_another_tranche_within_what_is_left(client, cast, selected):
    award = services.award_create(
        actor=cast.coordinator,
        proposal=selected,
        amount=Decimal("1000.00"),
        signed_on=datetime.date(2025, 1, 10),
        starts_on=datetime.date(2025, 2, 1),
        ends_on=datetime.date(2025, 12, 31),
        final_report_due_on=datetime.date(2026, 1, 31),
        tranches=[(datetime.date(2025, 2, 1), Decimal("600.00"))],
    )
    client.force_login(cast.coordinator)
    page = client.get(url("award", pk=award.pk)).content.decode()
    assert 'name="tranche-number" value="2"' in page
    data = {"tranche-number": "2", "tranche-planned_on": "2025-09-01", "tranche-amount": "400.00"}
    response = client.post(url("tranche-add", pk=award.pk), data)
    assert response.status_code == 302
    assert tranches(award)[1] == (2, Decimal("400.00"), None, None)


# --- Bad input -------------------------------------------------------------------------------------


def test_tranches_above_the_award_are_refused_and_the_input_kept(client, cast, selected):
    client.force_login(cast.coordinator)
    response = client.post(url("award-create", pk=selected.pk), agreement(**{"tranches-1-amount": "500.00"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The tranches add up to more than the award." in page
    assert 'value="500.00"' in page and 'value="2025-08-01"' in page
    assert not Award.objects.exists() and status_of(selected) == Status.SELECTED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "2500.00"}, "cannot exceed the amount requested or the call&#x27;s maximum"),
        ({"amount": "0"}, "The award must be more than zero."),
        ({"amount": "1.000,00"}, "Enter a number."),
        ({"ends_on": "2025-01-01"}, "The grant cannot end before it starts."),
        ({"signed_on": ""}, "This field is required."),
        ({"tranches-0-amount": ""}, "This field is required."),
        ({"tranches-0-amount": "-5"}, "greater than or equal to 0.01"),
    ],
)
def test_a_bad_agreement_is_refused_and_nothing_saved(client, cast, selected, changes, message):
    client.force_login(cast.coordinator)
    response = client.post(url("award-create", pk=selected.pk), agreement(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Award.objects.exists() and not Tranche.objects.exists()


def test_a_proposal_not_selected_cannot_be_awarded(client, cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.NOT_SELECTED)
    client.force_login(cast.coordinator)
    page = client.get(url("award-create", pk=proposal.pk)).content.decode()
    assert "Only a selected proposal can be awarded." in page and 'name="amount"' not in page
    response = client.post(url("award-create", pk=proposal.pk), agreement())
    assert response.status_code == 400 and "Only a selected proposal can be awarded." in response.content.decode()
    assert not Award.objects.exists()


def test_a_double_posted_agreement_awards_once(client, cast, selected):
    client.force_login(cast.coordinator)
    assert client.post(url("award-create", pk=selected.pk), agreement()).status_code == 302
    second = client.post(url("award-create", pk=selected.pk), agreement(), follow=True)
    assert "This proposal has already been awarded; nothing was changed." in second.content.decode()
    assert Award.objects.count() == 1 and Tranche.objects.count() == 2
    assert client.get(url("award-create", pk=selected.pk))["Location"] == url("award", pk=Award.objects.get().pk)


def test_a_payment_above_the_tranche_is_refused_and_the_input_kept(client, cast, award):
    first = award.tranches.get(number=1)
    client.force_login(cast.coordinator)
    data = pay(first, **{f"pay-{first.pk}-paid_amount": "650.00"})
    response = client.post(url("tranche-pay", pk=award.pk, tranche_pk=first.pk), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A payment is more than zero and at most the tranche&#x27;s amount." in page and 'value="650.00"' in page
    assert tranches(award)[0] == (1, Decimal("600.00"), None, None)


def test_a_double_posted_payment_is_recorded_once(client, cast, award):
    first = award.tranches.get(number=1)
    client.force_login(cast.coordinator)
    assert client.post(url("tranche-pay", pk=award.pk, tranche_pk=first.pk), pay(first)).status_code == 302
    second = client.post(url("tranche-pay", pk=award.pk, tranche_pk=first.pk), pay(first, **{
        f"pay-{first.pk}-paid_on": "2025-02-04"
    }))  # fmt: skip
    assert second.status_code == 400 and "This tranche has already been paid." in second.content.decode()
    assert tranches(award)[0] == (1, Decimal("600.00"), datetime.date(2025, 2, 3), Decimal("600.00"))


def test_a_tranche_beyond_what_is_left_is_refused(client, cast, award):
    client.force_login(cast.coordinator)
    data = {"tranche-number": "3", "tranche-planned_on": "2025-10-01", "tranche-amount": "100.00"}
    response = client.post(url("tranche-add", pk=award.pk), data)
    assert response.status_code == 400
    assert "Only €0.00 of the award is left to plan." in response.content.decode()
    assert len(tranches(award)) == 2


def test_a_double_posted_tranche_is_planned_once_and_a_stale_one_refused(client, cast, selected):
    award = AwardFactory(proposal=selected)
    client.force_login(cast.coordinator)
    data = {"tranche-number": "1", "tranche-planned_on": "2025-03-01", "tranche-amount": "300.00"}
    assert client.post(url("tranche-add", pk=award.pk), data).status_code == 302
    assert client.post(url("tranche-add", pk=award.pk), data).status_code == 302
    assert tranches(award) == [(1, Decimal("300.00"), None, None)]

    # A form opened before that tranche was planned, sending another one: refused, not planned twice.
    stale = {**data, "tranche-amount": "200.00"}
    response = client.post(url("tranche-add", pk=award.pk), stale)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Another tranche was planned meanwhile" in page and 'value="200.00"' in page
    assert 'name="tranche-number" value="2"' in page  # sent again, it is planned as the second
    assert tranches(award) == [(1, Decimal("300.00"), None, None)]


def test_only_those_who_manage_the_award_plan_a_numbered_tranche(cast, award):
    for user in (cast.ngo_coordinator, cast.donor, cast.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.tranche_add(
                actor=user, award=award, number=3, planned_on=datetime.date(2025, 10, 1), amount=Decimal("1.00")
            )
    assert len(tranches(award)) == 2


def test_a_report_is_returned_only_with_a_comment_and_reviewed_once(client, cast, award):
    report = MonitoringReportFactory(award=award)
    client.force_login(cast.coordinator)
    review = url("report-review", pk=award.pk, report_pk=report.pk)
    response = client.post(review, {f"review-{report.pk}-decision": "return"})
    assert response.status_code == 400
    assert "Say what should change before sending the report back." in response.content.decode()
    assert MonitoringReport.objects.get(pk=report.pk).status == Report.SUBMITTED

    data = {f"review-{report.pk}-decision": "return", f"review-{report.pk}-coordinator_comment": "Add receipts."}
    assert client.post(review, data).status_code == 302
    second = client.post(review, {**data, f"review-{report.pk}-decision": "approve"})
    assert second.status_code == 400 and "This report has already been reviewed." in second.content.decode()
    stored = MonitoringReport.objects.get(pk=report.pk)
    assert (stored.status, stored.coordinator_comment) == (Report.RETURNED, "Add receipts.")


def test_a_grant_is_completed_only_after_its_final_report_and_only_once(client, cast, award):
    client.force_login(cast.coordinator)
    refused = client.post(url("award-complete", pk=award.pk), follow=True)
    assert "A grant is completed once its final report is approved." in refused.content.decode()
    assert status_of(award.proposal) == Status.CONTRACTED

    MonitoringReportFactory(award=award, is_final=True, status=Report.APPROVED)
    for _click in range(2):
        response = client.post(url("award-complete", pk=award.pk), follow=True)
        assert "The grant is completed." in response.content.decode()
    assert status_of(award.proposal) == Status.COMPLETED


# --- Who may do what -------------------------------------------------------------------------------


def expected_status(expected, ok: int) -> int:
    return 302 if expected == "login" else ok if expected == "ok" else expected


def logged_in(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


AWARD_CREATE = {
    "anonymous": "login",
    "outsider": 404,
    "other_coordinator": 404,
    "ngo_coordinator": 403,  # the applicant reads its proposal but does not award itself
    "donor": 403,
    "municipal_staff": 403,
    "coordinator": "ok",
    "staff": "ok",
}


@pytest.mark.parametrize("role", AWARD_CREATE)
def test_only_coordinators_and_staff_award_a_grant(client, cast, selected, role):
    client = logged_in(client, getattr(cast, role))
    expected = AWARD_CREATE[role]
    response = client.get(url("award-create", pk=selected.pk))
    assert response.status_code == expected_status(expected, 200)
    if expected == "login":
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(url("award-create", pk=selected.pk), agreement())
    assert response.status_code == expected_status(expected, 302)
    assert Award.objects.exists() == (expected == "ok")


AWARD = {
    "anonymous": "login",
    "outsider": 404,
    "other_coordinator": 404,
    "donor": 404,  # grants.view_award gives donors no award
    "municipal_staff": 404,
    "ngo_coordinator": 403,  # the grantee reads its award; only coordinators act on it
    "coordinator": "ok",
    "staff": "ok",
}


@pytest.mark.parametrize("role", AWARD)
def test_the_award_page_and_its_actions_follow_the_rules(client, cast, award, role):
    report = MonitoringReportFactory(award=award)
    photo = services.monitoring_report_submit(
        actor=cast.ngo_coordinator, award=award, progress="Photos.", spending={}, photos=[png()]
    ).photos.get()
    first = award.tranches.get(number=1)
    client = logged_in(client, getattr(cast, role))
    expected = AWARD[role]
    reads = 200 if expected == 403 else expected_status(expected, 200)

    assert client.get(url("award", pk=award.pk)).status_code == reads
    assert client.get(url("report-photo", pk=photo.pk)).status_code == reads

    posts = [
        (url("tranche-add", pk=award.pk), {"tranche-number": "3", "tranche-planned_on": "2025-10-01"}),
        (url("tranche-pay", pk=award.pk, tranche_pk=first.pk), pay(first)),
        (url("report-review", pk=award.pk, report_pk=report.pk), {f"review-{report.pk}-decision": "approve"}),
        (url("award-complete", pk=award.pk), {}),
    ]
    for action, data in posts:
        response = client.post(action, data)
        # A coordinator's refused tranche (no amount: 400) or completion (no final report: 302) is not the point.
        assert response.status_code in ((302, 400) if expected == "ok" else (expected_status(expected, 0),))
    if expected != "ok":
        assert tranches(award)[0][2] is None and len(tranches(award)) == 2
        assert MonitoringReport.objects.get(pk=report.pk).status == Report.SUBMITTED
    else:
        assert tranches(award)[0][2] is not None
        assert MonitoringReport.objects.get(pk=report.pk).status == Report.APPROVED


PROJECT_AWARDS = {
    "anonymous": "login",
    "outsider": 404,
    "other_coordinator": 404,
    "donor": 403,
    "municipal_staff": 403,
    "ngo_coordinator": 403,
    "coordinator": 200,
    "staff": 200,
}


@pytest.mark.parametrize("role", PROJECT_AWARDS)
def test_the_projects_awards_are_listed_for_its_coordinators_and_staff(client, cast, award, role):
    client = logged_in(client, getattr(cast, role))
    expected = PROJECT_AWARDS[role]
    response = client.get(url("project-awards", code=cast.project.code))
    assert response.status_code == expected_status(expected, 200)
    # A list to read: nobody posts to it.
    assert client.post(url("project-awards", code=cast.project.code)).status_code == (
        302 if expected == "login" else 405
    )


def test_the_projects_awards_are_added_up_per_currency_never_across(client, cast, award):
    TrancheFactory(award=AwardFactory(proposal__call__project=cast.project), paid=True)  # 1 000 EUR, 500 paid
    denars = CallFactory(project=cast.project, currency="MKD", envelope="600000", max_per_grant="120000")
    AwardFactory(proposal__call=denars, amount=Decimal("90000.00"))
    client.force_login(cast.coordinator)
    page = client.get(url("project-awards", code=cast.project.code)).content.decode()
    assert "Total in EUR (2 awards)" in page and "€2,000.00" in page and "€1,500.00" in page
    assert "Total in MKD (1 award)" in page and "MKD90,000.00" in page
    assert "92,000" not in page


# --- Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 6])
def test_the_award_page_queries_do_not_grow_with_tranches_and_reports(
    client, cast, selected, django_assert_num_queries, count
):
    award = AwardFactory(proposal=selected, amount=Decimal("2000.00"))
    lines = list(selected.budget_lines.all())
    for number in range(count):
        TrancheFactory(award=award, amount=Decimal("100.00"))
        report = MonitoringReportFactory(award=award)
        ReportedSpending.objects.create(report=report, budget_line=lines[0], amount=Decimal("50.00"))
        services.monitoring_report_submit(
            actor=cast.ngo_coordinator,
            award=award,
            progress=f"Month {number}: more beds.",
            spending={lines[1]: Decimal("10")},
            photos=[png()],
        )
    client.force_login(cast.coordinator)
    client.get(url("award", pk=award.pk))
    # session, user, award with proposal, call, project and organisation, tranches, budget lines,
    # reports with their people, spending, photos, then the user's organisations and roles for the rules
    with django_assert_num_queries(10):
        page = client.get(url("award", pk=award.pk)).content.decode()
    assert page.count("Record the payment") == count + 1 and page.count('class="photos"') == count


@pytest.mark.parametrize("count", [2, 6])
def test_the_projects_awards_queries_do_not_grow_with_awards(client, cast, django_assert_num_queries, count):
    for _ in range(count):
        award = AwardFactory(proposal__call__project=cast.project)
        TrancheFactory(award=award, paid=True)
    client.force_login(cast.coordinator)
    client.get(url("project-awards", code=cast.project.code))
    # session, user, project, roles, awards with proposals, calls, organisations and sums
    with django_assert_num_queries(5):
        page = client.get(url("project-awards", code=cast.project.code)).content.decode()
    assert page.count(url("award", pk=0).replace("0/", "")) == count
