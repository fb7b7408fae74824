"""Grant agreements, their tranches and the grantee's monitoring reports: awarding a selected
proposal, planning and paying tranches within the award, reporting progress, spending and photos,
the coordinator's review, completion, the money figures of calls and projects, and who may do what.

Every refusal is checked against the database afterwards; mails are read from the outbox after the
commit callbacks ran.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from grants import services
from grants.models import (
    Award,
    Call,
    MonitoringReport,
    Proposal,
    ReportedSpending,
    ReportPhoto,
    Tranche,
)
from grants.selectors import CurrencyFigures, calls_figures, project_grant_figures
from tests.grants.factories import (
    ApplicantMembershipFactory,
    AwardFactory,
    CallFactory,
    MonitoringReportFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ReviewFactory,
    TrancheFactory,
    days_from_now,
)
from tests.projects.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
Report = MonitoringReport.Status
JUNE_1 = datetime.date(2024, 6, 1)


@pytest.fixture
def call(cast):
    """A decided EUR call: at most 2 000 a grant."""
    return CallFactory(
        project=cast.project, phase=Call.Phase.DECIDED, opens_at=days_from_now(-60), closes_at=days_from_now(-30)
    )


@pytest.fixture
def selected(call, applicant):
    """The cast NGO's selected proposal asking 1 000, in English so that its applicant is mailed in English."""
    return ProposalFactory(
        call=call, organisation=applicant, status=Status.SELECTED, title="Community garden", language="en"
    )


def dates(**changes) -> dict[str, datetime.date]:
    return {
        "signed_on": datetime.date(2024, 5, 20),
        "starts_on": JUNE_1,
        "ends_on": datetime.date(2025, 5, 31),
        "final_report_due_on": datetime.date(2025, 6, 30),
        **changes,
    }


@pytest.fixture
def award(cast, selected):
    """1 000 awarded, of which a first tranche of 600 is planned: 400 are left to plan."""
    return services.award_create(
        actor=cast.coordinator,
        proposal=selected,
        amount=Decimal("1000.00"),
        tranches=[(datetime.date(2024, 6, 15), Decimal("600.00"))],
        **dates(),
    )


def planned(award: Award) -> list[tuple[int, Decimal, Decimal | None]]:
    return list(Tranche.objects.filter(award=award).values_list("number", "amount", "paid_amount"))


def status_of(proposal: Proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).status


# --- The grant agreement ---------------------------------------------------------------------------


