"""The "log a session" screen: the session, its attendance grid and the sign-in sheet, on one form."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from projects.models import Municipality, Project

from .models import AGE_PARTS, GENDER_PARTS, Attendance, ForumSession, Participant, Qualifier, VulnerableGroup
from .selectors import municipalities_user_may_log_for
from .services import CountInput, attendance_problems
from .uploads import checked_content_type

SESSION_TEXTS = ("title", "agenda", "minutes")


class SessionForm(forms.ModelForm):
    """What happened: kind, place, time, texts in the clerk's language, and the scanned sign-in sheet."""

    title = forms.CharField(label=_("Title or topic"), max_length=300, required=False)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    sign_in_sheet = forms.FileField(
        label=_("Scanned sign-in sheet"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ForumSession
        fields = [
            "kind",
            "municipality",
            "status",
            "date",
            "start_time",
            "end_time",
            "venue",
            "facilitators",
            "language",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, project: Project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.language = get_language()
        municipality = self.fields["municipality"]
        municipality.queryset = municipalities_user_may_log_for(user, project)
        municipality.required = True
        municipality.empty_label = None if municipality.queryset.count() == 1 else municipality.empty_label
        if not self.instance.pk:
            # Staff log a session after it took place, in the project's language unless they choose another.
            self.initial["language"] = project.original_language
            self.initial["status"] = ForumSession.Status.HELD
        for name in SESSION_TEXTS:
            self.fields[name].initial = getattr(self.instance, f"{name}_{self.language}", "")
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean_sign_in_sheet(self):
        upload = self.cleaned_data.get("sign_in_sheet")
        if upload:
            checked_content_type(upload)
        return upload

    def session(self) -> ForumSession:
        """The edited session, texts written into the columns of the clerk's language."""
        session = self.instance
        for name in SESSION_TEXTS:
            setattr(session, f"{name}_{self.language}", self.cleaned_data[name])
        return session


def count_widget(label: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "aria-label": label, "class": "count"})


def qualifier_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Qualifier.choices,
        initial=Qualifier.EXACT,
        required=False,  # it only matters beside a count; exact unless said otherwise
        widget=forms.Select(attrs={"class": "qualifier"}),
    )


class AttendanceForm(forms.ModelForm):
    """The attendance grid: a count and a qualifier per row; empty means nobody counted it."""

    class Meta:
        model = Attendance
        fields = [name for part in ("participants", *GENDER_PARTS, *AGE_PARTS) for name in (part, f"{part}_qualifier")]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        for part in ("participants", *GENDER_PARTS, *AGE_PARTS):
            label = self.fields[part].label
            self.fields[part].widget = count_widget(label)
            self.fields[f"{part}_qualifier"] = qualifier_field(_("How sure: %(part)s") % {"part": label})
        stored_groups = {c.group_id: c for c in self._stored("group_counts")}
        self.groups = list(
            VulnerableGroup.objects.filter(is_active=True) | VulnerableGroup.objects.filter(pk__in=list(stored_groups))
        )
        for group in self.groups:
            self._add_count(f"group_{group.pk}", str(group), stored_groups.get(group.pk))
        stored_places = {c.municipality_id: c for c in self._stored("residence_counts")}
        self.places = list(
            Municipality.objects.filter(
                pk__in=[*project.target_municipalities.values_list("pk", flat=True), *stored_places]
            )
        )
        for place in self.places:
            self._add_count(f"residence_{place.pk}", str(place), stored_places.get(place.pk))

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if name.endswith("_qualifier") and not cleaned.get(name):
                cleaned[name] = Qualifier.EXACT
        return cleaned

    def _stored(self, relation: str) -> list:
        return list(getattr(self.instance, relation).all()) if self.instance.pk else []

    def _add_count(self, name: str, label: str, stored) -> None:
        self.fields[name] = forms.IntegerField(
            label=label, required=False, min_value=0, widget=count_widget(label), initial=stored and stored.count
        )
        self.fields[f"{name}_qualifier"] = qualifier_field(_("How sure: %(part)s") % {"part": label})
        if stored:
            self.fields[f"{name}_qualifier"].initial = stored.qualifier

    def rows(self, parts) -> list[tuple]:
        return [(self[part], self[f"{part}_qualifier"]) for part in parts]

    def gender_rows(self):
        return self.rows(GENDER_PARTS)

    def age_rows(self):
        return self.rows(AGE_PARTS)

    def group_rows(self):
        return self.rows([f"group_{group.pk}" for group in self.groups])

    def residence_rows(self):
        return self.rows([f"residence_{place.pk}" for place in self.places])

    def is_empty(self) -> bool:
        """Nothing counted at all: the session's attendance stays unknown."""
        return all(self.cleaned_data.get(name) is None for name in self.fields if not name.endswith("_qualifier"))

    def group_counts(self) -> dict[VulnerableGroup, CountInput]:
        return self._counts("group", self.groups)

    def residence_counts(self) -> dict[Municipality, CountInput]:
        return self._counts("residence", self.places)

    def _counts(self, prefix: str, objects) -> dict:
        counts = {}
        for obj in objects:
            value = self.cleaned_data.get(f"{prefix}_{obj.pk}")
            if value is not None:
                counts[obj] = CountInput(value, self.cleaned_data[f"{prefix}_{obj.pk}_qualifier"])
        return counts

    def problems(self) -> list[str]:
        """Every part that does not add up, for the live check beside the grid (the save re-checks)."""
        problems = [message for messages in self.errors.values() for message in messages]
        if problems:
            return problems
        return attendance_problems(self.instance, self.group_counts(), self.residence_counts())


class ParticipantForm(forms.ModelForm):
    """A named participant: only with the person's consent, which the form asks for explicitly."""

    class Meta:
        model = Participant
        fields = ["full_name", "municipality", "consent_given"]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = project.target_municipalities.all()
        self.fields["consent_given"].label = _("The person agreed to be listed by name")
