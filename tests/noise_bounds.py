"""Bounds of released numbers derived from the documented noise (docs/OUTPUT_CONTROL.md §3),
read from the rules' own parameters, for tests that compare a released number with the
noiseless one: a change of the noise moves the bound with it, where a tolerance written by
hand (`approx(rel=0.25)`) fails by chance or stops testing anything.

- A capped total (a summary's Σx, a sum of squared deviations, a central moment, the Gini
  numerator; an OLS fit's RSS and TSS, a GLM's log-likelihoods): each unit's influence
  capped at the cap c of the influences, plus √V · c · v, |v| ≤ max_noise (magnitude-noise:
  `MagnitudeNoise.capped_bound`), V the count table's variance (cell-key-noise). `Total`
  is (the capped total without noise, that radius).
- A perturbed count: within cell-key-noise's max_noise.
- A number computed from several of them: its range over the corners of their box (and
  the box's middle points), exact for a function monotone in each total, which every
  statistic checked here is over its box (a ratio, a root, D'Agostino's z of a moment).
- A shown number: rounded to its significant figures, half a unit of the last either way.

No exposure factor (rules/budget.py): a test's own ledger starts empty, and a total's noise
is widened only for units told more than the allowance; `factor` says otherwise.

`check` asserts a released number within its range and, when REGCAT_BOUND_RATIOS names a
file, appends |released − noiseless| / the bound on that side to it: what a run of several
sessions reports as the largest share of a bound used."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from catalogue.analysis.model_fit import ols_statistics
from catalogue.analysis.output_control.dominated import undominated_signed_caps
from catalogue.analysis.output_control.influence import gini_influences, moment_influences
from catalogue.analysis.output_control.one_variable import capped_total
from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoise
from catalogue.analysis.output_control.rules.extreme_values import ExtremeValues
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise
from catalogue.analysis.output_control.rules.model_noise import MIN_EIGEN, ModelNoise
from catalogue.analysis.output_control.rules.regression import Regression
from catalogue.analysis.output_control.rules.smoothed_percentile import (
    SmoothedPercentile,
    window,
)
from catalogue.analysis.output_control.rules.winsorised_summary import (
    WinsorisedSummary,
    winsorise,
)

DEFAULTS = OutputControlParameters.defaults()
# The figures each kind of number is shown to.
MODEL_DIGITS = DEFAULTS.of(Regression).significant_digits
SUMMARY_DIGITS = DEFAULTS.of(WinsorisedSummary).significant_digits
PERCENTILE_DIGITS = DEFAULTS.of(SmoothedPercentile).significant_digits
EXTREME_DIGITS = DEFAULTS.of(ExtremeValues).significant_digits


@dataclass(frozen=True)
class Range:
    """What a released number can be: its noiseless value and the least and most."""

    value: float
    low: float
    high: float

    def points(self) -> tuple[float, ...]:
        """Where f of it is evaluated: either end, the value, and 0 if inside (a square's,
        or |z|'s, turning point)."""
        inside = (0.0,) if self.low < 0.0 < self.high else ()
        return (self.low, self.value, self.high, *inside)


@dataclass(frozen=True)
class Total:
    """A released total's noiseless value (capped) and the most its noise moves it."""

    value: float
    radius: float

    def points(self) -> tuple[float, ...]:
        return Range(self.value, self.value - self.radius, self.value + self.radius).points()


def capped_radius(
    cap: float, parameters: OutputControlParameters = DEFAULTS, factor: float = 1.0
) -> float:
    """max_noise · √V · c (× an exposure factor): the most a capped total's noise moves it."""
    variance = parameters.of(CellKeyNoise).variance
    bound = parameters.rule(MagnitudeNoise).capped_bound(np.array([cap]), variance)
    return float(bound[0]) * factor


def capped(
    total: float,
    influences: np.ndarray,
    power: int = 1,
    parameters: OutputControlParameters = DEFAULTS,
) -> Total:
    """A capped total as one_variable.SummaryNoise releases it: the units' influences (in
    any order; their set ids only break ties among equal values and judge dominance, which
    none of the tests' wages and ages reach) capped at their cap, read on the k-th roots
    for `power` k."""
    influences = np.asarray(influences, dtype=np.float64)
    ids = np.arange(len(influences), dtype=np.uint64)
    base, cap = capped_total(parameters, total, influences, ids, power)
    return Total(base, capped_radius(cap, parameters))


def count(exact: int, parameters: OutputControlParameters = DEFAULTS) -> Total:
    """A perturbed count: within ±max_noise of the exact one."""
    return Total(float(exact), float(parameters.of(CellKeyNoise).max_noise))


def half_unit(value: float, digits: int) -> float:
    """Half a unit of the last of `digits` significant figures of `value` as shown."""
    if not value or not math.isfinite(value):
        return 0.0
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - digits + 1)


