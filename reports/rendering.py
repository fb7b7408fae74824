"""Donor reports as PDFs: the figures of ``reports.figures`` in a template, in the report's language,
made into a tagged PDF (PDF/UA) by WeasyPrint.

The renderer reads only the project's own static files (the shipped fonts and the report's CSS)
through the URL fetcher every PDF of the portal uses: a text typed by a user can never make it read
a local file or call the network. Refused resources are logged by WeasyPrint and left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from weasyprint import HTML

from forums.counts import Figure
from forums.models import Category
from forums.sign_in_sheet import STATIC_BASE_URL, StaticFilesURLFetcher
from projects.i18n import localized
from projects.models import Project

from .figures import (
    EXECUTIVE_SUMMARY,
    FINAL_REPORT,
    CategoryFigures,
    FinalReport,
    fingerprint_of,
    report_figures,
)
from .models import ReportRequest

TEMPLATES = {
    EXECUTIVE_SUMMARY: "reports/executive_summary.html",
    FINAL_REPORT: "reports/final_report.html",
}

# Tagged PDF with a title and a language, readable by screen readers (WeasyPrint's PDF/UA-1).
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class RenderedReport:
    """A report's PDF and the fingerprint of the very figures it prints."""

    pdf: bytes
    fingerprint: str


def render_report(project: Project, kind: str, language: str) -> RenderedReport:
    """The PDF of a project's report of ``kind`` (``executive_summary`` or ``final_report``) in ``language``.

    The figures are gathered once: the fingerprint stored with the file is the one the PDF prints.
    """
    with translation.override(language):
        figures = report_figures(project, kind, language)
        html = figures_html(project, kind, figures)
        title = report_title(project, kind)
    return RenderedReport(
        pdf=html_to_pdf(html, title=title, language=language), fingerprint=fingerprint_of(figures, kind)
    )


def report_html(project: Project, kind: str, language: str) -> str:
    """The report's HTML: its template rendered with the figures, in ``language``."""
    with translation.override(language):
        return figures_html(project, kind, report_figures(project, kind, language))


def figures_html(project: Project, kind: str, figures) -> str:
    """The template of ``kind`` rendered with figures already gathered (in the active language)."""
    summary = figures.summary if isinstance(figures, FinalReport) else figures
    return render_to_string(
        TEMPLATES[kind],
        {
            "report": figures,
            "summary": summary,
            "title": report_title(project, kind),
            "kind_label": ReportRequest.Kind(kind).label,
            "fingerprint": fingerprint_of(figures, kind),
            "generated_at": timezone.localtime(),
            "page_footer": page_footer_content(),
            "chart": participation_chart(summary.participation),
            # The sources annex names the category of a figure by its value (forum, training, event).
            "category_labels": dict(Category.choices),
        },
    )


def html_to_pdf(html: str, *, title: str, language: str) -> bytes:
    """A tagged PDF/UA document of ``html`` with ``title`` and ``language`` as its metadata.

    Relative URLs resolve under ``STATIC_BASE_URL`` and only the project's static files are served;
    the fonts are embedded (subset), so the PDF looks the same on every reader.
    """
    fetcher = StaticFilesURLFetcher()
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)
    document.metadata.title = title
    document.metadata.lang = language
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def report_title(project: Project, kind: str) -> str:
    """``Executive summary: <the project's title>``, in the active language: the PDF's title metadata."""
    return gettext("%(report)s: %(project)s") % {
        "report": ReportRequest.Kind(kind).label,
        "project": localized(project, "title").text,
    }


def page_footer_content() -> SafeString:
    """The CSS ``content`` of the page footer: "Page 1 of 3" in the active language, from page counters."""
    counters = {"number": "counter(page)", "total": "counter(pages)"}
    marker = "\x00"
    text = gettext("Page %(number)s of %(total)s") % {name: f"{marker}{name}{marker}" for name in counters}
    # Split on the markers: literal text and counter names alternate, whatever the language's word order.
    parts = text.split(marker)
    content = [counters[part] if index % 2 else css_string(part) for index, part in enumerate(parts) if part]
    return mark_safe(" ".join(content))  # noqa: S308 - css_string escapes every character CSS or HTML could read


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; anything but letters, digits and spaces is escaped by code point."""
    escaped = "".join(char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text)
    return f'"{escaped}"'


# --- The participation chart ------------------------------------------------------------------------

CHART_ROW = 20  # viewBox units per municipality: a bar and the gap to the next
CHART_BARS_X = 90  # the municipality's name is left of this
CHART_BAR_MAX = 190  # the largest number's bar; its label follows it


@dataclass(frozen=True)
class Bar:
    """One municipality's participants as a bar; ``length`` None when the number is unknown."""

    label: str
    figure: Figure
    y: int
    length: int | None

    @property
    def value_x(self) -> int:
        return CHART_BARS_X + (self.length or 0) + 4


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    bars_x: int = CHART_BARS_X
    width: int = CHART_BARS_X + CHART_BAR_MAX + 80


def participation_chart(category: CategoryFigures) -> Chart | None:
    """Bars of the participants per municipality, scaled to the largest; None without municipalities."""
    rows = category.by_municipality
    if not rows:
        return None
    largest = max((row.participants.value for row in rows if row.participants.is_known), default=0)
    bars = [
        Bar(
            label=row.municipality.name.text if row.municipality else gettext("not stated"),
            figure=row.participants,
            y=index * CHART_ROW,
            length=round(row.participants.value * CHART_BAR_MAX / largest)
            if row.participants.is_known and largest
            else None,
        )
        for index, row in enumerate(rows)
    ]
    return Chart(bars=bars, height=len(bars) * CHART_ROW)
