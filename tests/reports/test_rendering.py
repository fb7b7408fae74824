"""The PDFs themselves: every seed rendered for real in mk, bg, sq and en and read back, their fonts,
tagging and metadata, and what the renderer may load (the project's static files, nothing else).

Expected figures come from the seed documents (``../shared/seeds/``) or the rows a test creates;
labels are the catalogs' translations of the template's msgids, so the tests hold in every language.
"""

import datetime
import io
import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from forums.models import Feedback, Kind, Qualifier
from forums.sign_in_sheet import STATIC_BASE_URL, StaticFilesURLFetcher
from grants.models import Proposal
from projects.models import Project
from reports.figures import data_fingerprint, report_figures
from reports.rendering import css_string, html_to_pdf, page_footer_content, render_report, report_html
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    VulnerableGroupFactory,
)
from tests.grants.factories import AwardFactory, CallFactory, ProposalFactory, TrancheFactory
from tests.projects.factories import (
    BudgetLineFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    MunicipalityFactory,
    ProjectFactory,
)

# Every test reads the database, if only through the seeds rendered once below: marked so, pytest-django
# runs them before the transactional tests, whose flush empties the exchange rates the migrations add.
pytestmark = pytest.mark.django_db

SEED_DATA = Path(settings.BASE_DIR) / "projects" / "seed_data"
SEEDS = {seed["code"]: seed for seed in (json.loads(path.read_text()) for path in sorted(SEED_DATA.glob("*.json")))}
RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
SLIVEN = "BG05SFOP001-2.025-0025-C01"
HASKOVO = "BG05SFOP001-2.025-0163-C01"
LANGUAGES = ["mk", "bg", "sq", "en"]
SUMMARY, FINAL = "executive_summary", "final_report"
KIND_LABELS = {SUMMARY: "Executive summary", FINAL: "Final report"}
FONTS = Path(settings.BASE_DIR) / "static" / "fonts" / "dejavu"


# --- Rendering the seeds once -------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    fingerprint: str  # what the request service stores for the same data
    seconds: float
    warnings: list[str]  # what WeasyPrint logged: a missing font, a refused resource, a PDF/UA error

    @cached_property
    def text(self) -> str:
        return pdf_text(self.pdf)


@pytest.fixture(scope="module")
def seed_reports(django_db_setup, django_db_blocker) -> dict[tuple[str, str, str], Rendered]:
    """Every seed's executive summary and final report in every language, rendered once for the module.

    The seeds are loaded in a transaction that is rolled back: no other test sees them. Render times
    are printed (``pytest -s``) for the record; the benchmark script measures them properly.
    """
    rendered = {}
    logged = WarningsKept()
    logging.getLogger("weasyprint").addHandler(logged)
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_seed_projects", verbosity=0)
        for project in Project.objects.filter(code__in=SEEDS):
            for kind in (SUMMARY, FINAL):
                for language in LANGUAGES:
                    logged.messages = []
                    started = time.perf_counter()
                    pdf = render_report(project, kind, language).pdf
                    seconds = time.perf_counter() - started
                    fingerprint = data_fingerprint(project, kind, language)
                    rendered[project.code, kind, language] = Rendered(pdf, fingerprint, seconds, logged.messages)
        transaction.set_rollback(True)
    logging.getLogger("weasyprint").removeHandler(logged)
    for (code, kind, language), report in sorted(rendered.items()):
        pages = len(PdfReader(io.BytesIO(report.pdf)).pages)
        print(f"{code:28} {kind:18} {language}  {report.seconds:.2f} s  {pages} p")
    return rendered


