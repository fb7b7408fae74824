"""Counts that know how sure they are: a value (None is unknown) and a qualifier.

Adding counts keeps the weakest qualifier of the parts; an unknown part makes the sum a lower
bound ("at least") of what is known, and nothing known at all stays unknown. Never zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from projects.money import percentage, round_half_up

from .models import Qualifier

# Groups of 1 to 4 people are too small to publish: readers outside a project's team see "<5".
SMALL_GROUP_LIMIT = 5
SUPPRESSED_DISPLAY = "<5"

STRENGTH = {Qualifier.EXACT: 0, Qualifier.AT_LEAST: 1, Qualifier.APPROXIMATE: 2}


def weakest(qualifiers: Iterable[str]) -> str:
    """The least certain of the qualifiers (exact < at least < approximately); exact for none."""
    return max(qualifiers, key=lambda q: STRENGTH[q], default=Qualifier.EXACT)


@dataclass(frozen=True)
class Figure:
    """A count or average with its qualifier; ``value`` None means nobody recorded it."""

    value: int | Decimal | None
    qualifier: str = Qualifier.EXACT
    # A small group's count withheld from readers outside the project team: shown as "<5", never as
    # unknown. Its value is gone, so nothing can add it up again.
    is_suppressed: bool = False

    @property
    def is_known(self) -> bool:
        return self.value is not None

    @classmethod
    def unknown(cls) -> Figure:
        return cls(None)

    @classmethod
    def suppressed(cls, qualifier: str = Qualifier.EXACT) -> Figure:
        return cls(None, qualifier, is_suppressed=True)


def sum_figures(parts: Iterable[Figure], *, unknown_parts: int = 0) -> Figure:
    """The sum of ``parts``; ``unknown_parts`` counts parts nobody recorded (they make it 'at least')."""
    parts = list(parts)
    known = [part for part in parts if part.is_known]
    unknown_parts += len(parts) - len(known)
    if not known:
        return Figure.unknown()
    qualifiers = [part.qualifier for part in known]
    if unknown_parts:
        qualifiers.append(Qualifier.AT_LEAST)
    return Figure(sum(part.value for part in known), weakest(qualifiers))


def average(total: Figure, count: int) -> Figure:
    """``total / count`` with two decimals, half up; unknown when there is nothing to divide."""
    if not total.is_known or not count:
        return Figure.unknown()
    return Figure(round_half_up(Decimal(total.value) / count), total.qualifier)


def share(part: Figure, whole: Figure) -> Figure:
    """``part`` as a percentage of ``whole`` (two decimals, half up), with the weaker qualifier."""
    if not part.is_known or not whole.is_known or not whole.value:
        return Figure.unknown()
    # A part of a lower bound is no bound at all: it can only be approximate.
    whole_qualifier = Qualifier.APPROXIMATE if whole.qualifier == Qualifier.AT_LEAST else whole.qualifier
    qualifier = weakest([part.qualifier, whole_qualifier])
    return Figure(percentage(part.value, whole.value), qualifier)
