"""Month names, declared so that our catalogs translate them.

Django's Bulgarian and Albanian catalogs capitalise month names ("24 Август 2022", "Gusht"), which
both languages write in lower case in running text. Our catalogs come first in ``LOCALE_PATHS``, so
the lower-case translations of these msgids replace Django's wherever a date is formatted.
"""

from django.utils.translation import gettext_noop

MONTHS = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]
