"""Writing counts the way they were recorded: "about 40", "at least 125", "unknown", never a bare 0."""

from django import template
from django.conf import settings
from django.utils.translation import get_language, gettext

from forums.counts import SUPPRESSED_DISPLAY, Figure
from forums.models import Attendance, Kind, Qualifier
from projects.money import format_number

register = template.Library()


def _number(value) -> str:
    return format_number(value, get_language() or settings.LANGUAGE_CODE)


@register.filter
def figure(value: Figure | None) -> str:
    """A figure with its qualifier, in the reader's number format; a suppressed small group is "<5"."""
    if value is not None and value.is_suppressed:
        return SUPPRESSED_DISPLAY
    if value is None or not value.is_known:
        return gettext("unknown")
    number = _number(value.value)
    if value.qualifier == Qualifier.AT_LEAST:
        return gettext("at least %(number)s") % {"number": number}
    if value.qualifier == Qualifier.APPROXIMATE:
        return gettext("about %(number)s") % {"number": number}
    return number


@register.filter
def percent_figure(value: Figure | None) -> str:
    if value is not None and value.is_suppressed:  # "<5" here would read as less than 5 %
        return gettext("withheld")
    if value is None or not value.is_known:
        return "—"
    return figure(value) + " %"


@register.filter
def count(value, qualifier: str = Qualifier.EXACT) -> str:
    """A stored count and its qualifier field."""
    return figure(Figure(value, qualifier))


@register.filter
def kind_label(kind: str) -> str:
    return Kind(kind).label


@register.filter
def part_label(part: str) -> str:
    """The label of an attendance part (``women``, ``age_18_29``, …) as the model names it."""
    return Attendance._meta.get_field(part).verbose_name
