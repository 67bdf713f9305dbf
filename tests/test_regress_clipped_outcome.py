"""The OLS fit statistics' clipped outcome (statistics/shared/ols.py `clipped_outcome`): its
median and the ends of its deviations from one partition, against every deviation sorted
(`clipped_outcome_sorted`, the reference twin): the same values to the last bit, for odd
and even lengths, ties at the median and at the ends, all-equal outcomes, lengths around
2·cap_rank, one-sided outcomes, nan and ±inf."""

from __future__ import annotations

import numpy as np
import pytest

from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise
from catalogue.analysis.statistics.shared import ols

NOISE = OutputControlParameters.defaults().rule(MagnitudeNoise)


def _outcome(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "income":
        return np.where(rng.random(n) < 0.2, 0.0, np.round(rng.lognormal(12, 1, n)))
    if kind == "ties":
        return rng.choice([-3.0, 0.0, -0.0, 1.0, 2.0], size=n)
    if kind == "constant":
        return np.full(n, 7.5)
    if kind == "positive":
        return rng.exponential(size=n) + 1.0
    if kind == "outlier":
        y = rng.normal(size=n)
        y[rng.integers(0, n)] = 1e9
        return y
    if kind == "nan":
        y = rng.normal(size=n)
        y[rng.integers(0, n)] = np.nan
        return y
    y = rng.normal(size=n)  # "inf"
    y[rng.integers(0, n)] = np.inf if n % 2 else -np.inf
    return y


@pytest.mark.parametrize(
    "kind", ["income", "ties", "constant", "positive", "outlier", "nan", "inf"]
)
def test_the_partitioned_clip_equals_the_sorted(kind: str) -> None:
    rank = NOISE.parameters.cap_rank
    lengths = [1, 2, 2 * rank, 2 * rank + 2, 2 * rank + 3, 2 * rank + 4, 101, 1000, 20_001]
    for seed, n in enumerate(lengths):
        y = _outcome(np.random.default_rng(seed), n, kind)
        # An infinite outcome makes nan of both (inf − inf): the same nan, warned of alike.
        with np.errstate(invalid="ignore"):
            found = ols.clipped_outcome(NOISE, y)
            expected = ols.clipped_outcome_sorted(NOISE, y)
        assert found.tobytes() == expected.tobytes(), (kind, n)


def test_the_ends_and_median_are_the_sorted_ones() -> None:
    """`_median_and_ends` against np.median and a full sort (what makes the clip equal)."""
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(60, 5000))
        y = np.round(rng.normal(size=n), int(rng.integers(0, 3)))
        centre, low, high = ols._median_and_ends(y, 25)
        ordered = np.sort(y)
        assert centre == float(np.median(y))
        assert np.array_equal(low, ordered[:25]) and np.array_equal(high, ordered[-25:])
