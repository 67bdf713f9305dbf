"""Tests released in a model's summary beside its fit statistics (an instrumental-variables
model's first-stage F per endogenous regressor and its test of overidentification), computed
here from totals this module perturbs, never from exact values.

Each test is a quadratic form in totals the engine hands over (inputs.FitTest):

    value = s'A⁻¹s · f / (d · r),

s a vector and A a symmetric matrix of totals over the model's units, r one more total (or
1), f either 1 or the model's perturbed N less an offset, d a divisor (the number of
restrictions for an F). Every entry of s, of A's upper triangle and r is a total of
per-unit contributions, perturbed as any other magnitude (rules/magnitude_noise.py: noise of
at least `strength` times its largest contribution, keyed by the model's value digest, a
stream of its own per entry), before the value is computed; so is the N. What one unit
changes in a test is what it changes in these totals, and each of them hides it behind noise
of its own size: two requests that differ in one unit get two unrelated draws, and the same
request the same one.

Names in the summary: `<name>`, `<name>_df1` and `<name>_df2` (F) or `<name>_df` (χ²),
`<name>_p`, each followed by `:<about>` for a test of one regressor (first_stage_f_p:
utdanning). A test with `weak_below` set (a first-stage F) is flagged when its released
value is under it: `<name>_weak` (1 or 0) and a note. The flag is decided on the released
value, so it tells nothing the value does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.stats

from .result import SummaryValue
from .rounding import significant
from .rule import Message
from .rules.cell_key_noise import CellKeyNoise
from .rules.magnitude_noise import MagnitudeNoise

if TYPE_CHECKING:
    from .release import ResultBuilder

# The magnitude-noise streams of a model's tests: past the fit totals' (models.FIT_STREAM,
# 1 << 16), a block of 4096 per test.
TEST_STREAM = 1 << 20
_BLOCK = 4096

WEAK = Message(
    "Første trinn har F under terskelen for svake instrumenter ({threshold:g}, Stock og "
    "Yogo): estimatene kan være skjeve og testene misvisende. F er et støyet tall.",
    "A first stage has F under the weak-instrument threshold ({threshold:g}, Stock and "
    "Yogo): the estimates may be biased and the tests misleading. F is a perturbed value.",
)


@dataclass(frozen=True, eq=False)
class FitTest:
    """One test: `vector` s (t) and `matrix` A (t × t, symmetric) with the largest per-unit
    contributions of each entry (`*_largest`: top_k × t and top_k × t × t, absolute,
    descending), `ratio` r with its own (None: 1); `offset` None: f = 1, else f = N −
    offset; `divisor` d. `distribution` "f": the p-value of F(d, N − offset); "chi2": of
    χ²(`df`) at value · d."""

    name: str
    about: str  # what the test is of (an endogenous regressor's name), or ""
    vector: np.ndarray
    vector_largest: np.ndarray
    matrix: np.ndarray
    matrix_largest: np.ndarray
    distribution: str
    df: int
    divisor: int = 1
    offset: int | None = None
    ratio: float | None = None
    ratio_largest: np.ndarray | None = None
    weak_below: float | None = None

    def __post_init__(self) -> None:
        t = len(self.vector)
        if self.matrix.shape != (t, t) or t < 1 or t * (t + 3) // 2 + 1 > _BLOCK:
            raise ValueError("a test needs a vector and a square matrix of its size")
        if self.distribution not in ("f", "chi2"):
            raise ValueError("a test's distribution is f or chi2")


def control_fit_tests(
    out: ResultBuilder, tests: Sequence[FitTest], digest: int, n: int, digits: int
) -> None:
    """Each test's value, degrees of freedom and p-value into the summary (None where the
    perturbed totals give no value: a matrix not positive definite, a ratio not positive)."""
    if not tests:
        return
    noise = out.rule(MagnitudeNoise)
    why = ("magnitude-noise",) if noise.parameters.enabled else ()
    counted = ("cell-key-noise",) if out.rule(CellKeyNoise).parameters.enabled else ()
    keyed = np.array([digest % (1 << 64)], dtype=np.uint64)
    for index, test in enumerate(tests):
        stream = TEST_STREAM + index * _BLOCK

        def noised(total: float, largest: np.ndarray) -> float:
            nonlocal stream
            stream += 1
            return total + float(noise.noise(np.asarray(largest)[:, None], keyed, stream)[0])

        t = len(test.vector)
        s = np.array([noised(test.vector[j], test.vector_largest[:, j]) for j in range(t)])
        a = np.zeros((t, t))
        for j in range(t):
            for k in range(j, t):
                a[j, k] = a[k, j] = noised(test.matrix[j, k], test.matrix_largest[:, j, k])
        r = 1.0
        if test.ratio is not None:
            assert test.ratio_largest is not None
            r = noised(test.ratio, test.ratio_largest)
        value = _value(s, a, r, test, n)
        dof = None if test.offset is None else n - test.offset
        if value is None or (dof is not None and dof <= 0):
            value, p = None, None
        elif test.distribution == "f":
            p = float(scipy.stats.f.sf(value, test.divisor, dof)) if dof else None
        else:
            p = float(scipy.stats.chi2.sf(value * test.divisor, test.df))
        shown = None if value is None else significant(value, digits)
        out.summary.append(SummaryValue(_key(test, ""), shown, why))
        if test.distribution == "f":
            out.summary.append(SummaryValue(_key(test, "_df1"), test.divisor, ()))
            out.summary.append(SummaryValue(_key(test, "_df2"), dof, counted))
        else:
            out.summary.append(SummaryValue(_key(test, "_df"), test.df, ()))
        p_shown = None if p is None else significant(p, digits)
        out.summary.append(SummaryValue(_key(test, "_p"), p_shown, why))
        if test.weak_below is not None:
            weak = shown is not None and shown < test.weak_below
            out.summary.append(SummaryValue(_key(test, "_weak"), int(weak), why))
            if weak:
                text = WEAK.format(threshold=test.weak_below)
                out.note("weak-instruments", text)


def _key(test: FitTest, suffix: str) -> str:
    """The summary's name: sargan_p, first_stage_f_p:utdanning."""
    return test.name + suffix + (f":{test.about}" if test.about else "")


def _value(s: np.ndarray, a: np.ndarray, r: float, test: FitTest, n: int) -> float | None:
    if r <= 0:
        return None
    try:
        factor = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return None
    solved = np.linalg.solve(factor, s)
    scale = 1.0 if test.offset is None else float(n - test.offset)
    value = float(solved @ solved) * scale / (test.divisor * r)
    return value if np.isfinite(value) and value >= 0 else None
