"""The form of the Reports page: which report, in which language."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import ReportRequest


class ReportRequestForm(forms.Form):
    """Kind and language of a report; the language defaults to the page's."""

    kind = forms.ChoiceField(label=_("Report"), choices=ReportRequest.Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = get_language()
