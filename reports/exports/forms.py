"""The form of the Open data page: which dataset, in which format and language."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import ExportRequest
from .datasets import DATASET_CHOICES


class ExportForm(forms.Form):
    """Dataset, format and language of an export; the language defaults to the page's."""

    dataset = forms.ChoiceField(label=_("Dataset"), choices=DATASET_CHOICES, widget=forms.HiddenInput)
    file_format = forms.ChoiceField(label=_("Format"), choices=ExportRequest.FileFormat.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = get_language()


class DictionaryForm(forms.Form):
    """Which dataset's data dictionary, in which language."""

    dataset = forms.ChoiceField(choices=DATASET_CHOICES)
    language = forms.ChoiceField(choices=settings.LANGUAGES)
