"""The coordinator's selection screen: which session's vote, its paper tally, and the decision."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from forums.models import ForumSession

from ..models import Proposal
from ..selectors import RankedProposal, TallySession


def session_label(row: TallySession) -> str:
    """The session as the coordinator knows it, with the participants its tally is checked against."""
    session = row.session
    when = formats.date_format(session.date, "DATE_FORMAT") if session.date else gettext("date unknown")
    if row.participants is None:
        count = gettext("attendance unknown")
    else:
        count = ngettext("%(participants)s participant", "%(participants)s participants", row.participants) % {
            "participants": row.participants
        }
    return f"{session.get_kind_display()} – {session.municipality or ''} – {when} ({count})"


class SessionField(forms.TypedChoiceField):
    """One of the project's held sessions, chosen among those listed (no query to validate)."""

    def __init__(self, sessions: list[TallySession], **kwargs):
        self.sessions = {row.session.pk: row.session for row in sessions}
        choices = [(row.session.pk, session_label(row)) for row in sessions]
        wrong = gettext("Choose a held session of this project.")
        super().__init__(
            choices=[("", "—"), *choices],
            coerce=int,
            empty_value=None,
            error_messages={"invalid_choice": wrong, "required": wrong},
            **kwargs,
        )

    def session(self, pk: int | None) -> ForumSession | None:
        return self.sessions.get(pk)


class SessionChoiceForm(forms.Form):
    """Choose the session whose vote is entered and decides (a GET form: it only changes the view)."""

    def __init__(self, *args, sessions: list[TallySession], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"] = SessionField(sessions, label=_("Forum session"), required=False)

    def chosen(self) -> ForumSession | None:
        if not self.is_bound or not self.is_valid():
            return None
        return self.fields["session"].session(self.cleaned_data["session"])


class TallyForm(forms.Form):
    """The paper ballots counted at the session: one count per shortlisted proposal, 0 included."""

    def __init__(self, *args, sessions: list[TallySession], ranking: list[RankedProposal], **kwargs):
        super().__init__(*args, auto_id="id_tally_%s", **kwargs)  # ids of its own: three forms share the page
        self.fields["session"] = SessionField(sessions, widget=forms.HiddenInput)
        self.proposals = {f"votes_{row.proposal.pk}": row.proposal for row in ranking}
        for name, row in zip(self.proposals, ranking, strict=True):
            self.fields[name] = forms.IntegerField(
                label=row.proposal.title,
                min_value=0,
                initial=row.votes,
                widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "count"}),
            )

    def vote_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.proposals]

    def session(self) -> ForumSession:
        return self.fields["session"].session(self.cleaned_data["session"])

    def votes(self) -> dict[Proposal, int]:
        return {proposal: self.cleaned_data[name] for name, proposal in self.proposals.items()}


class DecisionForm(forms.Form):
    """The decision: the minutes and, per proposal, the coordinator's override with its reason.

    Left "by rank", a proposal is selected or not by its rank and the envelope; an override needs a reason
    (the service refuses one without).
    """

    SELECT, REJECT = "select", "reject"

    minutes = forms.CharField(
        label=_("Minutes of the selection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept with the forum session, where everyone reading it sees the result."),
    )

    def __init__(self, *args, sessions: list[TallySession], ranking: list[RankedProposal], **kwargs):
        super().__init__(*args, auto_id="id_decision_%s", **kwargs)
        self.fields["session"] = SessionField(sessions, widget=forms.HiddenInput, required=False)
        self.proposals = {row.proposal.pk: row.proposal for row in ranking}
        for proposal in self.proposals.values():
            self.fields[f"override_{proposal.pk}"] = forms.ChoiceField(
                label=gettext("Decision on %(proposal)s") % {"proposal": proposal.title},
                choices=[
                    ("", gettext("By rank")),
                    (self.SELECT, gettext("Select")),
                    (self.REJECT, gettext("Do not select")),
                ],
                required=False,
            )
            self.fields[f"reason_{proposal.pk}"] = forms.CharField(
                label=gettext("Reason for the override"), required=False, max_length=1000
            )

    def override_rows(self) -> list[tuple[Proposal, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"override_{p.pk}"], self[f"reason_{p.pk}"]) for p in self.proposals.values()]

    def session(self) -> ForumSession | None:
        return self.fields["session"].session(self.cleaned_data["session"])

    def overrides(self) -> dict[Proposal, tuple[bool, str]]:
        return {
            proposal: (self.cleaned_data[f"override_{pk}"] == self.SELECT, self.cleaned_data[f"reason_{pk}"])
            for pk, proposal in self.proposals.items()
            if self.cleaned_data[f"override_{pk}"]
        }
