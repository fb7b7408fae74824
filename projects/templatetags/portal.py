"""Template helpers for translated content, money, shares and dates with their precision."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from projects.i18n import localized as localized_text
from projects.money import format_money, format_percent

register = template.Library()

DATE_FORMATS = {"day": "DATE_FORMAT", "month": "YEAR_MONTH_FORMAT", "year": "Y"}


@register.simple_tag
def localized(obj, field: str, paragraphs: bool = False):
    """A translated field in the reader's language, or in its original one with a visible note."""
    text = localized_text(obj, field)
    if not text.text:
        return ""
    tag = "div" if paragraphs else "span"
    # linebreaks() escapes the text itself when asked to, then adds <p> and <br>.
    body = mark_safe(linebreaks(text.text, autoescape=True)) if paragraphs else text.text  # noqa: S308
    if not text.is_fallback:
        return format_html("<{tag}>{body}</{tag}>", tag=tag, body=body)
    note = gettext("Not translated; original in %(language)s.") % {
        "language": get_language_info(text.language)["name_translated"]
    }
    return format_html(
        '<{tag} lang="{lang}">{body}</{tag}> <small class="untranslated">{note}</small>',
        tag=tag,
        lang=text.language,
        body=body,
        note=note,
    )


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """``1.234,50 €`` in the active language; an amount nobody published shows as unknown."""
    if amount is None or not currency:
        return gettext("unknown")
    return format_money(amount, currency, get_language() or settings.LANGUAGE_CODE)


@register.filter
def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format_percent(value, get_language() or settings.LANGUAGE_CODE) + " %"


@register.simple_tag
def project_date(value, precision: str = "day") -> str:
    """A date as precise as the source: ``21 октомври 2008``, ``January 2021`` or ``2021``."""
    if value is None:
        return gettext("unknown")
    return formats.date_format(value, DATE_FORMATS.get(precision, "DATE_FORMAT"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def field(form, name: str):
    """The bound field ``name`` of a form, for templates that lay fields out by name."""
    return form[name]