def over(f: Callable[..., float], *totals: Total | Range) -> Range:
    """f's range over the box of the totals (each ± its radius, or a range): the least and
    most over the points of each at its value, either end and 0 if inside (exact for f
    monotone in each argument on either side of 0: a ratio, a root, a square, D'Agostino's
    z of a moment, a p-value of |z|); points where f is not finite are left out."""
    found = [f(*point) for point in itertools.product(*(t.points() for t in totals))]
    finite = [v for v in found if v is not None and math.isfinite(v)]
    value = f(*(t.value for t in totals))
    return Range(value, min(finite), max(finite))


def check(name: str, released: float, expected: Range, digits: int | None = None) -> float:
    """Asserts `released` (shown to `digits` significant figures, None: unrounded) within
    `expected`, and gives |released − value| / the bound's distance on its side (recorded
    in REGCAT_BOUND_RATIOS when set)."""
    slack = 0.0 if digits is None else half_unit(released, digits)
    low, high = expected.low - slack, expected.high + slack
    assert low <= released <= high, (name, released, expected, slack)
    side = (high - expected.value) if released >= expected.value else (expected.value - low)
    ratio = abs(released - expected.value) / side if side > 0 else 0.0
    record(name, ratio)
    return ratio


def record(name: str, ratio: float) -> None:
    path = os.environ.get("REGCAT_BOUND_RATIOS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{name}\t{ratio:.4f}\n")


def ols_fit(capped: tuple[float, float, float, float], n: int, p: int) -> dict[str, Range]:
    """R², adjusted R² and F of an OLS fit with a constant (model_fit.ols_statistics) on N
    `n` (the released one) of `p` parameters, from its capped RSS and TSS and their caps
    (`FitSums.capped`), each within max_noise·√V times its cap (models._fit_statistics)."""
    model, null, model_cap, null_cap = capped
    rss = Total(model, capped_radius(model_cap))
    tss = Total(null, capped_radius(null_cap))
    found = {}
    for name in ("r2", "r2_adjusted", "f"):

        def statistic(rss: float, tss: float, name: str = name) -> float:
            return float(ols_statistics(n, p, True, rss, tss)[name])

        found[name] = over(statistic, rss, tss)
    return found


def summary(values: np.ndarray, parameters: OutputControlParameters = DEFAULTS) -> dict[str, Range]:
    """The mean, sd and Gini summarize releases of these values (one per unit) as
    rules/winsorised_summary.py computes them: of the values winsorised, the capped totals
    Σx, Σ(x − x̄)² (its cap read on the roots) and Σ(2i − n − 1)·x_(i) (each unit's
    influence Σ_j |x_t − x_j|) over the perturbed count."""
    p = parameters.of(WinsorisedSummary)
    clipped = winsorise(
        np.asarray(values, dtype=np.float64), p.lower_percentile, p.upper_percentile
    )
    n = count(len(clipped), parameters)
    total = capped(float(clipped.sum()), clipped, 1, parameters)
    deviations = clipped - clipped.mean()
    squares = capped(float(np.sum(deviations**2)), moment_influences(deviations, 2), 2, parameters)
    ordered = np.sort(clipped)
    weights = 2 * np.arange(1, len(ordered) + 1) - len(ordered) - 1
    numerator = capped(float(weights @ ordered), gini_influences(clipped), 1, parameters)
    return {
        "mean": over(lambda t, m: t / m, total, n),
        "sd": over(lambda s, m: math.sqrt(max(s, 0.0) / (m - 1)), squares, n),
        "gini": over(lambda g, t, m: g / (m * t), numerator, total, n),
    }


