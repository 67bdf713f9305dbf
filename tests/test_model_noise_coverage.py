"""A released model's 95 % interval covers the truth 95 % of the time, model-noise included
(rules/model_noise.py: the standard error is published widened, √(s² + σ²), σ the
coefficient noise's sd). Models whose truth is known, fitted on many draws of their
errors; each draw is another model (another value digest), so another noise draw: the
share of released intervals that hold the true coefficient, over every term and draw."""

from __future__ import annotations

import numpy as np
import pytest

from catalogue.analysis.model_fit import coefficient_tests
from catalogue.analysis.output_control.model_support import Term, model_evidence
from catalogue.analysis.output_control.rounding import significant
from catalogue.analysis.output_control.rules.model_noise import (
    Estimates,
    ModelNoise,
    ModelNoiseParameters,
)

from .test_output_control_helpers import context, pseudonyms

POPULATION = pseudonyms(2000, seed=33)
KEYS = context(POPULATION).keys
TERMS = (
    Term("_cons", "constant"),
    Term("age", "continuous"),
    Term("sex", "dummy", "sex"),
)
BETA = np.array([1.0, 0.5, -0.3])
DRAWS = 300


def _released_coverage(units: int, seed: int, heavy: bool) -> tuple[int, int, int]:
    """(intervals, holding the truth as released, holding it at the unperturbed
    coefficient ± t·s) over DRAWS fits of `units` units: OLS of y = Xβ + e, classical
    errors, each released as control_regression releases it (4 significant figures, the
    tests from the published pair on N − p degrees of freedom)."""
    rng = np.random.default_rng(seed)
    rule = ModelNoise(ModelNoiseParameters())
    held = held_before = total = 0
    for _ in range(DRAWS):
        x = np.column_stack(
            [np.ones(units), rng.normal(size=units), (rng.random(units) < 0.4).astype(float)]
        )
        e = rng.standard_t(3, size=units) / np.sqrt(3.0) if heavy else rng.normal(size=units)
        y = x @ BETA + e
        b, *_ = np.linalg.lstsq(x, y, rcond=None)
        fitted = x @ b
        dof = units - len(TERMS)
        s = np.sqrt(np.sum((y - fitted) ** 2) / dof * np.diag(np.linalg.inv(x.T @ x)))
        evidence = model_evidence(
            KEYS, POPULATION[:units], y, np.arange(units), x, TERMS, fitted=fitted
        )
        noised = rule.apply(Estimates(b, s, evidence.digest, evidence.influence, "classical"))
        for j, found in enumerate(noised):
            assert found.value is not None
            shown_b, shown_s = (significant(v, 4) for v in found.value)
            _, _, low, high = coefficient_tests(shown_b, shown_s, dof)
            assert low is not None and high is not None
            held += low <= BETA[j] <= high
            _, _, low0, high0 = coefficient_tests(float(b[j]), float(s[j]), dof)
            assert low0 is not None and high0 is not None
            held_before += low0 <= BETA[j] <= high0
            total += 1
    return total, held, held_before


@pytest.mark.parametrize(
    ("units", "heavy"), [(60, False), (300, False), (300, True), (1500, False)]
)
def test_released_intervals_hold_the_truth_95_percent_of_the_time(units: int, heavy: bool) -> None:
    total, held, before = _released_coverage(units, seed=units + heavy, heavy=heavy)
    print(
        f"\n[coverage] N={units} {'t3' if heavy else 'normal'} errors: released "
        f"{held / total:.3f}, unperturbed {before / total:.3f} ({total} intervals)"
    )
    assert held / total >= 0.93