def test_the_coordinator_awards_a_selected_proposal_in_the_calls_currency_with_its_tranches(
    cast, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    denars = CallFactory(
        project=cast.project,
        phase=Call.Phase.DECIDED,
        opens_at=days_from_now(-60),
        closes_at=days_from_now(-30),
        currency="MKD",
        envelope=Decimal("600000.00"),
        max_per_grant=Decimal("120000.00"),
    )
    proposal = ProposalFactory(
        call=denars,
        organisation=applicant,
        status=Status.SELECTED,
        title="Community garden",
        language="en",
        requested_amount=Decimal("90000.00"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        award = services.award_create(
            actor=cast.coordinator,
            proposal=proposal,
            amount=Decimal("85000.50"),
            tranches=[
                (datetime.date(2024, 6, 15), Decimal("40000.00")),
                (datetime.date(2024, 12, 1), Decimal("45000.50")),
            ],
            **dates(),
        )

    stored = Award.objects.get()
    assert stored.pk == award.pk
    assert (stored.proposal, stored.amount, stored.currency, stored.created_by) == (
        proposal,
        Decimal("85000.50"),
        "MKD",
        cast.coordinator,
    )
    assert (stored.signed_on, stored.starts_on, stored.ends_on, stored.final_report_due_on) == tuple(dates().values())
    assert list(Tranche.objects.values_list("number", "planned_on", "amount", "paid_on")) == [
        (1, datetime.date(2024, 6, 15), Decimal("40000.00"), None),
        (2, datetime.date(2024, 12, 1), Decimal("45000.50"), None),
    ]
    assert status_of(proposal) == Status.CONTRACTED
    [mail] = mailoutbox
    assert mail.to == [cast.ngo_coordinator.email]
    assert "The status of your proposal “Community garden” is now: Contracted." in mail.body


def test_the_whole_request_may_be_awarded_in_one_tranche(cast, selected):
    award = services.award_create(
        actor=cast.coordinator,
        proposal=selected,
        amount=Decimal("1000.00"),
        tranches=[(JUNE_1, Decimal("1000.00"))],
        **dates(),
    )

    assert (award.amount, planned(award)) == (Decimal("1000.00"), [(1, Decimal("1000.00"), None)])


BAD_AWARDS = {
    "above the request": ({"amount": Decimal("1000.01")}, "cannot exceed the amount requested"),
    "tranches above the award": (
        {"tranches": [(JUNE_1, Decimal("600.00")), (datetime.date(2024, 9, 1), Decimal("400.01"))]},
        "tranches add up to more than the award",
    ),
    "ends before it starts": ({"ends_on": datetime.date(2024, 5, 31)}, "cannot end before it starts"),
    "nothing awarded": ({"amount": Decimal("0.00")}, None),  # refused by the award_amount_positive constraint
}


@pytest.mark.parametrize("case", BAD_AWARDS)
def test_a_bad_award_is_refused_and_nothing_is_saved(
    cast, selected, case, mailoutbox, django_capture_on_commit_callbacks
):
    changes, message = BAD_AWARDS[case]
    fields = {"amount": Decimal("1000.00"), "tranches": [(JUNE_1, Decimal("500.00"))], **dates()}
    fields.update(changes)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match=message):
        services.award_create(actor=cast.coordinator, proposal=selected, **fields)

    assert not Award.objects.exists()
    assert not Tranche.objects.exists()
    assert status_of(selected) == Status.SELECTED
    assert mailoutbox == []


def test_the_award_cannot_exceed_the_calls_maximum_even_if_more_was_requested(cast, call, applicant):
    greedy = ProposalFactory(
        call=call, organisation=applicant, status=Status.SELECTED, requested_amount=Decimal("2500.00")
    )

    with pytest.raises(ValidationError, match="call's maximum"):
        services.award_create(actor=cast.coordinator, proposal=greedy, amount=Decimal("2000.01"), **dates())

    assert not Award.objects.exists()
    assert status_of(greedy) == Status.SELECTED


@pytest.mark.parametrize(
    "status", [Status.SHORTLISTED, Status.NOT_SELECTED, Status.CONTRACTED, Status.WITHDRAWN, Status.COMPLETED]
)
def test_only_a_selected_proposal_is_awarded(cast, call, applicant, status):
    proposal = ProposalFactory(call=call, organisation=applicant, status=status)

    with pytest.raises(ValidationError, match="Only a selected proposal"):
        services.award_create(actor=cast.coordinator, proposal=proposal, amount=Decimal("1000.00"), **dates())

    assert not Award.objects.exists()
    assert status_of(proposal) == status


def test_a_proposal_is_awarded_only_once(cast, award, selected):
    with pytest.raises(ValidationError, match="Only a selected proposal"):
        services.award_create(actor=cast.coordinator, proposal=selected, amount=Decimal("500.00"), **dates())

    assert list(Award.objects.values_list("amount", flat=True)) == [Decimal("1000.00")]


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator", "outsider"])
def test_only_the_coordinator_awards_a_grant(cast, selected, who):
    with pytest.raises(PermissionDenied):
        services.award_create(actor=getattr(cast, who), proposal=selected, amount=Decimal("1000.00"), **dates())

    assert not Award.objects.exists()
    assert status_of(selected) == Status.SELECTED


# --- Tranches --------------------------------------------------------------------------------------


def test_another_tranche_is_planned_within_what_is_left_of_the_award(cast, award):
    tranche = services.tranche_add(
        actor=cast.coordinator, award=award, planned_on=datetime.date(2024, 12, 1), amount=Decimal("400.00")
    )

    assert (tranche.number, tranche.planned_on) == (2, datetime.date(2024, 12, 1))
    assert planned(award) == [(1, Decimal("600.00"), None), (2, Decimal("400.00"), None)]


@pytest.mark.parametrize(
    ("language", "left"), [("en", "€400.00"), ("mk", "400,00\xa0€")], ids=["English", "Macedonian"]
)
def test_a_tranche_beyond_the_remainder_is_refused_naming_what_is_left_as_money(cast, award, language, left):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        services.tranche_add(actor=cast.coordinator, award=award, planned_on=JUNE_1, amount=Decimal("400.01"))

    [message] = refused.value.messages
    assert left in message
    if language == "en":
        assert message == "Only €400.00 of the award is left to plan."
    assert planned(award) == [(1, Decimal("600.00"), None)]


def test_two_tranches_planned_from_stale_pages_never_exceed_the_award(cast, award):
    first_page = Award.objects.get(pk=award.pk)
    second_page = Award.objects.get(pk=award.pk)
    services.tranche_add(actor=cast.coordinator, award=first_page, planned_on=JUNE_1, amount=Decimal("300.00"))

    with pytest.raises(ValidationError, match=r"Only €100\.00 of the award"):
        services.tranche_add(actor=cast.staff, award=second_page, planned_on=JUNE_1, amount=Decimal("300.00"))

    assert sum(amount for _number, amount, _paid in planned(award)) == Decimal("900.00")
    assert [number for number, _amount, _paid in planned(award)] == [1, 2]


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator", "outsider"])
def test_only_the_coordinator_plans_tranches(cast, award, who):
    with pytest.raises(PermissionDenied):
        services.tranche_add(actor=getattr(cast, who), award=award, planned_on=JUNE_1, amount=Decimal("100.00"))

    assert planned(award) == [(1, Decimal("600.00"), None)]


@pytest.fixture
def tranches(cast, award):
    first = Tranche.objects.get(award=award)
    second = services.tranche_add(actor=cast.coordinator, award=award, planned_on=JUNE_1, amount=Decimal("400.00"))
    return first, second


def test_the_first_payment_starts_the_implementation(cast, award, selected, tranches):
    first, _second = tranches

    services.tranche_pay(
        actor=cast.coordinator, tranche=first, paid_on=datetime.date(2024, 6, 18), paid_amount=Decimal("550.00")
    )

    stored = Tranche.objects.get(pk=first.pk)
    assert (stored.paid_on, stored.paid_amount) == (datetime.date(2024, 6, 18), Decimal("550.00"))
    assert status_of(selected) == Status.IN_IMPLEMENTATION


def test_a_later_payment_keeps_the_grant_in_implementation(cast, award, selected, tranches):
    first, second = tranches
    services.tranche_pay(actor=cast.coordinator, tranche=first, paid_on=JUNE_1, paid_amount=Decimal("600.00"))

    services.tranche_pay(actor=cast.staff, tranche=second, paid_on=JUNE_1, paid_amount=Decimal("400.00"))

    assert planned(award) == [(1, Decimal("600.00"), Decimal("600.00")), (2, Decimal("400.00"), Decimal("400.00"))]
    assert status_of(selected) == Status.IN_IMPLEMENTATION


def test_a_tranche_is_paid_only_once(cast, award, tranches):
    first, _second = tranches
    services.tranche_pay(actor=cast.coordinator, tranche=first, paid_on=JUNE_1, paid_amount=Decimal("500.00"))

    with pytest.raises(ValidationError, match="already been paid"):
        services.tranche_pay(
            actor=cast.coordinator, tranche=first, paid_on=datetime.date(2024, 7, 1), paid_amount=Decimal("100.00")
        )

    stored = Tranche.objects.get(pk=first.pk)
    assert (stored.paid_on, stored.paid_amount) == (JUNE_1, Decimal("500.00"))


@pytest.mark.parametrize("paid", ["0.00", "-1.00", "600.01"])
def test_a_payment_is_more_than_zero_and_at_most_the_tranche(cast, award, selected, tranches, paid):
    first, _second = tranches

    with pytest.raises(ValidationError, match="more than zero and at most"):
        services.tranche_pay(actor=cast.coordinator, tranche=first, paid_on=JUNE_1, paid_amount=Decimal(paid))

    assert planned(award) == [(1, Decimal("600.00"), None), (2, Decimal("400.00"), None)]
    assert status_of(selected) == Status.CONTRACTED


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator", "outsider"])
def test_only_the_coordinator_records_payments(cast, award, selected, tranches, who):
    first, _second = tranches

    with pytest.raises(PermissionDenied):
        services.tranche_pay(actor=getattr(cast, who), tranche=first, paid_on=JUNE_1, paid_amount=Decimal("600.00"))

    assert planned(award)[0] == (1, Decimal("600.00"), None)
    assert status_of(selected) == Status.CONTRACTED


# --- Monitoring reports ----------------------------------------------------------------------------


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color=(30, 140, 60)).save(buffer, format=fmt)
    return buffer.getvalue()


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


@pytest.fixture
def budget(selected):
    """Two of the proposal's budget lines."""
    return (
        ProposalBudgetLineFactory(proposal=selected, description="Seeds and soil"),
        ProposalBudgetLineFactory(proposal=selected, description="Fence"),
    )


def test_the_grantee_reports_progress_spending_per_budget_line_and_photos(cast, award, budget, media):
    seeds, fence = budget
    jpeg, png = image("JPEG"), image("PNG")

    report = services.monitoring_report_submit(
        actor=cast.ngo_coordinator,
        award=award,
        progress="  The beds are built; planting starts in May.  ",
        spending={seeds: Decimal("120.50"), fence: Decimal("80.00")},
        photos=[
            SimpleUploadedFile("beds.jpg", jpeg, content_type="application/octet-stream"),
            SimpleUploadedFile("fence.png", png, content_type="application/octet-stream"),
        ],
        is_final=True,
    )

    stored = MonitoringReport.objects.get()
    assert stored.pk == report.pk
    assert (stored.award, stored.progress, stored.status, stored.is_final, stored.submitted_by) == (
        award,
        "The beds are built; planting starts in May.",
        Report.SUBMITTED,
        True,
        cast.ngo_coordinator,
    )
    assert sorted(ReportedSpending.objects.values_list("budget_line__description", "amount")) == [
        ("Fence", Decimal("80.00")),
        ("Seeds and soil", Decimal("120.50")),
    ]
    photos = list(ReportPhoto.objects.filter(report=stored).order_by("pk"))
    assert [photo.content_type for photo in photos] == ["image/jpeg", "image/png"]
    contents = []
    for photo in photos:
        with photo.file.open("rb") as kept:
            contents.append(kept.read())
    assert contents == [jpeg, png]
    assert all(str(media) in photo.file.path for photo in photos)


def nothing_reported(media) -> bool:
    return (
        not MonitoringReport.objects.exists()
        and not ReportedSpending.objects.exists()
        and not ReportPhoto.objects.exists()
        and stored_files(media) == []
    )


BAD_PHOTOS = {
    "a PDF": [SimpleUploadedFile("report.pdf", MINIMAL_PDF)],
    "a PDF after a good photo": [
        SimpleUploadedFile("beds.png", image("PNG")),
        SimpleUploadedFile("scan.jpg", MINIMAL_PDF),
    ],
    "a text file named like a photo": [SimpleUploadedFile("beds.jpg", b"Not a photo, just a typed note.\n" * 10)],
}


@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_photos_are_jpeg_or_png_by_their_content_and_nothing_is_stored_otherwise(cast, award, budget, media, case):
    seeds, _fence = budget

    with pytest.raises(ValidationError):
        services.monitoring_report_submit(
            actor=cast.ngo_coordinator,
            award=award,
            progress="Planted.",
            spending={seeds: Decimal("10.00")},
            photos=BAD_PHOTOS[case],
        )

    assert nothing_reported(media)


def test_spending_is_reported_only_on_the_proposals_own_budget_lines(cast, call, award, budget, media):
    seeds, _fence = budget
    another_proposals = ProposalBudgetLineFactory(proposal=ProposalFactory(call=call, status=Status.SELECTED))

    with pytest.raises(ValidationError, match="own budget lines"):
        services.monitoring_report_submit(
            actor=cast.ngo_coordinator,
            award=award,
            progress="Planted.",
            spending={seeds: Decimal("10.00"), another_proposals: Decimal("5.00")},
        )

    assert nothing_reported(media)


def test_negative_spending_is_refused(cast, award, budget, media):
    seeds, _fence = budget

    with pytest.raises(ValidationError, match="cannot be negative"):
        services.monitoring_report_submit(
            actor=cast.ngo_coordinator, award=award, progress="Planted.", spending={seeds: Decimal("-0.01")}
        )

    assert nothing_reported(media)


@pytest.mark.parametrize("progress", ["", "  \n "], ids=["empty", "blank"])
def test_a_report_without_progress_is_refused(cast, award, budget, media, progress):
    seeds, _fence = budget

    with pytest.raises(ValidationError) as refused:
        services.monitoring_report_submit(
            actor=cast.ngo_coordinator,
            award=award,
            progress=progress,
            spending={seeds: Decimal("10.00")},
            photos=[SimpleUploadedFile("beds.png", image("PNG"))],
        )

    assert "progress" in refused.value.message_dict
    assert nothing_reported(media)


@pytest.fixture
def other_ngo(cast):
    """The NGO coordinator of another organisation in the same project."""
    return ApplicantMembershipFactory(project=cast.project).user


@pytest.fixture
def reviewer(cast, selected):
    """An outside expert who reviewed the awarded proposal."""
    return ReviewFactory(proposal=selected, reviewer=UserFactory(), submitted=True).reviewer


@pytest.mark.parametrize(
    "who", ["other_ngo", "reviewer", "coordinator", "staff", "donor", "municipal_staff", "other_coordinator"]
)
def test_only_the_grantee_reports_on_the_award(cast, award, budget, media, other_ngo, reviewer, who):
    seeds, _fence = budget
    actor = {"other_ngo": other_ngo, "reviewer": reviewer}.get(who) or getattr(cast, who)

    with pytest.raises(PermissionDenied):
        services.monitoring_report_submit(
            actor=actor,
            award=award,
            progress="Planted.",
            spending={seeds: Decimal("10.00")},
            photos=[SimpleUploadedFile("beds.png", image("PNG"))],
        )

    assert nothing_reported(media)


# --- The coordinator's review of a report ----------------------------------------------------------


@pytest.fixture
def report(award):
    return MonitoringReportFactory(award=award)


def reviewed(report: MonitoringReport) -> tuple:
    row = MonitoringReport.objects.get(pk=report.pk)
    return (row.status, row.reviewed_by, row.coordinator_comment)


def test_the_coordinator_approves_a_report(cast, report):
    services.monitoring_report_review(actor=cast.coordinator, report=report, approve=True, comment="  Thank you.  ")

    assert reviewed(report) == (Report.APPROVED, cast.coordinator, "Thank you.")


def test_the_coordinator_returns_a_report_saying_what_to_change(cast, report):
    services.monitoring_report_review(
        actor=cast.coordinator, report=report, approve=False, comment="Add the invoices for the fence."
    )

    assert reviewed(report) == (Report.RETURNED, cast.coordinator, "Add the invoices for the fence.")


@pytest.mark.parametrize("comment", ["", "   "], ids=["empty", "blank"])
def test_a_report_is_not_returned_without_a_comment(cast, report, comment):
    with pytest.raises(ValidationError) as refused:
        services.monitoring_report_review(actor=cast.coordinator, report=report, approve=False, comment=comment)

    assert "coordinator_comment" in refused.value.message_dict
    assert reviewed(report) == (Report.SUBMITTED, None, "")


@pytest.mark.parametrize("first", [True, False], ids=["approved", "returned"])
def test_a_report_is_reviewed_only_once(cast, report, first):
    services.monitoring_report_review(actor=cast.coordinator, report=report, approve=first, comment="Checked.")
    before = reviewed(report)

    with pytest.raises(ValidationError, match="already been reviewed"):
        services.monitoring_report_review(actor=cast.staff, report=report, approve=not first, comment="Changed.")

    assert reviewed(report) == before


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator"])
def test_the_grantee_and_others_cannot_approve_a_report(cast, report, who):
    with pytest.raises(PermissionDenied):
        services.monitoring_report_review(actor=getattr(cast, who), report=report, approve=True)

    assert reviewed(report) == (Report.SUBMITTED, None, "")


# --- Completion ------------------------------------------------------------------------------------


def test_an_approved_final_report_completes_the_grant_and_the_grantee_is_mailed(
    cast, award, selected, mailoutbox, django_capture_on_commit_callbacks
):
    Proposal.objects.filter(pk=selected.pk).update(status=Status.IN_IMPLEMENTATION)
    MonitoringReportFactory(award=award, status=Report.APPROVED)
    MonitoringReportFactory(award=award, is_final=True, status=Report.APPROVED)

    with django_capture_on_commit_callbacks(execute=True):
        services.award_complete(actor=cast.coordinator, award=award)

    assert status_of(selected) == Status.COMPLETED
    [mail] = mailoutbox
    assert mail.to == [cast.ngo_coordinator.email]
    assert "The status of your proposal “Community garden” is now: Completed." in mail.body


REPORTS_WITHOUT_APPROVED_FINAL = {
    "no report": [],
    "an approved interim report": [(False, Report.APPROVED)],
    "a final report waiting for review": [(False, Report.APPROVED), (True, Report.SUBMITTED)],
    "a returned final report": [(True, Report.RETURNED)],
}


@pytest.mark.parametrize("case", REPORTS_WITHOUT_APPROVED_FINAL)
def test_a_grant_is_not_completed_without_an_approved_final_report(
    cast, award, selected, case, mailoutbox, django_capture_on_commit_callbacks
):
    Proposal.objects.filter(pk=selected.pk).update(status=Status.IN_IMPLEMENTATION)
    for is_final, status in REPORTS_WITHOUT_APPROVED_FINAL[case]:
        MonitoringReportFactory(award=award, is_final=is_final, status=status)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="final report"):
        services.award_complete(actor=cast.coordinator, award=award)

    assert status_of(selected) == Status.IN_IMPLEMENTATION
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "other_coordinator"])
def test_only_the_coordinator_completes_a_grant(cast, award, selected, who):
    Proposal.objects.filter(pk=selected.pk).update(status=Status.IN_IMPLEMENTATION)
    MonitoringReportFactory(award=award, is_final=True, status=Report.APPROVED)

    with pytest.raises(PermissionDenied):
        services.award_complete(actor=getattr(cast, who), award=award)

    assert status_of(selected) == Status.IN_IMPLEMENTATION


