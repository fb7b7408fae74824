"""The NGO coordinator's forms: the application's steps with the budget table, attachments, and the
monitoring report. Rules live in the services; forms parse what was typed, the reader's way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from projects.models import Organisation
from projects.rules import represented_organisations

from ..models import Call, Proposal, ProposalBudgetLine

SPACES = " \xa0\u202f"  # a typed space, and the no-break spaces numbers are printed with


def _ungrouped(value: str) -> str:
    """``value`` without its thousands separators; ``ValueError`` unless they split the number in threes.

    In Macedonian "1.250,50" is 1250.50, but "1.5" is refused rather than read as 15 or as 1.5.
    """
    decimal_separator = formats.get_format("DECIMAL_SEPARATOR")
    grouping = ("." if decimal_separator == "," else ",") + SPACES
    whole, separator, fraction = value.strip().partition(decimal_separator)
    groups = re.split(f"[{re.escape(grouping)}]", whole)
    if len(groups) == 1:
        return value
    if not re.fullmatch(r"[-+]?\d{1,3}", groups[0]) or not all(re.fullmatch(r"\d{3}", g) for g in groups[1:]):
        raise ValueError(value)
    return "".join(groups) + separator + fraction


class AmountField(forms.DecimalField):
    """A number typed the reader's way ("1.250,50" in Macedonian, "1,250.50" in English), or a refusal
    that shows how to write it."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "amount"})

    def to_python(self, value):
        try:
            return super().to_python(_ungrouped(value) if isinstance(value, str) else value)
        except ValueError:
            pass
        except ValidationError as error:
            if error.code != "invalid":
                raise
        example = formats.number_format(Decimal("1250.50"), decimal_pos=2, force_grouping=True)
        raise ValidationError(gettext("Enter a number like %(example)s."), code="invalid", params={"example": example})


class AboutForm(forms.ModelForm):
    """The application's first step: who applies, what for, where, how long, in which language."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Proposal
        fields = [
            "organisation",
            "title",
            "summary",
            "problem",
            "activities",
            "beneficiaries",
            "municipality",
            "duration_months",
            "language",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in ("summary", "problem", "activities")} | {
            "beneficiaries": forms.Textarea(attrs={"rows": 3})
        }

    def __init__(self, *args, call: Call, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.call = call
        represented = represented_organisations(user, call.project)
        organisation = self.fields["organisation"]
        organisation.queryset = Organisation.objects.filter(pk__in=represented)
        if len(represented) == 1:
            organisation.empty_label = None
            self.initial.setdefault("organisation", next(iter(represented)))
        self.fields["municipality"].queryset = call.project.target_municipalities.all()
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
        else:
            self.initial.setdefault("language", get_language())


class BudgetForm(forms.ModelForm):
    """The amounts the budget lines must add up to."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Proposal
        fields = ["requested_amount", "cofinancing_cash", "cofinancing_in_kind"]
        field_classes = dict.fromkeys(fields, AmountField)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", self.instance.version)


LINE_FIELDS = ["category", "description", "unit", "quantity", "unit_cost", "financed_by"]


class BudgetLineForm(forms.Form):
    """A row of the budget table. Not a ModelForm: that asks the database to check the model's constraints,
    a query per row, and the running totals validate the whole table as the applicant types. The fields'
    validators check the same (amounts not negative), and the service checks each line when it saves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        amounts = {"quantity": AmountField, "unit_cost": AmountField}
        self.fields.update(forms.fields_for_model(ProposalBudgetLine, fields=LINE_FIELDS, field_classes=amounts))

    def line(self) -> ProposalBudgetLine:
        """The line as typed, with the fields that could be read (after validation)."""
        return ProposalBudgetLine(**{name: value for name, value in self.cleaned_data.items() if name in LINE_FIELDS})


@dataclass(frozen=True)
class BudgetRow:
    """A line of the budget table: its number on the page, the line as typed, whether its amounts can be
    read yet (only then does it count in the totals), and what is wrong with it."""

    number: int
    line: ProposalBudgetLine
    is_counted: bool
    errors: list[str]


class BaseBudgetLineFormSet(forms.BaseFormSet):
    """The budget table. Each save replaces the draft's lines, so rows are plain forms, not stored rows."""

    def kept_forms(self) -> list[tuple[int, BudgetLineForm]]:
        """The rows the applicant filled in or kept, numbered as on the page, without the removed ones."""
        return [
            (index + 1, form)
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed()) and not self._should_delete_form(form)
        ]

    def lines(self) -> list[ProposalBudgetLine]:
        """The lines to save, in order (after ``is_valid``)."""
        return [form.line() for _number, form in self.kept_forms()]

    def rows(self) -> list[BudgetRow]:
        """Every kept row for the running totals, counted as soon as its quantity, unit cost and
        financing can be read, while the rest of the table is still being typed."""
        rows = []
        for number, form in self.kept_forms():
            line = form.line()
            readable = line.quantity is not None and line.unit_cost is not None and bool(line.financed_by)
            errors = [
                f"{form.fields[name].label}: {message}" if name in form.fields else message
                for name, messages in form.errors.items()
                for message in messages
            ]
            rows.append(BudgetRow(number, line, readable, errors))
        return rows


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm, formset=BaseBudgetLineFormSet, extra=1, can_delete=True, max_num=200, validate_max=True
)


def budget_line_formset(proposal: Proposal, data=None, *, add_row: bool = False) -> BaseBudgetLineFormSet:
    """The draft's stored lines and empty rows to type new ones in (three when there is none yet).

    ``add_row`` gives the typed table one more empty row, focused: the "Add a line" button, which
    works the same with or without JavaScript.
    """
    lines = list(proposal.budget_lines.all())
    initial = [{name: getattr(line, name) for name in LINE_FIELDS} for line in lines]
    formset = BudgetLineFormSet(data, initial=initial, prefix="lines")
    if not lines:
        formset.extra = 3
    if add_row and data is not None:
        data = data.copy()
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.total_form_count() + 1)
        formset = BudgetLineFormSet(data, initial=initial, prefix="lines")
        formset.forms[-1].fields["category"].widget.attrs["autofocus"] = True
    return formset


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("e.g. statute, letter of support, quote"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("description") and not cleaned.get("file"):
            self.add_error("file", _("Choose a file to upload."))
        return cleaned


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, withdraw this proposal. This cannot be undone."))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input, as in Django's "Uploading multiple files"; always a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single_file_clean(upload, initial) for upload in files if upload]


class MonitoringReportForm(forms.Form):
    """Progress, what was spent on each budget line of the proposal, photos, and whether it is the last."""

    progress = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 6}))
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG or PNG, at most 10 MB each. You can choose several at once."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    is_final = forms.BooleanField(label=_("This is the final report"), required=False)

    def __init__(self, *args, lines: list[ProposalBudgetLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"spent_{line.pk}"] = AmountField(
                label=line.description, required=False, min_value=0, max_digits=14, decimal_places=2
            )

    def spending_rows(self) -> list[tuple[ProposalBudgetLine, forms.BoundField]]:
        return [(line, self[f"spent_{line.pk}"]) for line in self.lines]

    def spending(self) -> dict[ProposalBudgetLine, Decimal]:
        """What was spent per line; a line left empty is not reported, which is not the same as 0."""
        amounts = {line: self.cleaned_data.get(f"spent_{line.pk}") for line in self.lines}
        return {line: amount for line, amount in amounts.items() if amount is not None}
