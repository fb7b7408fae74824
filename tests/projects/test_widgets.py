"""The quick select writes the HTML Django's template-rendered select writes."""

import re

import pytest
from django import forms

from projects.models import Municipality
from projects.widgets import QuickSelect
from tests.projects.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def normalised(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.parametrize("selected", [None, 1])
def test_quick_select_renders_what_djangos_select_renders(selected):
    municipalities = [MunicipalityFactory(name_en=name) for name in ("Resen", 'Bitola & "Ohrid" <b>')]
    value = municipalities[selected].pk if selected is not None else None

    def rendered(widget) -> str:
        field = forms.ModelChoiceField(Municipality.objects.order_by("pk"), widget=widget, required=False)
        return field.widget.render("municipality", value, attrs={"id": "id_municipality"})

    quick = normalised(rendered(QuickSelect))
    assert quick == normalised(rendered(forms.Select))
    assert "&lt;b&gt;" in quick
    chosen = value or ""  # the empty choice is selected when nothing is
    assert quick.count(" selected") == 1
    assert f'<option value="{chosen}" selected>' in quick
