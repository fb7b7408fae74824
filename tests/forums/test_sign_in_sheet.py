"""The printable sign-in sheet: rendered for real in each language and read back, who may print it,
and what the renderer may load (the project's static files, nothing else)."""

import datetime
import io
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint import HTML

from forums.models import ForumSession
from forums.sign_in_sheet import (
    STATIC_BASE_URL,
    RefusedURL,
    StaticFilesURLFetcher,
    qr_code_svg,
    render_sign_in_sheet,
)
from forums.views.sign_in import session_page_url
from projects.models import Membership
from tests.projects.factories import MembershipFactory, MunicipalityFactory, ProjectFactory, UserFactory

FONTS = Path(settings.BASE_DIR) / "static" / "fonts" / "dejavu"
SESSION_URL = "https://portal.example.org/mk/projects/MK-RESEN-01/sessions/7/"
FEEDBACK_URL = "https://portal.example.org/mk/feedback/abc123/"
COLUMN_HEADERS = [
    "Name and surname",
    "Municipality of residence",
    "Gender",
    "Age band",
    "Signature",
    "I agree to be listed by name",
]
SESSION_TITLES = {
    "mk": "Форум во Ресен",
    "bg": "Обществено обсъждане на бюджета",
    "sq": "Forumi i qytetarëve: çështjet e buxhetit",
    "en": "Citizens' forum on the budget",
}


@pytest.fixture
def resen(db):
    return MunicipalityFactory(name_en="Resen", name_mk="Ресен", name_sq="Resnjë")


@pytest.fixture
def project(resen):
    project = ProjectFactory(
        is_public=False,
        code="MK-RESEN-01",
        title_en="Participatory budgeting in Resen",
        title_mk="Партиципативно буџетирање во Ресен",
        original_language="mk",
    )
    project.target_municipalities.add(resen)
    return project


@pytest.fixture
def session(project, resen):
    return ForumSession.objects.create(
        project=project,
        kind="forum_informational",
        municipality=resen,
        status=ForumSession.Status.PLANNED,
        language="mk",
        date=datetime.date(2025, 3, 4),
        start_time=datetime.time(17, 0),
        venue="Дом на културата",
        **{f"title_{language}": title for language, title in SESSION_TITLES.items()},
    )


def staff_of(project, municipality):
    membership = MembershipFactory(project=project, role=Membership.Role.MUNICIPAL_STAFF)
    membership.municipalities.add(municipality)
    return membership.user


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace made one space (cells wrap their labels)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_fonts(pdf: bytes) -> list[tuple[str, str | None]]:
    """(BaseFont, full name of the embedded TrueType program or None) of every font the pages use."""
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for described in [font, *(f.get_object() for f in font.get("/DescendantFonts", []))]:
                if "/FontDescriptor" not in described:
                    continue
                descriptor = described["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile2")
                name = TTFont(io.BytesIO(program.get_object().get_data()))["name"].getDebugName(4) if program else None
                fonts.append((str(described["/BaseFont"]), name))
    return fonts


# --- The PDF, in each language ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["mk", "bg", "sq", "en"])
def test_sheet_is_in_the_session_language_with_its_particulars(session, language, caplog):
    session.language = language
    session.save()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL)

    assert not caplog.records, "WeasyPrint failed to load a font or stylesheet"
    text = pdf_text(pdf)
    assert "MK-RESEN-01" in text
    assert SESSION_TITLES[language] in text
    with translation.override(language):
        expected = [translation.gettext(msgid) for msgid in ["Sign-in sheet", *COLUMN_HEADERS]]
        expected.append(translation.gettext("Staff: scan after the session to enter the attendance"))
        expected.append(translation.gettext("Names are kept only with consent; the figures use anonymous counts."))
    for label in expected:
        assert label in text


def test_sheet_shows_the_cyrillic_project_title_and_leaves_a_line_for_a_missing_date(session):
    session.date = None
    session.save()

    text = pdf_text(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))

    assert "Партиципативно буџетирање во Ресен" in text
    assert "Форум во Ресен" in text
    assert "____" in text
    with translation.override("mk"):
        assert translation.gettext("unknown") not in text


def test_albanian_letters_survive_in_the_pdf_text(session):
    session.language = "sq"
    session.save()

    text = pdf_text(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))

    assert "qytetarëve" in text
    assert "çështjet" in text


def test_sheet_embeds_only_the_shipped_dejavu_fonts(session):
    fonts = pdf_fonts(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))

    # WeasyPrint names a font after its @font-face family: a font of the machine would not be "Sheet-…".
    assert all("+Sheet-DejaVu-Sans" in base_font for base_font, _name in fonts)
    assert {name for _base_font, name in fonts} == {"DejaVu Sans", "DejaVu Sans Bold"}


def test_sheet_is_one_a4_landscape_page_with_eighteen_numbered_rows(session):
    pdf = render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL)

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (297, 210)
    assert " 18 " in pdf_text(pdf)


def test_qr_code_is_an_inline_svg():
    svg = qr_code_svg(SESSION_URL)

    assert svg.startswith("<svg")
    assert "<path" in svg
    assert "http" not in svg  # the URL is in the modules, not in the markup


def test_qr_code_opens_the_session_page_in_the_session_language(session):
    request = RequestFactory().get("/en/")

    with translation.override("en"):
        url = session_page_url(request, session)

    assert url == f"http://testserver/mk/projects/MK-RESEN-01/sessions/{session.pk}/"


