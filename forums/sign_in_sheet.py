"""The printable sign-in sheet of a planned session, and the URL fetcher every PDF of the portal uses.

The sheet is a one-page PDF in the session's language: the session's particulars, a table of
numbered rows for the participants to fill in by hand, and a QR code that opens the session's page
so the counts can be entered afterwards. Only anonymous counts go into the figures; names are kept
only for those who tick the consent box.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import ForumSession

# The base URL of every PDF: relative links in its HTML and CSS resolve under it. The .invalid
# top-level domain is reserved (RFC 2606) and never resolves, and the fetcher below answers these
# URLs from the project's static files on disk, so nothing is ever requested from the network.
STATIC_BASE_URL = "https://portal.invalid/static/"

EMPTY_ROWS = 18  # handwriting needs 6.5 mm rows; 18 of them leave room for long headings in every language


class RefusedURL(ValueError):
    """A PDF asked for something other than one of the project's own static files."""


class StaticFilesURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only the project's own static files (fonts, CSS).

    URLs under ``STATIC_BASE_URL`` are looked up with the staticfiles finders and read from disk;
    every other URL (``file://``, ``http(s)://`` elsewhere, ``data:``, …) is refused, so text
    typed by a user can never make the renderer read a local file or call the network.
    WeasyPrint logs a refused resource and renders without it.
    """

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = static_path_of(url)
        found = finders.find(path)
        if not found:
            raise RefusedURL(f"No static file {path!r} for {url!r}")
        content_type, _encoding = mimetypes.guess_type(path)
        return URLFetcherResponse(
            url,
            body=Path(found).read_bytes(),
            headers={"Content-Type": content_type or "application/octet-stream"},
        )


def static_path_of(url: str) -> str:
    """The static file path (``fonts/dejavu/DejaVuSans.ttf``) a URL under ``STATIC_BASE_URL`` names."""
    base = urlsplit(STATIC_BASE_URL)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise RefusedURL(f"Malformed URL {url!r}") from None
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(base.path):
        raise RefusedURL(f"Only the project's static files may be loaded, not {url!r}")
    path = unquote(parts.path.removeprefix(base.path))
    # The finders refuse paths that leave their folders too; refusing them here says why.
    if parts.query or "\\" in path or any(segment in ("", ".", "..") for segment in path.split("/")):
        raise RefusedURL(f"Not a plain static file path: {url!r}")
    return path


def qr_code_svg(url: str) -> str:
    """An inline SVG QR code of ``url``, sized by the CSS (no width or height of its own)."""
    qr = segno.make(url, error="m", micro=False)
    # segno writes only path data: nothing of the URL appears as markup in the SVG.
    return mark_safe(qr.svg_inline(omitsize=True, border=2, svgclass="qr-code", lineclass=None))  # noqa: S308


def render_sign_in_sheet(session: ForumSession, *, session_url: str, feedback_url: str) -> bytes:
    """The session's sign-in sheet as PDF bytes, in the session's language.

    Two QR codes: ``session_url`` (the session's page, where staff enter the counts afterwards) and
    ``feedback_url`` (the participants' anonymous feedback form). Reads only the project's static
    files (fonts, CSS); writes nothing.
    """
    with translation.override(session.language):
        html = render_to_string(
            "forums/sign_in_sheet.html",
            {
                "session": session,
                "project": session.project,
                "session_url": session_url,
                "qr_code": qr_code_svg(session_url),
                "feedback_url": feedback_url,
                "feedback_qr_code": qr_code_svg(feedback_url),
                "rows": range(1, EMPTY_ROWS + 1),
            },
        )
        document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticFilesURLFetcher())
        return document.write_pdf()
