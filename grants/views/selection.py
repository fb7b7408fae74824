"""The coordinator's selection screen: a held session's paper tally, the decision with overrides, the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from projects.views import add_service_errors

from .. import selectors, services
from ..forms.selection import DecisionForm, SessionChoiceForm, TallyForm
from ..models import Call

__all__ = ["urlpatterns"]


def selection_url(call: Call, session=None) -> str:
    """The selection screen, showing the session whose tally was just entered."""
    url = reverse("grants:selection", kwargs={"pk": call.pk})
    return f"{url}?{urlencode({'session': session.pk})}" if session else url


class SelectionPage(LoginRequiredMixin, View):
    """The ranking of the shortlisted proposals under the call's rules, the tally of the chosen session
    and the decision; once decided, the result. Coordinators of the call's project only (403 for other
    readers of the call, 404 for those who may not read it)."""

    template_name = "grants/selection/selection.html"

    def managed_call(self, request, pk: int) -> Call:
        call = selectors.call_visible_to(request.user, pk)
        if not request.user.has_perm("grants.manage_call", call):
            raise PermissionDenied(_("You do not have permission to do this."))
        return call

    def render_page(self, request, call, sessions, session, *, chooser=None, tally_form=None, decision_form=None):
        """The page, with the forms the call's phase allows; a refused form comes back bound, with its errors."""
        context = {"project": call.project, "call": call, "envelope": selectors.envelope_use(call)}
        if call.phase == Call.Phase.IN_SELECTION:
            ranking = selectors.call_ranking(call, session)
            context["sessions"] = sessions
            context["chosen"] = next((row for row in sessions if row.session == session), None)
            context["ranking"] = ranking
            context["chooser"] = chooser or SessionChoiceForm(
                initial={"session": session and session.pk}, sessions=sessions
            )
            context["tally_form"] = tally_form or TallyForm(
                initial={"session": session and session.pk}, sessions=sessions, ranking=ranking
            )
            context["decision_form"] = decision_form or DecisionForm(
                initial={"session": session and session.pk}, sessions=sessions, ranking=ranking
            )
        elif call.phase == Call.Phase.DECIDED:
            selection = selectors.call_selection(call)
            context["selection"] = selection
            context["outcomes"] = selectors.selection_outcomes(call, selection and selection.session)
        is_refused = tally_form is not None or decision_form is not None
        return render(request, self.template_name, context, status=400 if is_refused else 200)


class SelectionView(SelectionPage):
    def get(self, request, pk):
        call = self.managed_call(request, pk)
        sessions = selectors.tally_sessions(call)
        chooser = SessionChoiceForm(request.GET if "session" in request.GET else None, sessions=sessions)
        return self.render_page(request, call, sessions, chooser.chosen(), chooser=chooser)


class SelectionStepView(SelectionPage):
    """A POST of the selection screen; once the call is decided, a repeated POST changes nothing."""

    def post(self, request, pk):
        call = self.managed_call(request, pk)
        if call.phase == Call.Phase.DECIDED:
            messages.info(request, _("The selection of this call has already been decided; nothing was changed."))
            return redirect(selection_url(call))
        sessions = selectors.tally_sessions(call)
        ranking = selectors.call_ranking(call)
        form = self.form_class(request.POST, sessions=sessions, ranking=ranking)
        if form.is_valid():
            try:
                self.save(request, call, form)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect(selection_url(call, form.session()))
        session = form.fields["session"].session(form.cleaned_data.get("session"))
        return self.render_page(request, call, sessions, session, **{self.form_name: form})


class TallyView(SelectionStepView):
    form_class, form_name = TallyForm, "tally_form"
    success_message = gettext_lazy("The tally was recorded.")

    def save(self, request, call, form) -> None:
        services.tally_record(actor=request.user, call=call, session=form.session(), votes=form.votes())


class DecisionView(SelectionStepView):
    form_class, form_name = DecisionForm, "decision_form"
    success_message = gettext_lazy("The selection was decided.")

    def save(self, request, call, form) -> None:
        services.selection_decide(
            actor=request.user,
            call=call,
            session=form.session(),
            minutes=form.cleaned_data["minutes"],
            overrides=form.overrides(),
        )


urlpatterns = [
    path("calls/<int:pk>/selection/", SelectionView.as_view(), name="selection"),
    path("calls/<int:pk>/selection/tally/", TallyView.as_view(), name="selection-tally"),
    path("calls/<int:pk>/selection/decide/", DecisionView.as_view(), name="selection-decide"),
]
