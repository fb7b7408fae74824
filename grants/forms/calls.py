"""The coordinator's call screen (texts per language, money, deadlines in the call's time zone, selection
rules, checklist and rubric) and the screening of a proposal against the checklist."""

from __future__ import annotations

import copy
import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from projects.forms import UpperCaseCurrencyMixin
from projects.i18n import localized, per_language

from ..models import Call, EligibilityCheck, EligibilityCriterion, ScoringCriterion
from ..translation import CallTranslation

# What ``services.call_save`` refuses to change once the call has opened, and the zone its deadline is
# stated in: the form leaves them out then, and the page shows them as they are.
FIXED_ONCE_OPEN = (
    "currency",
    "envelope",
    "max_per_grant",
    "min_cofinancing_percent",
    "time_zone",
    "opens_at",
    "closes_at",
)
MOMENTS = ("opens_at", "closes_at")


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as read on a clock, kept naive: the form places it in the call's time zone,
    not in the server's or the reader's."""

    def to_python(self, value):
        with timezone.override(zoneinfo.ZoneInfo("UTC")):  # UTC has no gaps or repeated hours
            moment = super().to_python(value)
        return moment and timezone.make_naive(moment, zoneinfo.ZoneInfo("UTC"))


@functools.cache
def _european_time_zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith("Europe/")))


def time_zone_choices(current: str) -> list[tuple[str, str]]:
    """Europe's time zones, UTC, and the call's own zone if it is elsewhere."""
    return [(zone, zone) for zone in sorted({*_european_time_zones(), "UTC", current})]


moment_widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallForm(UpperCaseCurrencyMixin, forms.ModelForm):
    """A call's own fields. ``version`` carries the version the edit started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Call
        fields = [
            *per_language(*CallTranslation.fields),
            *FIXED_ONCE_OPEN,
            "selection_method",
            "quorum",
            "votes_per_participant",
            "tie_rule",
        ]
        field_classes = dict.fromkeys(MOMENTS, WallClockDateTimeField)
        widgets = {
            **dict.fromkeys(MOMENTS, moment_widget),
            **{name: forms.Textarea(attrs={"rows": 3}) for name in per_language("description")},
        }
        help_texts = dict.fromkeys(MOMENTS, _("Date and time in the call's time zone."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        call = self.instance
        if call.pk:
            self.initial.setdefault("version", call.version)
        if call.phase != Call.Phase.DRAFT:
            for name in FIXED_ONCE_OPEN:
                del self.fields[name]
            return
        zone = self.fields["time_zone"]
        self.fields["time_zone"] = forms.ChoiceField(
            label=zone.label, help_text=zone.help_text, choices=time_zone_choices(call.time_zone)
        )
        if call.pk:
            local = zoneinfo.ZoneInfo(call.time_zone)
            for name in MOMENTS:
                self.initial[name] = timezone.localtime(getattr(call, name), local).replace(tzinfo=None)

    def clean(self):
        cleaned = super().clean()
        zone = zoneinfo.ZoneInfo(cleaned.get("time_zone") or self.instance.time_zone)
        for name in MOMENTS:
            if cleaned.get(name) is not None:
                cleaned[name] = timezone.make_aware(cleaned[name], zone)
        return cleaned

    def language_groups(self):
        """The translated fields grouped per language, for one fieldset per language."""
        return [
            (code, name, [self[f"{field}_{code}"] for field in CallTranslation.fields])
            for code, name in settings.LANGUAGES
        ]


class EligibilityCriterionForm(forms.ModelForm):
    class Meta:
        model = EligibilityCriterion
        fields = per_language("text")


class ScoringCriterionForm(forms.ModelForm):
    class Meta:
        model = ScoringCriterion
        fields = [*per_language("name"), "weight"]
        widgets = {"weight": forms.NumberInput(attrs={"min": 1, "max": 100, "inputmode": "numeric", "class": "weight"})}


class CriteriaFormSet(forms.BaseFormSet):
    """A checklist or rubric edited as a whole: the kept rows replace the stored ones, in their order."""

    @classmethod
    def get_default_prefix(cls) -> str:
        return cls.form._meta.model._meta.model_name

    @classmethod
    def starting_from(cls, criteria=(), data=None) -> CriteriaFormSet:
        """The formset with one row per stored criterion, then blank rows to add more."""
        fields = cls.form._meta.fields
        return cls(data, initial=[model_to_dict(criterion, fields=fields) for criterion in criteria])

    def kept_forms(self) -> list[forms.Form]:
        """Filled rows not marked for deletion (blank extra rows have no cleaned data)."""
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def criteria(self) -> list:
        return [form.instance for form in self.kept_forms()]

    def weights(self) -> list[int | None]:
        """The weights entered (as stored, before the form is sent)."""
        if not self.is_bound:
            return [row.get("weight") for row in self.initial or ()]
        return [form.cleaned_data.get("weight") for form in self.kept_forms()]


ChecklistFormSet = forms.formset_factory(EligibilityCriterionForm, formset=CriteriaFormSet, extra=3, can_delete=True)
RubricFormSet = forms.formset_factory(ScoringCriterionForm, formset=CriteriaFormSet, extra=3, can_delete=True)


class CallForms:
    """The call form and, while the call is a draft, its checklist and rubric: one screen, one save.

    The form edits a copy of the call, so the page keeps showing the stored one.
    """

    def __init__(self, call: Call, data=None):
        self.form = CallForm(data, instance=copy.copy(call))
        self.is_draft = call.phase == Call.Phase.DRAFT
        self.checklist = self.rubric = None
        if self.is_draft:
            self.checklist = ChecklistFormSet.starting_from(call.eligibility_criteria.all() if call.pk else (), data)
            self.rubric = RubricFormSet.starting_from(call.scoring_criteria.all() if call.pk else (), data)

    def is_valid(self) -> bool:
        parts = [self.form, self.checklist, self.rubric] if self.is_draft else [self.form]
        verdicts = [part.is_valid() for part in parts]  # every part checked, so all errors show at once
        return all(verdicts)


class ScreeningForm(forms.Form):
    """Each item of the call's checklist met or not, with a reason (required when not met).

    Starts from the earlier answers when the proposal was screened before.
    """

    MET, NOT_MET = "met", "not_met"

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, checklist: list[tuple[EligibilityCriterion, EligibilityCheck | None]], version, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", version)
        self.checklist = checklist
        for criterion, check in checklist:
            text = localized(criterion, "text").text
            self.fields[f"met_{criterion.pk}"] = forms.ChoiceField(
                label=text,
                choices=[
                    (self.MET, pgettext_lazy("eligibility criterion", "Met")),
                    (self.NOT_MET, pgettext_lazy("eligibility criterion", "Not met")),
                ],
                widget=forms.RadioSelect,
                initial=None if check is None else (self.MET if check.is_met else self.NOT_MET),
                error_messages={"required": _("Say whether this criterion is met.")},
            )
            self.fields[f"reason_{criterion.pk}"] = forms.CharField(
                label=gettext("Reason: %(criterion)s") % {"criterion": text},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=check.reason if check else "",
                help_text=_("Required when the criterion is not met: the applicant reads it."),
            )

    def rows(self) -> list[tuple]:
        return [
            (criterion, check, self[f"met_{criterion.pk}"], self[f"reason_{criterion.pk}"])
            for criterion, check in self.checklist
        ]

    def clean(self):
        cleaned = super().clean()
        for criterion, _check in self.checklist:
            reason = f"reason_{criterion.pk}"
            if cleaned.get(f"met_{criterion.pk}") == self.NOT_MET and not cleaned.get(reason, "").strip():
                self.add_error(reason, _("Say why this criterion is not met."))
        return cleaned

    def answers(self) -> dict[EligibilityCriterion, tuple[bool, str]]:
        return {
            criterion: (
                self.cleaned_data[f"met_{criterion.pk}"] == self.MET,
                self.cleaned_data[f"reason_{criterion.pk}"],
            )
            for criterion, _check in self.checklist
        }
