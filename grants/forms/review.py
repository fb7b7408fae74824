"""The review board's forms (assign a reviewer, shortlist) and the reviewer's (declare, score)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..models import Proposal, ScoringCriterion


class ReviewerAssignForm(forms.Form):
    """Who reviews which proposal in review: a member of the project, or any account by its e-mail."""

    proposal = forms.TypedChoiceField(label=_("Proposal"), coerce=int)
    member = forms.TypedChoiceField(label=_("A member of the project"), coerce=int, required=False, empty_value=None)
    email = forms.EmailField(label=_("or the e-mail address of an account"), required=False)

    def __init__(self, *args, proposals: list[Proposal], candidates: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = {proposal.pk: proposal for proposal in proposals}
        self.candidates = {user.pk: user for user in candidates}
        self.fields["proposal"].choices = [(proposal.pk, proposal.title) for proposal in proposals]
        self.fields["member"].choices = [
            ("", "---------"),
            *((user.pk, f"{user} ({user.email})" if user.full_name else user.email) for user in candidates),
        ]

    def clean(self):
        cleaned = super().clean()
        member, email = cleaned.get("member"), cleaned.get("email")
        if "email" in self.errors:
            return cleaned
        if (member is None) == (not email):
            raise forms.ValidationError(
                _("Choose one reviewer: a member of the project or an account's e-mail address.")
            )
        if email:
            reviewer = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if reviewer is None:
                self.add_error("email", _("No account has this e-mail address."))
            cleaned["reviewer"] = reviewer
        else:
            cleaned["reviewer"] = self.candidates[member]
        return cleaned

    def assignment(self) -> tuple[Proposal, object]:
        return self.proposals[self.cleaned_data["proposal"]], self.cleaned_data["reviewer"]


class ShortlistForm(forms.Form):
    """The proposals in review to shortlist; the others are not selected, with the reason they are told."""

    proposals = forms.TypedMultipleChoiceField(
        label=_("Shortlist"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one proposal for the shortlist.")},
    )
    reason = forms.CharField(
        label=_("Reason given to the proposals not shortlisted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Their applicants read it."),
    )

    def __init__(self, *args, proposals: list[Proposal], **kwargs):
        super().__init__(*args, **kwargs)
        self.in_review = {proposal.pk: proposal for proposal in proposals}
        self.fields["proposals"].choices = [(proposal.pk, proposal.title) for proposal in proposals]

    def checked(self) -> set[int]:
        """The proposals ticked in the data sent, to tick them again when the form comes back."""
        return {int(pk) for pk in self.data.getlist("proposals") if pk.isdigit()} if self.is_bound else set()

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("proposals") or ())
        if chosen and chosen != set(self.in_review) and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the other proposals are not shortlisted."))
        return cleaned

    def chosen(self) -> list[Proposal]:
        return [self.in_review[pk] for pk in self.cleaned_data["proposals"]]


class DeclarationForm(forms.Form):
    """The reviewer's conflict-of-interest declaration, made once, before any score."""

    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this proposal?"),
        choices=[
            ("no", _("No: I have no conflict of interest with this applicant or its proposal.")),
            ("yes", _("Yes: I have a conflict of interest, so I will not score this proposal.")),
        ],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )


class ScoreForm(forms.Form):
    """A score from 0 to 10 for each criterion of the rubric, and a comment; starts from earlier scores."""

    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, rubric: list[ScoringCriterion], scores: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for criterion in rubric:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=str(criterion),
                min_value=0,
                max_value=10,
                initial=scores.get(criterion.pk),
                widget=forms.NumberInput(attrs={"min": 0, "max": 10, "inputmode": "numeric", "class": "score"}),
            )
        self.order_fields([*(f"score_{criterion.pk}" for criterion in rubric), "comment"])

    def rows(self) -> list[tuple]:
        return [(criterion, self[f"score_{criterion.pk}"]) for criterion in self.rubric]

    def scores(self) -> dict[ScoringCriterion, int]:
        return {criterion: self.cleaned_data[f"score_{criterion.pk}"] for criterion in self.rubric}
