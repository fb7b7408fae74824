"""The coordinator's award forms: the grant agreement with its tranches, payments and report reviews.

Amounts are typed in the reader's format ("1.250,50" in mk, bg and sq; "1250.50" in en) and are in the
call's currency, which the page shows beside them.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Proposal

CENT = Decimal("0.01")


def amount_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "amount"}),
        **kwargs,
    )


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class AwardForm(forms.Form):
    """The grant agreement; the amount starts at what the applicant requested."""

    amount = amount_field(_("Awarded amount"))
    signed_on = date_field(_("Signed on"))
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"))
    final_report_due_on = date_field(_("Final report due on"))

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("amount", proposal.requested_amount)


class TrancheForm(forms.Form):
    """A planned payment; in the agreement's formset a row left empty is no tranche."""

    planned_on = date_field(_("Planned for"))
    amount = amount_field(_("Amount"), min_value=CENT)


TrancheFormSet = forms.formset_factory(TrancheForm, extra=2)


def planned_tranches(formset) -> list[tuple]:
    """The filled rows of the tranches formset as (planned on, amount), in their order."""
    return [(row["planned_on"], row["amount"]) for row in formset.cleaned_data if row]


class NewTrancheForm(TrancheForm):
    """Another tranche, planned on the award's page; ``number`` is the one it will get, so that posting
    it twice plans it once."""

    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PaymentForm(forms.Form):
    """A tranche's payment: when and how much (at most the tranche's amount)."""

    paid_on = date_field(_("Paid on"))
    paid_amount = amount_field(_("Paid amount"))

    def __init__(self, *args, tranche=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tranche is not None:
            self.initial = {"paid_on": timezone.localdate(), "paid_amount": tranche.amount, **self.initial}


class ReportReviewForm(forms.Form):
    """Approve a monitoring report, or send it back saying what should change."""

    APPROVE, RETURN = "approve", "return"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (RETURN, _("Return for changes"))])
    coordinator_comment = forms.CharField(
        label=_("Comment to the grantee"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the report is returned."),
    )

    def approves(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
