"""Numbers within JSON Schema bounds: a few candidates, most natural first, exact until output."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

__all__ = ["number_candidates"]

_COUNT = 12


def _fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Fraction(value)


def _step(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        # The decimal the author wrote (0.1), not its binary neighbour; validation checks the rest.
        return Fraction(repr(value))
    return Fraction(value)


def _limits(
    schema: dict[str, Any], draft4: bool
) -> tuple[Fraction | None, bool, Fraction | None, bool]:
    """(low, low is exclusive, high, high is exclusive), draft 4's boolean form included."""
    low, high = _fraction(schema.get("minimum")), _fraction(schema.get("maximum"))
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if draft4:
        return low, ex_low is True and low is not None, high, ex_high is True and high is not None
    low_open = high_open = False
    bound = _fraction(ex_low)
    if bound is not None and (low is None or bound >= low):
        low, low_open = bound, True
    bound = _fraction(ex_high)
    if bound is not None and (high is None or bound <= high):
        high, high_open = bound, True
    return low, low_open, high, high_open


def _multiples(
    step: Fraction, low: Fraction | None, low_open: bool, high: Fraction | None, high_open: bool
) -> list[Fraction]:
    """The first multiples of ``step`` inside the bounds, starting near the low end or zero."""
    first = last = None
    if low is not None:
        first = math.ceil(low / step)
        first += 1 if low_open and first * step == low else 0
    if high is not None:
        last = math.floor(high / step)
        last -= 1 if high_open and last * step == high else 0
    if first is not None and last is not None and first > last:
        return []
    if first is None and last is not None and last < 0:
        return [k * step for k in range(last, last - _COUNT, -1)]
    start = first if first is not None else 0
    stop = start + _COUNT if last is None else min(start + _COUNT, last + 1)
    return [k * step for k in range(start, stop)]


def _inside(
    value: Fraction, low: Fraction | None, low_open: bool, high: Fraction | None, high_open: bool
) -> bool:
    if low is not None and (value < low or (low_open and value == low)):
        return False
    return not (high is not None and (value > high or (high_open and value == high)))


def _json(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def number_candidates(schema: dict[str, Any], draft4: bool, integer: bool) -> list[int | float]:
    """Candidate values for a numeric schema (bounds, exclusive bounds, multipleOf), in order."""
    low, low_open, high, high_open = _limits(schema, draft4)
    step = _step(schema.get("multipleOf"))
    if integer:
        # Integer multiples of p/q (in lowest terms) are exactly the multiples of p.
        whole = Fraction(step.numerator) if step is not None else Fraction(1)
        return [int(v) for v in _multiples(whole, low, low_open, high, high_open)]
    if step is not None:
        return _outputs(_multiples(step, low, low_open, high, high_open))
    found = _multiples(Fraction(1), low, low_open, high, high_open)
    half = (found[0] if found else (low if low is not None else Fraction(0))) + Fraction(1, 2)
    extra = [half] if _inside(half, low, low_open, high, high_open) else []
    if low is not None and high is not None:
        if not low_open:
            extra.append(low)
        extra += [low + (high - low) * Fraction(k, 8) for k in (4, 2, 6, 1, 3, 5, 7)]
    return _outputs(found[:1] + extra + found[1:] if found else extra)


def _outputs(values: list[Fraction]) -> list[int | float]:
    result: list[int | float] = []
    for value in values:
        try:
            candidate = _json(value)
        except OverflowError:
            continue
        if candidate not in result:
            result.append(candidate)
    return result
