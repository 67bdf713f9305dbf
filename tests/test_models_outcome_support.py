"""regression-outcome-support (rules/outcome_support.py): every level, interaction cell and
side of a two-valued regressor away from its mode must hold 10 units off the cell's most
common outcome, on perturbed counts keyed by the cell's units, so the verdict is the same
draw whatever one member's outcome (no oracle): what model_evidence counts, what the rule
withholds, and what the verdict tells about one unit at the bound."""

from __future__ import annotations

import numpy as np

from catalogue.analysis.output_control import ControlledResult, Term, control_regression, fit_ols
from catalogue.analysis.output_control.cell_key import perturbed_counts
from catalogue.analysis.output_control.inputs import RegressionFit
from catalogue.analysis.output_control.model_support import model_evidence
from catalogue.analysis.output_control.rules.cell_key_noise import (
    CellKeyNoise,
    CellKeyNoiseParameters,
)
from catalogue.analysis.output_control.rules.outcome_support import (
    OutcomeSupport,
    OutcomeSupportParameters,
)

from .test_output_control_helpers import context, noise_off, pseudonyms

N = 2000
POPULATION = pseudonyms(N, seed=13)
TERMS = [Term("_cons", "constant"), Term("T", "dummy", "g"), Term("x", "continuous")]


def _design(level: int, rng: np.random.Generator) -> np.ndarray:
    inside = np.zeros(N)
    inside[:level] = 1
    return np.column_stack([np.ones(N), inside, rng.normal(size=N)])


def _fit(
    y: np.ndarray, design: np.ndarray, noise: bool = True
) -> tuple[RegressionFit, ControlledResult]:
    ctx = context(POPULATION) if noise else context(POPULATION, noise_off())
    fit = fit_ols("y", POPULATION, design, y, TERMS, ctx.keys)
    return fit, control_regression(fit, ctx)


def test_a_level_whose_outcome_is_constant_is_withheld_in_both_worlds() -> None:
    """T: the target (row 0) and 12 known units with outcome 1, the rest 0/1 at random;
    the target's 1 (diagnosed) or 0. T has 0 or 1 unit off its mode: withheld either way,
    with one reason and no term names; the two worlds' cells draw one key."""
    rng = np.random.default_rng(1)
    design = _design(13, rng)
    rest = (rng.random(N) < 0.3).astype(float)
    keys = []
    for target in (1.0, 0.0):
        y = rest.copy()
        y[1:13], y[0] = 1.0, target
        fit, result = _fit(y, design)
        cell = next(c for c in fit.evidence.outcome_supports if c.label == "g=1")
        assert cell.varied == (0 if target else 1)
        keys.append(cell.key)
        assert [(r.labels, r.values, r.reasons) for r in result.rows] == [
            (("model",), (None,) * 6, ("regression-outcome-support",))
        ]
        assert "regression-outcome-support" in [r.code for r in result.rules]
    assert keys[0] == keys[1]


def test_a_level_with_its_outcome_varied_is_released() -> None:
    """The same level padded to 12 ones and 12 zeros (exact counts): released, and the rule
    not listed (it lists itself only on what it withholds)."""
    rng = np.random.default_rng(2)
    design = _design(25, rng)
    y = (rng.random(N) < 0.3).astype(float)
    y[:13], y[13:25] = 1.0, 0.0
    fit, result = _fit(y, design, noise=False)
    cell = next(c for c in fit.evidence.outcome_supports if c.label == "g=1")
    assert cell.varied == 12
    assert all(row.values[0] is not None for row in result.rows)
    assert "regression-outcome-support" not in [r.code for r in result.rules]


def test_continuous_outcomes_count_units_off_the_cells_modal_value() -> None:
    """A wage-like outcome: a level of 12 distinct values has 11 off its mode; both sides
    of a two-valued numeric regressor are cells too (regress_mml's x), the side at its
    mode as `x@mode` (the 1988 other units, of distinct values: 1987 off the mode)."""
    rng = np.random.default_rng(3)
    x = np.zeros(N)
    x[:12] = 1
    design = np.column_stack([np.ones(N), x])

    def varied_per_cell(y: np.ndarray) -> list[tuple[str, int]]:
        evidence = model_evidence(
            context(POPULATION).keys,
            POPULATION,
            y,
            np.arange(N),
            design,
            [Term("_cons", "constant"), Term("x", "continuous")],
            fitted=np.zeros(N),
        )
        return [(c.label, c.varied) for c in evidence.outcome_supports]

    y = rng.normal(size=N)
    y[5:12] = y[4]  # 8 of the 12 share one value: 4 off it
    assert varied_per_cell(y) == [("x", 4), ("x@mode", N - 13)]
    y[5:12] = rng.normal(size=7)
    assert varied_per_cell(y) == [("x", 11), ("x@mode", N - 13)]


def test_panel_rows_count_each_unit_once() -> None:
    """Two rows per unit: a unit off the cell's mode on both rows counts once."""
    units = np.repeat(POPULATION[:100], 2)
    level = np.zeros(100)
    level[:30] = 1
    design = np.column_stack([np.ones(2), [0.0, 1.0]])
    pattern = np.repeat(level, 2).astype(np.int64)
    y = np.zeros(200)
    y[:24] = 1.0  # units 0-11 in the level, 1 on both rows
    evidence = model_evidence(
        context(POPULATION).keys,
        units,
        y,
        pattern,
        design,
        [Term("_cons", "constant"), Term("T", "dummy", "g")],
        [("g", np.array([0, 1]))],
        fitted=np.zeros(2),
    )
    found = {c.label: c.varied for c in evidence.outcome_supports}
    assert found == {"g=0": 0, "g=1": 12}


def test_the_verdict_at_the_bound_tells_no_more_than_one_count() -> None:
    """The attack on the rule: a level padded to 9 known units off its mode, plus the
    target off it iff not diagnosed (9 or 10). Over every cell key, the verdict drawn by
    the cell's key (the same in both worlds) is monotone (a release when diagnosed implies
    one when not: nothing certified) and its Bayes accuracy is that of one perturbed count
    with and without the unit (at most 0.62); keyed by the units off the mode instead, the
    diagnosed world's key is the padders' alone, which a model without the target reads."""
    table = CellKeyNoise(CellKeyNoiseParameters()).table()
    rule = OutcomeSupport(OutcomeSupportParameters())
    keys = np.arange(4096)
    for known in range(5, 15):
        diagnosed = perturbed_counts(np.full(4096, known), keys, table)
        undiagnosed = perturbed_counts(np.full(4096, known + 1), keys, table)
        passed = [
            np.array([not rule.apply([int(n)])[0].withheld for n in counts])
            for counts in (diagnosed, undiagnosed)
        ]
        assert not np.any(passed[0] & ~passed[1])
        accuracy = 0.5 + abs(passed[0].mean() - passed[1].mean()) / 2
        assert accuracy <= 0.62