def test_completing_a_grant_twice_mails_the_grantee_once(
    cast, award, selected, mailoutbox, django_capture_on_commit_callbacks
):
    Proposal.objects.filter(pk=selected.pk).update(status=Status.IN_IMPLEMENTATION)
    MonitoringReportFactory(award=award, is_final=True, status=Report.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        services.award_complete(actor=cast.coordinator, award=award)

    with django_capture_on_commit_callbacks(execute=True):
        services.award_complete(actor=cast.coordinator, award=award)

    assert status_of(selected) == Status.COMPLETED
    assert len(mailoutbox) == 1


def test_the_whole_grant_from_award_to_completion(cast, selected, budget, media):
    award = services.award_create(
        actor=cast.coordinator,
        proposal=selected,
        amount=Decimal("900.00"),
        tranches=[(JUNE_1, Decimal("500.00"))],
        **dates(),
    )
    second = services.tranche_add(actor=cast.coordinator, award=award, planned_on=JUNE_1, amount=Decimal("400.00"))
    services.tranche_pay(
        actor=cast.coordinator, tranche=award.tranches.first(), paid_on=JUNE_1, paid_amount=Decimal("500.00")
    )
    report = services.monitoring_report_submit(
        actor=cast.ngo_coordinator,
        award=award,
        progress="Finished.",
        spending={budget[0]: Decimal("900.00")},
        is_final=True,
    )
    services.monitoring_report_review(actor=cast.coordinator, report=report, approve=True)
    services.tranche_pay(actor=cast.coordinator, tranche=second, paid_on=JUNE_1, paid_amount=Decimal("400.00"))

    services.award_complete(actor=cast.coordinator, award=award)

    assert status_of(selected) == Status.COMPLETED
    [figures] = calls_figures(Call.objects.filter(pk=selected.call_id))
    assert (figures.awarded, figures.awards, figures.paid) == (Decimal("900.00"), 1, Decimal("900.00"))


# --- Figures ---------------------------------------------------------------------------------------


def awarded(call: Call, amount: str, *tranches: tuple[str, str | None]) -> Award:
    """An award of ``amount`` with tranches of (planned, paid or None)."""
    award = AwardFactory(
        proposal=ProposalFactory(call=call, status=Status.IN_IMPLEMENTATION, requested_amount=Decimal(amount)),
        amount=Decimal(amount),
    )
    for planned_amount, paid in tranches:
        TrancheFactory(
            award=award,
            amount=Decimal(planned_amount),
            paid_on=JUNE_1 if paid else None,
            paid_amount=Decimal(paid) if paid else None,
        )
    return award


def figures_of(call: Call):
    [figures] = calls_figures(Call.objects.filter(pk=call.pk))
    return figures


def test_a_calls_figures_add_up_its_awards_and_what_was_paid(cast, call):
    awarded(call, "1000.00", ("400.00", "400.00"), ("300.00", "300.00"), ("300.00", None))
    awarded(call, "1000.01", ("500.00", "450.00"))
    ProposalFactory(call=call, status=Status.SELECTED)  # selected, not contracted yet
    awarded(CallFactory(project=cast.project), "1500.00", ("1500.00", "1500.00"))

    figures = figures_of(call)

    assert (figures.awarded, figures.awards, figures.paid) == (Decimal("2000.01"), 2, Decimal("1150.00"))
    # 2 000.01 / 2 = 1 000.005: half up gives 1 000.01 where banker's rounding would give 1 000.00.
    assert figures.average_grant == Decimal("1000.01")


def test_an_award_with_three_tranches_is_counted_once(call):
    awarded(call, "1000.00", ("300.00", "300.00"), ("300.00", "250.00"), ("400.00", "400.00"))

    figures = figures_of(call)

    assert (figures.awarded, figures.awards, figures.paid, figures.average_grant) == (
        Decimal("1000.00"),
        1,
        Decimal("950.00"),
        Decimal("1000.00"),
    )
    assert (figures.submitted, figures.selected, figures.requested) == (1, 1, Decimal("1000.00"))


def test_a_call_without_awards_has_no_average_grant(call):
    ProposalFactory(call=call, status=Status.SELECTED)

    figures = figures_of(call)

    assert (figures.awarded, figures.awards, figures.paid, figures.average_grant) == (Decimal(0), 0, Decimal(0), None)


@pytest.mark.parametrize("calls", [2, 5])
def test_calls_figures_with_awards_and_tranches_take_one_query(cast, django_assert_num_queries, calls):
    for _n in range(calls):
        call = CallFactory(project=cast.project)
        awarded(call, "1000.00", ("500.00", "500.00"), ("300.00", "300.00"), ("200.00", None))
        awarded(call, "800.00", ("800.00", "700.00"))
        ProposalFactory(call=call, status=Status.SUBMITTED)

    with django_assert_num_queries(1):
        rows = [
            (f.currency, f.submitted, f.selected, f.awarded, f.awards, f.paid, f.average_grant)
            for f in calls_figures(Call.objects.filter(project=cast.project))
        ]

    assert rows == [("EUR", 3, 2, Decimal("1800.00"), 2, Decimal("1500.00"), Decimal("900.00"))] * calls


def test_project_figures_add_up_awarded_and_paid_per_currency(cast, django_assert_num_queries):
    first, second = CallFactory(project=cast.project), CallFactory(project=cast.project)
    denars = CallFactory(
        project=cast.project, currency="MKD", envelope=Decimal("600000.00"), max_per_grant=Decimal("120000.00")
    )
    awarded(first, "1000.00", ("600.00", "600.00"), ("400.00", None))
    awarded(second, "1500.50", ("1000.00", "900.25"), ("500.50", "500.50"))
    awarded(denars, "90000.00", ("45000.00", "45000.00"), ("45000.00", None))
    awarded(CallFactory(project=cast.other_project), "2000.00", ("2000.00", "2000.00"))

    with django_assert_num_queries(1):
        rows = project_grant_figures(cast.project)

    assert rows == [
        CurrencyFigures(
            currency="EUR",
            calls=2,
            submitted=2,
            selected=2,
            requested=Decimal("2500.50"),
            awarded=Decimal("2500.50"),
            paid=Decimal("2000.75"),
        ),
        CurrencyFigures(
            currency="MKD",
            calls=1,
            submitted=1,
            selected=1,
            requested=Decimal("90000.00"),
            awarded=Decimal("90000.00"),
            paid=Decimal("45000.00"),
        ),
    ]


# --- Who may do what with an award: the matrix -----------------------------------------------------

AWARD_PERMISSIONS = ["grants.manage_award", "grants.report_on_award", "grants.view_award"]

ALLOWED = {
    "anonymous": set(),
    "outsider": set(),
    "other_coordinator": set(),
    "donor": set(),
    "municipal_staff": set(),
    "reviewer": set(),
    "other_ngo": set(),
    "ngo_coordinator": {"grants.report_on_award", "grants.view_award"},
    "coordinator": {"grants.manage_award", "grants.view_award"},
    "staff": {"grants.manage_award", "grants.view_award"},
}


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("permission", AWARD_PERMISSIONS)
def test_award_permission_matrix(cast, award, other_ngo, reviewer, who, permission):
    user = {**cast.users(), "other_ngo": other_ngo, "reviewer": reviewer}[who]

    assert user.has_perm(permission, award) is (permission in ALLOWED[who])