class WarningsKept(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (no-break spaces too) made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def translated(language: str, msgid: str, context: str | None = None, **params) -> str:
    with translation.override(language):
        text = pgettext(context, msgid) if context else gettext(msgid)
    return text % params if params else text


def untranslated_note(language: str, original: str) -> str:
    with translation.override(language):
        name = translation.get_language_info(original)["name_translated"]
        return gettext("Not translated; original in %(language)s.") % {"language": name}


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font dictionary the pages use, descendant fonts included."""
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts += [font, *(descendant.get_object() for descendant in font.get("/DescendantFonts", []))]
    return fonts


def alternate_texts(pdf: bytes) -> list[str]:
    """The /Alt texts of the structure tree (figures' text alternatives)."""
    found, seen = [], set()

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, dict):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            for key, value in node.items():
                if key not in ("/P", "/Pg", "/Parent"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


ALL_REPORTS = [(code, kind, language) for code in SEEDS for kind in (SUMMARY, FINAL) for language in LANGUAGES]


# --- Every seed, every language -----------------------------------------------------------------


@pytest.mark.parametrize(("code", "language"), [(code, language) for code in SEEDS for language in LANGUAGES])
def test_summary_is_a_tagged_pdf_titled_in_its_language_on_one_to_three_pages(seed_reports, code, language):
    report = seed_reports[code, SUMMARY, language]
    reader = PdfReader(io.BytesIO(report.pdf))
    root = reader.trailer["/Root"]

    assert 1 <= len(reader.pages) <= 3
    label = translated(language, KIND_LABELS[SUMMARY])
    assert reader.metadata.title == f"{label}: {SEEDS[code]['title'][language]}"
    assert root["/Lang"] == language
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    text = report.text
    assert code in text
    assert SEEDS[code]["title"][language] in text
    for msgid in ("General goal", "Target groups and area", "Activities", "Period", "Budget and funding"):
        assert translated(language, msgid) in text
    pages = len(reader.pages)
    assert translated(language, "Page %(number)s of %(total)s", number=pages, total=pages) in text
    assert report.fingerprint in text


@pytest.mark.parametrize(("code", "language"), [(code, language) for code in SEEDS for language in LANGUAGES])
def test_final_report_has_the_sessions_grants_budget_feedback_and_annex(seed_reports, code, language):
    report = seed_reports[code, FINAL, language]

    text = report.text
    assert SEEDS[code]["title"][language] in text
    for msgid in (
        "Forum sessions",
        "Trainings",
        "Public events",
        "Who took part",
        "Calls for proposals",
        "Budget lines: planned and spent",
        "Participants' feedback",
        "Totals published for several sessions together",
    ):
        assert translated(language, msgid) in text
    assert report.fingerprint in text
    assert PdfReader(io.BytesIO(report.pdf)).trailer["/Root"]["/Lang"] == language


def test_every_seed_report_renders_without_a_warning(seed_reports):
    assert {key: report.warnings for key, report in seed_reports.items() if report.warnings} == {}


@pytest.mark.parametrize(("code", "kind", "language"), ALL_REPORTS)
def test_only_the_shipped_dejavu_fonts_are_used_and_all_are_embedded(seed_reports, code, kind, language):
    fonts = fonts_of(seed_reports[code, kind, language].pdf)

    assert fonts
    assert not [font for font in fonts if font["/Subtype"] in ("/Type1", "/Type3", "/MMType1")]
    described = [font for font in fonts if "/FontDescriptor" in font]
    assert described
    for font in described:
        # WeasyPrint names a font after its @font-face family: a font of the machine would not be "Report-…".
        assert "+Report-DejaVu-Sans" in str(font["/BaseFont"])
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


@pytest.fixture(scope="module")
def dejavu_characters() -> set[str]:
    covered = set()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        covered |= {chr(code) for code in TTFont(FONTS / name).getBestCmap()}
    return covered


@pytest.mark.parametrize(("code", "kind", "language"), ALL_REPORTS)
def test_every_printed_character_has_a_glyph_in_the_shipped_fonts(
    seed_reports, dejavu_characters, code, kind, language
):
    text = seed_reports[code, kind, language].text

    assert not set(text.replace(" ", "")) - dejavu_characters


def test_cyrillic_and_albanian_letters_are_printed_and_read_back(seed_reports):
    macedonian = seed_reports[RESEN_BITOLA, SUMMARY, "mk"].text
    albanian = seed_reports[RESEN_BITOLA, FINAL, "sq"].text + seed_reports[HASKOVO, SUMMARY, "sq"].text

    assert "граѓаните" in macedonian  # ѓ is Macedonian only
    assert "Qëllimi" in albanian or "qëllim" in albanian.lower()
    assert "ë" in albanian
    assert "ç" in albanian


# --- The seed documents' figures, as each language writes them ---------------------------------


def test_resen_bitola_in_macedonian_prints_the_figures_of_its_executive_summary(seed_reports):
    text = seed_reports[RESEN_BITOLA, SUMMARY, "mk"].text

    # 16 forum sessions with 1391 participants: 735 in Resen over 8 sessions (91,875 → 91,88 half up)
    # and 656 in Bitola over 8 (82), written as the seed document writes them.
    forum_sessions = translated("mk", "Forum sessions")
    assert f"{forum_sessions} 16 1391 86,94" in text
    assert "Ресен 8 735 91,88" in text
    assert "Битола 8 656 82\n" in text or "Битола 8 656 82 " in text
    assert "21 октомври 2008 – 30 ноември 2010" in text
    assert "21.975.155,00 ден." in text
    # The trainings' attendance was never published: the total of every gathering is a lower bound.
    assert translated("mk", "at least %(number)s", number="1391") in text
    assert f"{translated('mk', 'Trainings')} 3 {translated('mk', 'unknown')}" in text
    assert "Македонски центар за меѓународна соработка (MCMS)" in text
    assert "Швајцарска агенција за развој и соработка (SDC)" in text


def test_haskovo_in_bulgarian_prints_its_budget_and_the_funders_shares(seed_reports):
    text = seed_reports[HASKOVO, SUMMARY, "bg"].text

    # "Обща стойност 52 405.20 лева, от които 44 544,42 лева европейско финансиране и 7 860,78 лева
    # национално": 85 % and 15 % of the total, in euro at the peg of 1,95583.
    assert "52 405,20 лв." in text
    assert "44 544,42 лв. 85 %" in text
    assert "7 860,78 лв. 15 %" in text
    assert "26 794,35 €" in text
    assert "1 EUR = 1,95583 BGN" in text
    assert "24 август 2022 – 31 декември 2023" in text
    assert translated("bg", "Funder not named") in text


def test_resen_bitola_in_english_prints_the_figures_in_english_notation(seed_reports):
    text = seed_reports[RESEN_BITOLA, SUMMARY, "en"].text

    assert "Forum sessions 16 1391 86.94" in text
    assert "Resen 8 735 91.88" in text
    assert "Bitola 8 656 82" in text
    assert "MKD21,975,155.00" in text
    assert "Participants in all sessions at least 1391" in text


def test_haskovo_in_albanian_prints_its_budget_and_dates(seed_reports):
    text = seed_reports[HASKOVO, SUMMARY, "sq"].text

    assert "52 405,20 BGN" in text
    assert "44 544,42 BGN 85 %" in text
    assert "7 860,78 BGN 15 %" in text
    assert "24 gusht 2022 – 31 dhjetor 2023" in text


def test_sliven_events_print_as_a_lower_bound_in_every_language(seed_reports):
    for language in LANGUAGES:
        text = seed_reports[SLIVEN, SUMMARY, language].text
        at_least = translated(language, "at least %(number)s", number=125)
        assert f"{translated(language, 'Public events')} 6 {at_least}" in text


def test_texts_without_a_translation_are_printed_in_the_original_with_a_note(seed_reports):
    # Resen–Bitola's results and activities are published in Macedonian and English only.
    for language in ("bg", "sq"):
        text = seed_reports[RESEN_BITOLA, SUMMARY, language].text
        assert "Спроведени проекти избрани на форумите." in text
        assert untranslated_note(language, "mk") in text
    assert untranslated_note("en", "mk") not in seed_reports[RESEN_BITOLA, SUMMARY, "en"].text


def test_final_report_lists_each_forum_session_and_the_published_totals(seed_reports):
    for language in LANGUAGES:
        text = seed_reports[RESEN_BITOLA, FINAL, language].text
        with translation.override(language):
            eighth = gettext("session no. %(number)s of the forum") % {"number": 8}
            over_eight = ngettext("over %(counter)s session", "over %(counter)s sessions", 8) % {"counter": 8}
        # Each municipality's forum had eight sessions; its attendance is published as one total.
        assert text.count(eighth) == 2
        assert f"735 {over_eight}" in text
        assert f"656 {over_eight}" in text


def test_the_participation_chart_has_a_text_alternative_with_its_figures(seed_reports):
    alternatives = alternate_texts(seed_reports[RESEN_BITOLA, SUMMARY, "en"].pdf)

    [chart] = [alt for alt in alternatives if "Participants per municipality" in alt]
    assert "Bitola 656" in chart
    assert "Resen 735" in chart


# --- Unknown, at least, about -------------------------------------------------------------------


def test_unknown_lower_bound_and_approximate_figures_print_as_such():
    project = ProjectFactory(original_language="mk", title_mk="Форуми", title_en="Forums")
    resen, bitola, ohrid = (
        MunicipalityFactory(name_en=en, name_mk=mk)
        for en, mk in [("Resen", "Ресен"), ("Bitola", "Битола"), ("Ohrid", "Охрид")]
    )
    AttendanceFactory(
        session=ForumSessionFactory(project=project, municipality=resen),
        participants=40,
        participants_qualifier=Qualifier.APPROXIMATE,
    )
    ForumSessionFactory(project=project, municipality=bitola)  # held, nobody counted
    AttendanceFactory(session=ForumSessionFactory(project=project, municipality=ohrid), participants=30)
    ForumSessionFactory(project=project, municipality=ohrid, date=datetime.date(2024, 6, 2))

    text = pdf_text(render_report(project, SUMMARY, "mk").pdf)

    assert f"Ресен 1 {translated('mk', 'about %(number)s', number=40)}" in text
    assert f"Битола 1 {translated('mk', 'unknown')}" in text
    assert f"Охрид 2 {translated('mk', 'at least %(number)s', number=30)}" in text


# --- The final report's longer parts ------------------------------------------------------------


@pytest.fixture
def busy_project():
    """A Macedonian project of 2024 with counted sessions, a budget in denars, a grant call and feedback."""
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1), units_per_eur=Decimal("61.5"))
    project = ProjectFactory(original_language="mk", title_en="Budget forums", title_mk="Буџетски форуми")
    resen = MunicipalityFactory(name_en="Resen", name_mk="Ресен")
    counted = ForumSessionFactory(project=project, municipality=resen, kind=Kind.FORUM_WORKING)
    AttendanceFactory(session=counted, participants=40, women=25, men=15, age_18_29=10)
    GroupCountFactory(attendance=counted.attendance, group=VulnerableGroupFactory(name_mk="Роми"), count=6)
    AttendanceFactory(
        session=ForumSessionFactory(project=project, municipality=None, kind=Kind.TRAINING),
        participants=12,
        participants_qualifier=Qualifier.APPROXIMATE,
    )
    events = BudgetLineFactory(project=project, description_mk="Форуми", amount=Decimal("61500.00"), currency="MKD")
    ExpenditureFactory(budget_line=events, amount=Decimal("18450.00"))
    call = CallFactory(project=project, title_mk="Мали грантови 2024", closed=True)
    award = AwardFactory(proposal=ProposalFactory(call=call, status=Proposal.Status.CONTRACTED, title="Парк"))
    TrancheFactory(award=award, amount=Decimal("600.00"), paid=True)
    ProposalFactory(call=call, status=Proposal.Status.NOT_SELECTED)
    for number, (satisfaction, useful) in enumerate([(4, True), (5, False), (5, None)]):
        Feedback.objects.create(
            session=counted, satisfaction=satisfaction, was_useful=useful, language="mk", device_hash=f"d{number}"
        )
    return project


