"""Forms of the project pages. Validation lives in the models and services; forms add what only a
form knows (which translation must be filled, the version the edit started from)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .i18n import per_language
from .models import (
    Activity,
    BudgetLine,
    Expenditure,
    FundingContribution,
    Objective,
    Organisation,
    Partner,
    Project,
    Result,
    TargetGroup,
)
from .translation import ProjectTranslation


class UpperCaseCurrencyMixin:
    """Accept ``mkd`` for ``MKD``; the model validator still rejects codes outside ISO 4217."""

    currency_fields: tuple[str, ...] = ("currency",)

    def clean(self):
        cleaned = super().clean()
        for name in self.currency_fields:
            if cleaned.get(name):
                cleaned[name] = cleaned[name].strip().upper()
                setattr(self.instance, name, cleaned[name])
        return cleaned


PROJECT_TEXT_FIELDS = ProjectTranslation.fields


class ProjectForm(UpperCaseCurrencyMixin, forms.ModelForm):
    """Create or edit a project. ``version`` carries the version the edit started from."""

    currency_fields = ("total_budget_currency",)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = [
            "code",
            "original_language",
            "status",
            "is_public",
            *per_language(*PROJECT_TEXT_FIELDS),
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "duration_months",
            "countries",
            "target_municipalities",
            "target_municipality_count",
            "total_budget_amount",
            "total_budget_currency",
            "total_budget_basis",
            "website",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "countries": forms.CheckboxSelectMultiple,
            "target_municipalities": forms.SelectMultiple(attrs={"size": 8}),
            **{name: forms.Textarea(attrs={"rows": 3}) for name in per_language("summary", "general_goal", "area")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
        self.fields["target_municipalities"].queryset = self.fields["target_municipalities"].queryset.select_related(
            "country"
        )

    def language_groups(self):
        """The translated fields grouped per language, for one fieldset per language."""
        return [
            (code, name, [self[f"{field}_{code}"] for field in PROJECT_TEXT_FIELDS])
            for code, name in settings.LANGUAGES
        ]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [*per_language("name"), "acronym", "kind", "country", "municipality", "website", "iati_identifier"]


class FundingContributionForm(UpperCaseCurrencyMixin, forms.ModelForm):
    class Meta:
        model = FundingContribution
        fields = ["funder", "kind", "amount", "currency", "value_date", "order"]
        widgets = {"value_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class BudgetLineForm(UpperCaseCurrencyMixin, forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["category", *per_language("description"), "amount", "currency", "order"]


@dataclass(frozen=True)
class Section:
    """One editable list of a project's rows, edited as a formset on its own page."""

    slug: str
    title: Promise
    model: type[models.Model]
    fields: tuple[str, ...] = ()
    form: type[forms.ModelForm] = forms.ModelForm
    project_lookup: str = "project"

    def queryset(self, project: Project):
        return self.model.objects.filter(**{self.project_lookup: project})

    def formset(self, project: Project, data=None):
        formset_class = forms.modelformset_factory(
            self.model,
            form=self.form,
            fields=self.fields or None,
            extra=2,
            can_delete=True,
            widgets={name: forms.Textarea(attrs={"rows": 2}) for name in self.fields if name.startswith("text_")},
        )
        formset = formset_class(data, queryset=self.queryset(project), prefix=self.slug)
        if self.model is Expenditure:
            for form in formset.forms:
                form.fields["budget_line"].queryset = BudgetLine.objects.filter(project=project)
        return formset


SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in [
        Section("partners", _("Partners"), Partner, ("organisation", "role", "order")),
        Section("funding", _("Funding"), FundingContribution, form=FundingContributionForm),
        Section("budget", _("Budget lines"), BudgetLine, form=BudgetLineForm),
        Section(
            "expenditures",
            _("Expenditure"),
            Expenditure,
            ("budget_line", "spent_on", "amount", "description"),
            project_lookup="budget_line__project",
        ),
        Section("objectives", _("Objectives"), Objective, ("level", *per_language("text"), "order")),
        Section("target-groups", _("Target groups"), TargetGroup, (*per_language("text"), "order")),
        Section("results", _("Results"), Result, ("kind", *per_language("text"), "order")),
        Section("activities", _("Activities"), Activity, (*per_language("text"), "order")),
    ]
}