# --- Who may print it ---------------------------------------------------------------------------


def sheet_url(session) -> str:
    return reverse("forums:sign-in-sheet", kwargs={"code": session.project.code, "pk": session.pk})


def test_resen_staff_get_the_pdf_inline_with_the_session_page_in_the_qr_caption(client, session, resen):
    client.force_login(staff_of(session.project, resen))

    response = client.get(sheet_url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="sign-in-sheet-MK-RESEN-01-{session.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")
    printed = "".join(pdf_text(response.content).split())
    assert f"http://testserver/mk/projects/MK-RESEN-01/sessions/{session.pk}/" in printed


def test_coordinator_may_print_a_held_session(client, session):
    session.status = ForumSession.Status.HELD
    session.date = datetime.date(2024, 5, 1)
    session.save()
    client.force_login(MembershipFactory(project=session.project, role=Membership.Role.COORDINATOR).user)

    assert client.get(sheet_url(session)).status_code == 200


def test_staff_of_bitola_cannot_print_a_resen_session(client, session):
    bitola = MunicipalityFactory(name_en="Bitola")
    session.project.target_municipalities.add(bitola)
    client.force_login(staff_of(session.project, bitola))

    assert client.get(sheet_url(session)).status_code == 403


def test_donor_reads_the_project_but_cannot_print_the_sheet(client, session):
    client.force_login(MembershipFactory(project=session.project, role=Membership.Role.DONOR).user)

    assert client.get(sheet_url(session)).status_code == 403


def test_outsider_does_not_learn_the_session_exists(client, session):
    client.force_login(UserFactory())

    assert client.get(sheet_url(session)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, session):
    response = client.get(sheet_url(session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_cancelled_session_has_no_sheet(client, session, resen):
    session.status = ForumSession.Status.CANCELLED
    session.save()
    client.force_login(staff_of(session.project, resen))

    assert client.get(sheet_url(session)).status_code == 404


# --- What the renderer may load -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/x.css",
        "https://example.org/static/fonts/dejavu/DejaVuSans.ttf",
        "http://portal.invalid/static/fonts/dejavu/DejaVuSans.ttf",
        "https://portal.invalid/etc/passwd",
        "https://portal.invalid/static/../../../etc/passwd",
        "https://portal.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://portal.invalid/static//etc/passwd",
        "https://portal.invalid/static/fonts/missing.ttf",
        "data:text/css,body{}",
        "ftp://example.org/x",
    ],
)
def test_fetcher_refuses_anything_but_the_project_static_files(url):
    with pytest.raises(RefusedURL):
        StaticFilesURLFetcher().fetch(url)


def test_fetcher_serves_the_shipped_font_from_disk():
    response = StaticFilesURLFetcher().fetch(f"{STATIC_BASE_URL}fonts/dejavu/DejaVuSans.ttf")

    assert response.read() == (FONTS / "DejaVuSans.ttf").read_bytes()
    response.close()


def test_fetcher_serves_the_stylesheet_as_css():
    response = StaticFilesURLFetcher().fetch(f"{STATIC_BASE_URL}css/sign_in_sheet.css")

    assert response.content_type == "text/css"
    assert b"@font-face" in response.read()
    response.close()


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL the fetcher is asked for, whatever it answers."""
    urls: list[str] = []
    fetch = StaticFilesURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        urls.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticFilesURLFetcher, "fetch", recording_fetch)
    return urls


def test_markup_in_a_session_title_is_printed_as_text_and_loads_nothing(session, fetched):
    title = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.org/x.css">'
    session.title_mk = title
    session.save()

    text = pdf_text(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))

    assert title.replace(" ", "") in text.replace(" ", "")  # printed as text, wherever the cell wraps it
    assert fetched
    assert all(url.startswith(STATIC_BASE_URL) for url in fetched)


def test_renderer_with_the_fetcher_reads_no_file_and_calls_no_network(fetched, caplog):
    html = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.org/x.css"><p>x</p>'

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticFilesURLFetcher()).write_pdf()

    assert set(fetched) == {"file:///etc/passwd", "http://example.org/x.css"}
    assert "RefusedURL" in caplog.text


def test_sheet_carries_the_participants_feedback_link(session):
    text = pdf_text(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))
    assert "/mk/feedback/abc123/" in text.replace("\n", "").replace(" ", "")


def test_the_view_puts_the_sessions_feedback_form_on_the_sheet(client, session, resen):
    client.force_login(staff_of(session.project, resen))
    response = client.get(f"/en/projects/{session.project.code}/sessions/{session.pk}/sign-in-sheet.pdf")
    text = pdf_text(response.content).replace("\n", "").replace(" ", "")
    assert f"/mk/feedback/{session.feedback_token}/" in text


@pytest.mark.parametrize("language", ["mk", "bg", "sq", "en"])
def test_the_key_names_the_initials_printed_in_the_gender_column(session, language):
    session.language = language
    text = pdf_text(render_sign_in_sheet(session, session_url=SESSION_URL, feedback_url=FEEDBACK_URL))
    with translation.override(language):
        key = translation.gettext("Circle one answer. Gender: %(woman)s woman, %(man)s man, – not stated.") % {
            "woman": translation.pgettext("sign-in sheet: initial of 'woman'", "W"),
            "man": translation.pgettext("sign-in sheet: initial of 'man'", "M"),
        }
    assert key.replace(" ", "") in text.replace(" ", "")