def test_final_report_prints_attendance_budget_lines_grants_and_feedback(busy_project):
    text = pdf_text(render_report(busy_project, FINAL, "mk").pdf)

    # The counted session: 25 women and 15 men of 40, so 62,5 % and 37,5 % of those who recorded gender.
    assert f"{translated('mk', 'Participants')}: 40" in text
    assert "жени 25, мажи 15" in text
    assert "Роми 6" in text
    assert "62,5 %" in text and "37,5 %" in text
    assert translated("mk", "about %(number)s", number=12) in text
    # 61 500 denars planned, 18 450 spent (30 %), 43 050 left; at 61,5 denars per euro: 1 000 and 300 €.
    assert "61.500,00 ден. – 1.000,00 € (1 EUR = 61,5 MKD, 01 јануари 2024)" in text
    assert "18.450,00 ден. (30 %) – 300,00 €" in text
    assert "43.050,00 ден." in text
    # The call: two submitted, the contracted one selected (50 %), 1 000 € awarded and 600 € paid.
    assert "Мали грантови 2024" in text
    assert f"{translated('mk', 'Selected', context='proposal status')}: 1 (50 %)" in text
    assert "Парк" in text
    assert "1.000,00 €" in text and "600,00 €" in text
    # Feedback: (4 + 5 + 5) / 3 = 4,67; one of the two who answered found it useful.
    assert f"{translated('mk', 'Responses')}: 3" in text
    assert "4,67" in text
    assert "50 %" in text


