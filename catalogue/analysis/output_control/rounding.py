"""Display rounding shared by the rules: significant figures, fixed decimals, tens."""

from __future__ import annotations

import math


def significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant figures (0, inf and nan pass through)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    exponent = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - exponent))


def nearest_ten(count: int) -> int:
    """Half-up rounding to a multiple of ten (Python's round() would round half to even)."""
    return math.floor(count / 10 + 0.5) * 10


def percent(part: int, whole: int, decimals: int = 1) -> float:
    return float(round(100.0 * part / whole, decimals))
