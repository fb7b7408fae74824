"""Money rules used everywhere: ISO 4217 codes, the one rounding helper, and locale formatting.

Amounts are ``Decimal`` with a currency code; amounts in different currencies are never added.
"""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import to_locale

# CLDR's list of ISO 4217 codes, without the "no currency" and "testing" codes.
ISO_4217_CODES = frozenset(list_currencies()) - {"XXX", "XTS"}

CENT = Decimal("0.01")


def validate_currency_code(value: str) -> None:
    """Reject anything that is not an ISO 4217 currency code (upper case, three letters)."""
    if value not in ISO_4217_CODES:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code (for example EUR, MKD, BGN)."),
            code="invalid_currency",
            params={"code": value},
        )


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    """Round the way accountants and the seed documents do (2.5 → 3), never banker's rounding."""
    return value.quantize(places, rounding=ROUND_HALF_UP)


def percentage(part, whole) -> Decimal | None:
    """``part`` as a percentage of ``whole``, two decimals, half up; None when there is no whole."""
    if part is None or not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole))


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """``21.975.155,00 ден.`` in Macedonian, ``MKD21,975,155.00`` in English."""
    return format_currency(amount, currency, locale=to_locale(language))


def format_percent(value: Decimal, language: str) -> str:
    """A share in the language's notation, without the % sign: ``85``, ``11,11``, as the seeds print them."""
    return format_decimal(value, format="#,##0.##", locale=to_locale(language))


def format_number(value: int | Decimal, language: str) -> str:
    """A count or an average as the seed documents print them: no group separator below 10 000
    (``1391``, but ``21.975.155``) and at most two decimals (``91,88``, ``82``)."""
    pattern = "0.##" if abs(value) < 10_000 else "#,##0.##"
    return format_decimal(value, format=pattern, locale=to_locale(language))
