"""The printable sign-in sheet of a session, as a PDF for the staff who run it."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from ..models import ForumSession
from ..selectors import session_for_page
from ..sign_in_sheet import render_sign_in_sheet
from .feedback import feedback_form_url

__all__ = ["urlpatterns"]


def session_page_url(request, session: ForumSession) -> str:
    """The absolute URL of the session's page in the session's language, for the sheet's QR code."""
    with translation.override(session.language):
        return request.build_absolute_uri(session.get_absolute_url())


class SignInSheetView(LoginRequiredMixin, View):
    """A planned or held session's sign-in sheet, for the staff serving its municipality and coordinators.

    A cancelled session has no sheet: 404, like a session the user may not see.
    """

    def get(self, request, code: str, pk: int) -> HttpResponse:
        session = session_for_page(request.user, code, pk)
        if not request.user.has_perm("forums.change_session", session):
            raise PermissionDenied(
                _("Only the staff who run the session and the coordinators print its sign-in sheet.")
            )
        if session.status == ForumSession.Status.CANCELLED:
            raise Http404(_("A cancelled session has no sign-in sheet."))
        pdf = render_sign_in_sheet(
            session,
            session_url=session_page_url(request, session),
            feedback_url=feedback_form_url(request, session),
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=False, filename=f"sign-in-sheet-{session.project.code}-{session.pk}.pdf"
        )
        return response


urlpatterns = [
    path("projects/<str:code>/sessions/<int:pk>/sign-in-sheet.pdf", SignInSheetView.as_view(), name="sign-in-sheet"),
]
