"""Display rounding shared by the rules: significant figures, fixed decimals, tens."""

from __future__ import annotations

import math


def significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant figures (0, inf and nan pass through; a value
    that rounds past the largest float is ±inf, which the result's mint withholds)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    exponent = math.floor(math.log10(abs(value)))
    try:
        return float(round(value, digits - 1 - exponent))
    except OverflowError:  # rounded past the largest float (a value near 1.8e308)
        return math.copysign(math.inf, value)


def nearest_ten(count: int) -> int:
    """Half-up rounding to a multiple of ten (Python's round() would round half to even)."""
    return math.floor(count / 10 + 0.5) * 10


def percent(part: int, whole: int, decimals: int = 1) -> float:
    return float(round(100.0 * part / whole, decimals))
