"""Counts that know how sure they are: sums keep the weakest qualifier, unknown is never zero."""

from decimal import Decimal

import pytest

from forums.counts import Figure, average, share, sum_figures, weakest
from forums.models import Qualifier

EXACT = Qualifier.EXACT
AT_LEAST = Qualifier.AT_LEAST
APPROXIMATE = Qualifier.APPROXIMATE


@pytest.mark.parametrize(
    ("qualifiers", "expected"),
    [
        ([EXACT, EXACT], EXACT),
        ([EXACT, AT_LEAST], AT_LEAST),
        ([AT_LEAST, EXACT], AT_LEAST),
        ([EXACT, APPROXIMATE], APPROXIMATE),
        ([AT_LEAST, APPROXIMATE], APPROXIMATE),
        ([APPROXIMATE, AT_LEAST, EXACT], APPROXIMATE),
        (["exact", "at_least"], AT_LEAST),  # plain strings, as stored in the database
        ([], EXACT),
    ],
)
def test_weakest_qualifier_orders_exact_at_least_approximately(qualifiers, expected):
    assert weakest(qualifiers) == expected


def test_sum_of_exact_parts_is_exact():
    assert sum_figures([Figure(735), Figure(656)]) == Figure(1391, EXACT)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (Figure(20, AT_LEAST), Figure(30, AT_LEAST)),
        (Figure(20, APPROXIMATE), Figure(30, APPROXIMATE)),
    ],
)
def test_sum_carries_the_weakest_qualifier_of_its_parts(second, expected):
    assert sum_figures([Figure(10, EXACT), second]) == expected


def test_an_unknown_part_makes_the_sum_at_least_what_is_known():
    assert sum_figures([Figure(10), Figure.unknown(), Figure(5)]) == Figure(15, AT_LEAST)


def test_unknown_parts_given_as_a_number_make_the_sum_at_least():
    assert sum_figures([Figure(10)], unknown_parts=2) == Figure(10, AT_LEAST)


def test_an_unknown_part_does_not_strengthen_an_approximate_sum():
    assert sum_figures([Figure(10, APPROXIMATE), Figure.unknown()]) == Figure(10, APPROXIMATE)


def test_all_parts_unknown_stays_unknown_never_zero():
    total = sum_figures([Figure.unknown(), Figure.unknown()])
    assert total.value is None
    assert not total.is_known
    assert sum_figures([], unknown_parts=3).value is None
    assert sum_figures([]).value is None


def test_known_zero_is_a_count_not_unknown():
    total = sum_figures([Figure(0), Figure(0)])
    assert total.value == 0
    assert total.is_known


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (735, 8, Decimal("91.88")),  # 91.875: half up, not to even
        (656, 8, Decimal("82.00")),
        (1, 3, Decimal("0.33")),
        (2, 3, Decimal("0.67")),
        (1, 8, Decimal("0.13")),  # 0.125
        (3, 8, Decimal("0.38")),  # 0.375
        (130, 5, Decimal("26.00")),
    ],
)
def test_average_has_two_decimals_rounded_half_up(total, count, expected):
    result = average(Figure(total), count)
    assert result.value == expected
    assert str(result.value) == str(expected)  # two decimals, also for whole numbers
    assert result.qualifier == EXACT


def test_average_keeps_the_qualifier_of_the_total():
    assert average(Figure(125, AT_LEAST), 6) == Figure(Decimal("20.83"), AT_LEAST)
    assert average(Figure(100, APPROXIMATE), 3) == Figure(Decimal("33.33"), APPROXIMATE)


def test_average_of_unknown_or_over_no_sessions_is_unknown():
    assert average(Figure.unknown(), 4).value is None
    assert average(Figure(10), 0).value is None


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 800, Decimal("0.13")),  # 0.125 %
        (735, 1391, Decimal("52.84")),
        (0, 10, Decimal("0.00")),
        (10, 10, Decimal("100.00")),
    ],
)
def test_share_is_a_percentage_with_two_decimals_rounded_half_up(part, whole, expected):
    result = share(Figure(part), Figure(whole))
    assert result.value == expected
    assert str(result.value) == str(expected)
    assert result.qualifier == EXACT


def test_share_of_an_at_least_whole_is_approximate():
    assert share(Figure(40), Figure(125, AT_LEAST)) == Figure(Decimal("32.00"), APPROXIMATE)


def test_share_takes_the_weaker_qualifier_of_part_and_whole():
    assert share(Figure(40, AT_LEAST), Figure(100)) == Figure(Decimal("40.00"), AT_LEAST)
    assert share(Figure(40), Figure(100, APPROXIMATE)) == Figure(Decimal("40.00"), APPROXIMATE)
    assert share(Figure(40, AT_LEAST), Figure(100, APPROXIMATE)).qualifier == APPROXIMATE


@pytest.mark.parametrize(
    ("part", "whole"),
    [
        (Figure.unknown(), Figure(10)),
        (Figure(3), Figure.unknown()),
        (Figure(0), Figure(0)),
    ],
)
def test_share_of_or_in_an_unknown_or_empty_whole_is_unknown(part, whole):
    assert share(part, whole).value is None