# --- What the renderer may load -----------------------------------------------------------------


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL the renderer asks for, whatever the fetcher answers."""
    urls: list[str] = []
    fetch = StaticFilesURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        urls.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticFilesURLFetcher, "fetch", recording_fetch)
    return urls


def test_report_loads_only_its_stylesheet_and_the_shipped_fonts(fetched):
    project = ProjectFactory(title_en="Forums")

    render_report(project, SUMMARY, "en")

    assert set(fetched) == {
        f"{STATIC_BASE_URL}reports/report.css",
        f"{STATIC_BASE_URL}fonts/dejavu/DejaVuSans.ttf",
        f"{STATIC_BASE_URL}fonts/dejavu/DejaVuSans-Bold.ttf",
    }


def test_fetcher_serves_the_report_stylesheet_from_the_static_files():
    response = StaticFilesURLFetcher().fetch(f"{STATIC_BASE_URL}reports/report.css")

    assert response.content_type == "text/css"
    assert b'font-family: "Report DejaVu Sans"' in response.read()
    response.close()


def test_markup_in_a_project_text_is_printed_as_text_and_fetches_nothing(fetched):
    markup = '<img src="file:///etc/passwd"><img src="https://example.org/track.png">'
    project = ProjectFactory(title_en="Forums", general_goal_en=markup)

    html = report_html(project, SUMMARY, "en")
    text = pdf_text(render_report(project, SUMMARY, "en").pdf)

    assert markup not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert markup.replace(" ", "") in text.replace(" ", "")
    assert all(url.startswith(STATIC_BASE_URL) for url in fetched)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "https://example.org/track.png", "http://169.254.169.254/latest/meta-data/", "data:,x"],
)
def test_renderer_refuses_a_local_file_an_outside_url_or_a_data_url_and_logs_it(fetched, caplog, url):
    html = f'<html lang="en"><head><title>t</title></head><body><p>x</p><img alt="x" src="{url}"></body></html>'

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(html, title="t", language="en")

    assert fetched == [url]
    assert "RefusedURL" in caplog.text
    assert pdf.startswith(b"%PDF-")


# --- The footer and the queries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "content"),
    [
        ("en", '"Page " counter(page) " of " counter(pages)'),
        ("mk", '"Страница " counter(page) " од " counter(pages)'),
    ],
)
def test_page_footer_counts_pages_in_the_report_language(language, content):
    with translation.override(language):
        assert page_footer_content() == content


def test_css_strings_cannot_close_the_string_or_the_style_element():
    escaped = css_string('a"; } </style><script>')

    assert escaped.startswith('"') and escaped.endswith('"')
    assert '"' not in escaped[1:-1]
    assert "<" not in escaped and "}" not in escaped


@pytest.mark.parametrize("kind", [SUMMARY, FINAL])
def test_templating_adds_no_query_to_gathering_the_figures(kind):
    project = ProjectFactory(title_en="Forums")
    AttendanceFactory(session=ForumSessionFactory(project=project), participants=12)
    report_figures(project, kind, "en")  # warms the caches either would fill
    with CaptureQueriesContext(connection) as gathering:
        report_figures(project, kind, "en")
    with CaptureQueriesContext(connection) as templating:
        report_html(project, kind, "en")

    assert len(templating) == len(gathering)