def window_mean(
    values: np.ndarray,
    span: Callable[[int], tuple[int, int]],
    parameters: OutputControlParameters = DEFAULTS,
) -> Range:
    """A smoothed window's mean as one_variable.WindowNoise releases it: of ranks
    span(n) = [start, stop) of the values sorted and clipped to their caps (read without
    the dominant ones), plus √V times the window's reach (how far one unit moves its sum:
    MagnitudeNoise.window_reach) times v over its size."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = len(ordered)
    ids = np.arange(n, dtype=np.uint64)
    upper, lower = undominated_signed_caps(
        parameters, np.zeros(n, np.int64), ordered, ids, 1, np.arange(n)
    )
    clipped = np.clip(ordered, lower[0], upper[0])
    start, stop = span(n)
    reach = parameters.rule(MagnitudeNoise).window_reach(
        clipped,
        np.zeros(1, np.int64),
        np.array([n], dtype=np.int64),
        np.array([start], dtype=np.int64),
        np.array([stop - start], dtype=np.int64),
        upper,
        lower,
    )
    mean = float(clipped[start:stop].mean())
    radius = capped_radius(float(reach[0]), parameters) / (stop - start)
    return Range(mean, mean - radius, mean + radius)


def percentile(
    values: np.ndarray, quantile: float, parameters: OutputControlParameters = DEFAULTS
) -> Range:
    """A smoothed percentile (one_variable.control_percentiles): the window of min_units
    values nearest the quantile's rank."""
    rule = parameters.rule(SmoothedPercentile)
    return window_mean(values, lambda n: window(n, quantile, rule.width(n)), parameters)


def extremes(
    values: np.ndarray, parameters: OutputControlParameters = DEFAULTS
) -> tuple[Range, Range]:
    """The smoothed minimum and maximum (one_variable.control_min_max): the windows of the
    smallest and the largest `units` values."""
    rule = parameters.rule(ExtremeValues)
    found = []
    for part in rule.windows(len(values)):
        found.append(window_mean(values, lambda n, p=part: (p.start, p.stop), parameters))
    return found[0], found[1]


def correlation_ranges(
    correlations: np.ndarray, taus: np.ndarray, parameters: OutputControlParameters = DEFAULTS
) -> list[list[Range]]:
    """Per pair of terms the range of its noised correlation R̃ (ModelNoise.correlations):
    tanh(atanh(r) ± max_noise·τ), τ from model_noise.correlation_spread. Those draws are
    then made a correlation matrix of eigenvalues ≥ MIN_EIGEN, which moves them further;
    where the box can reach that, only |R̃| ≤ 1 is known."""
    r = np.clip(np.asarray(correlations, dtype=np.float64), -1.0, 1.0)
    reach = parameters.of(ModelNoise).max_noise * np.asarray(taus, dtype=np.float64)
    z = np.arctanh(np.clip(r, -1.0 + 1e-12, 1.0 - 1e-12))
    low, high = np.tanh(z - reach), np.tanh(z + reach)
    np.fill_diagonal(low, 1.0)
    np.fill_diagonal(high, 1.0)
    # Every matrix of the box has its least eigenvalue at least the middle's less the
    # spectral radius of the half-widths (Rohn 1994, interval matrices).
    middle, half = (low + high) / 2, (high - low) / 2
    if np.linalg.eigvalsh(middle).min() - np.abs(np.linalg.eigvalsh(half)).max() < MIN_EIGEN:
        low, high = np.where(np.eye(len(r)) > 0, 1.0, -1.0), np.ones_like(r)
    return [
        [Range(float(r[j, k]), float(low[j, k]), float(high[j, k])) for k in range(len(r))]
        for j in range(len(r))
    ]


def combined_error(
    weights: Sequence[float], errors: Sequence[float], correlations: Sequence[Sequence[Range]]
) -> Range:
    """The error of Σ_j w_j·b_j a basis takes from registered released errors ẽ_j (as shown,
    to MODEL_DIGITS figures) and their noised correlations R̃_jk (`correlation_ranges`),
    √(Σ_jk w_j w_k ẽ_j ẽ_k R̃_jk) (models.py `_transformed`), over the box of each pair's
    R̃ (linear in each: its ends decide) and each ẽ within half a unit of its last figure
    (its ends and middle)."""
    terms = [j for j, w in enumerate(weights) if w]
    pairs = [(j, k) for j in terms for k in terms if j < k]
    shown = [
        Range(
            float(errors[j]), *(errors[j] + d * half_unit(errors[j], MODEL_DIGITS) for d in (-1, 1))
        )
        for j in terms
    ]

    def error(*point: float) -> float:
        e = dict(zip(terms, point[: len(terms)], strict=True))
        r = dict(zip(pairs, point[len(terms) :], strict=True))
        variance = sum(weights[j] ** 2 * e[j] ** 2 for j in terms)
        variance += sum(2 * weights[j] * weights[k] * e[j] * e[k] * r[(j, k)] for j, k in pairs)
        return math.sqrt(max(variance, 0.0))

    return over(error, *shown, *(correlations[j][k] for j, k in pairs))


def within(name: str, found: Sequence[float], ranges: Sequence[Range], digits: int) -> None:
    """`check` of each released number against its range."""
    for i, (value, expected) in enumerate(zip(found, ranges, strict=True)):
        check(f"{name}[{i}]", value, expected, digits)
