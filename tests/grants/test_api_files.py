"""Files through the grants API: monitoring reports with photos (multipart/form-data), proposal
attachments uploaded and removed by the applicant, both listed with a download URL that checks who
may read them, files refused by their content with nothing stored, and the schema documenting it all.
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from grants.models import MonitoringReport, Proposal, ProposalAttachment, ReportPhoto
from projects.models import Membership
from tests.grants.factories import AwardFactory, CallFactory, ProposalBudgetLineFactory, ProposalFactory
from tests.projects.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def client_for(user=None) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


def image(name: str, fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color=(30, 140, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def renamed_pdf(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test stores its files in a folder of its own, so "nothing stored" can be checked exactly."""
    settings.MEDIA_ROOT = tmp_path


def stored_files(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def downloaded(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


@pytest.fixture
def award(cast, applicant):
    """1 000 awarded to the cast's NGO, whose proposal has a budget line for a gardener."""
    award = AwardFactory(proposal__call__project=cast.project, proposal__organisation=applicant)
    ProposalBudgetLineFactory(proposal=award.proposal, description="Gardener")
    return award


@pytest.fixture
def draft(cast, applicant):
    return ProposalFactory(call=CallFactory(project=cast.project), organisation=applicant)


def report_url(award) -> str:
    return f"/api/v1/awards/{award.pk}/report/"


def attachments_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/attachments/"


# --- Monitoring reports with photos ----------------------------------------------------------------


def test_the_grantee_reports_with_photos_listed_for_download(cast, award):
    line = award.proposal.budget_lines.get()
    response = client_for(cast.ngo_coordinator).post(
        report_url(award),
        {
            "progress": "Beds built.",
            "is_final": "true",
            "spending[0]budget_line": line.pk,
            "spending[0]amount": "250.00",
            "photos": [image("beds.png"), image("seedlings.jpg", "JPEG")],
        },
        format="multipart",
    )

    assert response.status_code == 200, response.data
    [report] = response.data["reports"]
    assert (report["progress"], report["is_final"]) == ("Beds built.", True)
    assert report["spending"] == [{"budget_line": line.pk, "amount": "250.00"}]
    assert [photo["content_type"] for photo in report["photos"]] == ["image/png", "image/jpeg"]
    stored = list(ReportPhoto.objects.order_by("pk"))
    assert [photo["download_url"] for photo in report["photos"]] == [
        f"http://testserver/api/v1/awards/{award.pk}/photos/{photo.pk}/" for photo in stored
    ]

    for user in (cast.ngo_coordinator, cast.coordinator, cast.staff):
        response = client_for(user).get(report["photos"][0]["download_url"])
        assert response["Content-Type"] == "image/png"
        assert downloaded(response).startswith(b"\x89PNG")
    for user in (cast.donor, cast.outsider, cast.other_coordinator):
        assert client_for(user).get(report["photos"][0]["download_url"]).status_code == 404


def test_a_photo_of_another_award_is_not_found_through_this_one(cast, award, applicant):
    other = AwardFactory(proposal__call__project=cast.project, proposal__organisation=applicant)
    client_for(cast.ngo_coordinator).post(
        report_url(other), {"progress": "Other.", "photos": [image("a.png")]}, format="multipart"
    )
    photo = ReportPhoto.objects.get()
    response = client_for(cast.ngo_coordinator).get(f"/api/v1/awards/{award.pk}/photos/{photo.pk}/")
    assert response.status_code == 404


def test_a_pdf_renamed_png_refuses_the_whole_report_and_stores_nothing(cast, award):
    response = client_for(cast.ngo_coordinator).post(
        report_url(award),
        {"progress": "Beds built.", "photos": [image("beds.png"), renamed_pdf()]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Only JPEG or PNG images can be uploaded."]}
    assert not MonitoringReport.objects.exists() and not ReportPhoto.objects.exists()
    assert stored_files("grants/reports") == []


def test_the_refusal_is_translated(cast, award):
    client = client_for(cast.ngo_coordinator)
    client.credentials(HTTP_ACCEPT_LANGUAGE="mk")
    response = client.post(report_url(award), {"progress": "x", "photos": [renamed_pdf()]}, format="multipart")
    assert response.status_code == 400
    assert "JPEG" in response.data["non_field_errors"][0] and "Only" not in response.data["non_field_errors"][0]


def test_a_report_in_json_still_needs_no_photos(cast, award):
    response = client_for(cast.ngo_coordinator).post(report_url(award), {"progress": "Started."}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["reports"][0]["photos"] == []


def test_only_the_grantee_reports_with_photos(cast, award):
    response = client_for(cast.coordinator).post(
        report_url(award), {"progress": "Not mine.", "photos": [image("a.png")]}, format="multipart"
    )
    assert response.status_code == 403
    assert client_for(cast.donor).post(report_url(award), {"progress": "x"}, format="multipart").status_code == 404
    assert not MonitoringReport.objects.exists() and stored_files("grants/reports") == []


# --- Proposal attachments --------------------------------------------------------------------------


def test_the_applicant_uploads_lists_downloads_and_removes_an_attachment(
    cast, draft, django_capture_on_commit_callbacks
):
    client = client_for(cast.ngo_coordinator)
    response = client.post(
        attachments_url(draft),
        {
            "file": SimpleUploadedFile("statute.pdf", MINIMAL_PDF, content_type="application/pdf"),
            "description": "Statute",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    attachment = ProposalAttachment.objects.get()
    assert response.data == {
        "id": attachment.pk,
        "description": "Statute",
        "content_type": "application/pdf",
        "size": len(MINIMAL_PDF),
        "uploaded_at": response.data["uploaded_at"],
        "download_url": f"http://testserver/api/v1/proposals/{draft.pk}/attachments/{attachment.pk}/",
    }
    listed = client.get(f"/api/v1/proposals/{draft.pk}/").data["attachments"]
    assert [row["id"] for row in listed] == [attachment.pk]
    download = client.get(listed[0]["download_url"])
    assert download["Content-Type"] == "application/pdf" and downloaded(download) == MINIMAL_PDF

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(listed[0]["download_url"]).status_code == 204
    assert not ProposalAttachment.objects.exists() and stored_files("grants/proposals") == []
    assert client.get(listed[0]["download_url"]).status_code == 404


def test_a_submitted_proposals_attachments_are_read_by_the_coordinator_but_not_changed(cast, draft):
    client_for(cast.ngo_coordinator).post(attachments_url(draft), {"file": image("quote.png")}, format="multipart")
    Proposal.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, submitted_at=draft.call.opens_at)
    attachment = ProposalAttachment.objects.get()
    download_url = f"/api/v1/proposals/{draft.pk}/attachments/{attachment.pk}/"

    assert downloaded(client_for(cast.coordinator).get(download_url)).startswith(b"\x89PNG")
    assert client_for(cast.coordinator).delete(download_url).status_code == 403
    refused = client_for(cast.ngo_coordinator).post(
        attachments_url(draft), {"file": image("b.png")}, format="multipart"
    )
    assert refused.status_code == 400
    assert "A submitted proposal can no longer be changed." in str(refused.data)
    assert ProposalAttachment.objects.count() == 1


def test_a_file_that_is_no_pdf_or_image_is_refused_and_nothing_stored(cast, draft):
    fake = SimpleUploadedFile("budget.pdf", b"just text, not a PDF", content_type="application/pdf")
    response = client_for(cast.ngo_coordinator).post(attachments_url(draft), {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Only PDF, JPEG or PNG files can be uploaded."]}
    assert not ProposalAttachment.objects.exists() and stored_files("grants/proposals") == []


def test_an_upload_without_a_file_is_refused(cast, draft):
    response = client_for(cast.ngo_coordinator).post(attachments_url(draft), {"description": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.data
    assert not ProposalAttachment.objects.exists()


def test_others_neither_see_nor_touch_a_drafts_attachments(cast, draft):
    client_for(cast.ngo_coordinator).post(attachments_url(draft), {"file": image("a.png")}, format="multipart")
    attachment = ProposalAttachment.objects.get()
    download_url = f"/api/v1/proposals/{draft.pk}/attachments/{attachment.pk}/"
    other_ngo = MembershipFactory(
        project=cast.project, role=Membership.Role.NGO_COORDINATOR, organisation=OrganisationFactory()
    ).user
    for user in (cast.coordinator, cast.donor, cast.outsider, other_ngo):
        client = client_for(user)
        assert client.get(download_url).status_code == 404
        assert client.delete(download_url).status_code == 404
        assert client.post(attachments_url(draft), {"file": image("b.png")}, format="multipart").status_code == 404
    anonymous = client_for().post(attachments_url(draft), {"file": image("b.png")}, format="multipart")
    assert anonymous.status_code == 403
    assert ProposalAttachment.objects.count() == 1


def test_listing_proposals_with_attachments_takes_the_same_queries_for_2_or_6(
    cast, applicant, django_assert_num_queries
):
    call = CallFactory(project=cast.project)
    client = client_for(cast.ngo_coordinator)

    def add(count):
        for _ in range(count):
            proposal = ProposalFactory(call=call, organisation=applicant)
            client.post(attachments_url(proposal), {"file": image("a.png")}, format="multipart")

    add(2)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/api/v1/proposals/").data["count"] == 2
    queries = len(two.captured_queries)
    add(4)
    with django_assert_num_queries(queries):
        assert client.get("/api/v1/proposals/").data["count"] == 6


# --- The schema ------------------------------------------------------------------------------------


def test_the_schema_documents_the_file_endpoints_without_a_warning(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(schema_file))
    schema = schema_file.read_text()
    for path in (
        "/api/v1/awards/{id}/photos/{photo_pk}/:",
        "/api/v1/proposals/{id}/attachments/:",
        "/api/v1/proposals/{id}/attachments/{attachment_pk}/:",
    ):
        assert path in schema
    assert "multipart/form-data" in schema and "format: binary" in schema
