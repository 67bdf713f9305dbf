"""Models' released standard errors are widened for model-noise (s' ≈ √(s² + σ²), so that a
95 % interval covers the noise too: rules/model_noise.py). σ = max(0.3·c, 2·d), d the most
one unit moves the coefficient: a widened error that told σ would tell d, and d is one
unit's value when the model makes that unit the most influential. The attack reads it.

The model: everyone but a twelfth (by day of birth, a padding of its own per target) plus
the target; x = 6000·v for the padding (v = 1..5 from the day of birth) and the target's
wage for the target; y = x ± K for the padding (the sign from the day of birth: residuals
of a known size K that make the classical error s = K/√Σx² small but leave the target's
share of it small too) and y = 2x for the target. With no constant the target moves the
slope by d = h = W²/Σx², its leverage, far more than any padding unit (6000·5·K/Σx²), so
σ = 2h; the attacker knows s (K and Σx² from a count table of v), takes σ² = s'² − s²,
h = σ/2, and W = √(h·Σx²/(1 − h))."""

from __future__ import annotations

import math

from tests.red_team.conftest import Attacker, Person, Score, Truth
from tests.red_team.test_models import (
    _padding,
    _slope_and_error,
    _wage_from_leverage,
    target_in_padding,
)

TARGETS = 12
K = 20_000.0  # the padding's residual, in NOK


def _most_influential(alice: Attacker, person: Person, i: int) -> str:
    padding_of_i = f"day(fodselsdato) - int(day(fodselsdato) / 12) * 12 != {i}"
    sign = "2 * (day(fodselsdato) - int(day(fodselsdato) / 2) * 2) - 1"
    return target_in_padding(alice, person, padding_of_i, y=f"x + {K:.0f} * ({sign})")


def test_the_widened_standard_error_of_the_most_influential_unit(
    alice: Attacker, truth: Truth
) -> None:
    """σ² = s'² − s², h = σ/influence_share, the wage from h. The widening must not tell
    σ better than the coefficient does (its noise is ±2h itself): the error's own noise
    grows with the part of it that one unit's influence makes."""
    score = Score("widened standard error of the most influential unit")
    for i, person in enumerate(truth.targets(TARGETS, min_wage=300_000)):
        handle = _most_influential(alice, person, i)
        classical = _slope_and_error(alice, handle, robust=False)
        fit = _padding(alice, handle)
        if fit is None or classical is None:
            score.add(None, person.wage or 0)
            continue
        padding = fit.units - 1
        s2 = padding * K * K / ((fit.units - 1) * fit.squares)
        sigma = math.sqrt(max(classical[1] ** 2 - s2, 0.0))
        score.add(_wage_from_leverage(sigma / 2.0, fit.squares), person.wage or 0)
    assert score.failed()
