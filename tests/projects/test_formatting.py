"""Money, shares and dates are written the way each language writes them."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from projects.i18n import localized
from projects.models import Objective, Project
from projects.money import format_number, format_percent, round_half_up


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "MKD21,975,155.00"),
        ("mk", "21.975.155,00\xa0ден."),
        ("bg", "21\xa0975\xa0155,00\xa0MKD"),
        ("sq", "21\xa0975\xa0155,00\xa0MKD"),
    ],
)
def test_money_is_formatted_for_the_language(language, expected):
    with translation.override(language):
        rendered = Template("{% load portal %}{{ amount|money:'MKD' }}").render(
            Context({"amount": Decimal("21975155")})
        )
    assert rendered == expected


def test_unknown_money_is_not_zero():
    with translation.override("en"):
        rendered = Template("{% load portal %}{{ amount|money:'MKD' }}").render(Context({"amount": None}))
    assert rendered == "unknown"


def test_dates_keep_the_precision_of_the_source():
    template = Template("{% load portal %}{% project_date value precision %}")
    with translation.override("en"):
        assert template.render(Context({"value": datetime.date(2021, 1, 1), "precision": "month"})) == "January 2021"
        assert template.render(Context({"value": datetime.date(2008, 10, 21), "precision": "day"})) == "Oct. 21, 2008"
        assert template.render(Context({"value": None, "precision": "day"})) == "unknown"


def test_rounding_is_half_up():
    assert round_half_up(Decimal("91.875")) == Decimal("91.88")
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")


def test_untranslated_content_falls_back_to_its_original_language_and_says_so():
    project = Project(original_language="mk", title_mk="Форуми во Ресен", title_en="")
    with translation.override("sq"):
        text = localized(project, "title")
    assert (text.text, text.language, text.is_fallback) == ("Форуми во Ресен", "mk", True)
    objective = Objective(project=project, text_mk="Цел", text_en="Goal")
    with translation.override("bg"):
        assert localized(objective, "text").text == "Цел"  # the project's original language comes first
    with translation.override("en"):
        rendered = Template("{% load portal %}{% localized project 'title' %}").render(Context({"project": project}))
    assert 'lang="mk"' in rendered and "Not translated" in rendered


@pytest.mark.parametrize(
    ("language", "day", "month"),
    [
        ("mk", "24 август 2022", "јануари 2021"),
        ("bg", "24 август 2022", "януари 2021"),
        ("sq", "24 gusht 2022", "janar 2021"),
    ],
)
def test_month_names_are_lower_case_in_running_text(language, day, month):
    template = Template("{% load portal %}{% project_date value precision %}")
    with translation.override(language):
        assert template.render(Context({"value": datetime.date(2022, 8, 24), "precision": "day"})) == day
        assert template.render(Context({"value": datetime.date(2021, 1, 1), "precision": "month"})) == month


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (1391, "mk", "1391"),  # as the seed document: no separator below 10 000
        (21975155, "mk", "21.975.155"),
        (12500, "bg", "12 500"),
        (Decimal("91.88"), "mk", "91,88"),
        (Decimal("82.00"), "mk", "82"),
        (Decimal("86.94"), "en", "86.94"),
    ],
)
def test_counts_and_averages_print_as_in_the_seed_documents(value, language, expected):
    assert format_number(value, language).replace("\xa0", " ") == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(Decimal("85.00"), "bg", "85"), (Decimal("11.11"), "mk", "11,11"), (Decimal("9.90"), "en", "9.9")],
)
def test_shares_drop_trailing_zeros(value, language, expected):
    assert format_percent(value, language) == expected
