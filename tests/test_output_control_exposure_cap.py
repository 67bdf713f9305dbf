"""Exposure after the capped noise of table sums (87db7e9; rules/magnitude_noise.py): a table
cell's sum is Σ clip(y, −c, c) + √V·c·v, so it tells a unit of value x about
(min(|x|, c)/(√V·c))² ≤ 1/V, whatever the values above it. The exposure ledger (exposure.py)
was calibrated to the top-k noise, σ² = Σ (m_j·x_(j))² over the cell's three largest: a
target shielded by three known decoys far above the cap was charged (x/σ)² ≈ 0 while the
sum told it 1/3 a cell, and every such cell was fresh.

The attack, in process (the budget's calibration tests' harness): per cell three decoys of
2·10⁷ drawn from a pool of 150 (each on top of ~30 cells, never near the allowance), the
target of 10⁶, and 280 fillers of 5·10⁵ drawn from 2,000 (the cap c = 2·5·10⁵ = 10⁶ just at
the target; the two largest 0.17 of the total, below dominance-nk's band), each cell
a fresh answer (1,500 cells). The attacker knows every value but the target's: a cell's sum less
3c + Σ fillers is the target's value plus noise of sd √3·c. Asserted: the attacker's
estimate after all cells is not within 5 % with a standard error under 5 % (the README's
bound for one-target attacks), and the target's recorded exposure is at least what the
cells told it up to the allowance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    MagnitudeTable,
    OutputControlParameters,
    control_magnitude_table,
)
from catalogue.analysis.output_control.exposure import Exposure, unit_names
from catalogue.analysis.output_control.rules.budget import Budget
from catalogue.analysis.output_control.unit_sets import CellUnits

from .test_output_control_helpers import context, exposure_of, pseudonyms

DEFAULTS = OutputControlParameters.defaults()
CELLS = 1500
DECOY, TARGET, FILLER = 2e7, 1e6, 5e5
N_DECOYS, N_FILLERS = 150, 2000
PER_CELL = 280


def test_a_target_under_decoys_above_the_cap_is_charged_what_the_capped_sum_tells_it() -> None:
    population = pseudonyms(N_DECOYS + N_FILLERS + 1, seed=23)
    ctx = context(population)
    target = population[:1]
    decoys = population[1 : 1 + N_DECOYS]
    fillers = population[1 + N_DECOYS :]
    rng = np.random.default_rng(5)
    cap = 2 * FILLER  # the 25th largest is a filler's, and it dominates the smoothing
    estimates: list[float] = []
    shown = withheld = 0
    for _ in range(CELLS):
        d = rng.choice(N_DECOYS, 3, replace=False)
        f = rng.choice(N_FILLERS, PER_CELL, replace=False)
        units = np.concatenate([decoys[d], target, fillers[f]])
        values = np.array([DECOY] * 3 + [TARGET] + [FILLER] * PER_CELL)
        table = MagnitudeTable.from_cells("v", ["g"], [(["a"], units, values)])
        total = control_magnitude_table(table, ctx, statistics=["sum"]).rows[0].values[0]
        if total is None:
            withheld += 1
            continue
        shown += 1
        estimates.append(float(total) - 3 * cap - FILLER * PER_CELL)
    n = len(estimates)
    estimate = float(np.mean(estimates))
    standard_error = float(np.std(estimates, ddof=1)) / math.sqrt(n) / TARGET
    error = abs(estimate - TARGET) / TARGET
    first = float(np.std(estimates[:200])) / TARGET
    last = float(np.std(estimates[-200:])) / TARGET
    exposure = exposure_of(ctx, target)
    p = DEFAULTS.of(Budget)
    print(
        f"\n[budget] a target under decoys above the cap, {CELLS} cells: {shown} shown, "
        f"{withheld} withheld; estimate {error:.3f} off, standard error {standard_error:.3f}; "
        f"noise sd {first:.2f} of the value in the first 200, {last:.2f} in the last 200; "
        f"the target's exposure {exposure:.1f} (told per cell at the cap's noise: "
        f"{(TARGET / cap) ** 2 / 3:.3f})"
    )
    assert standard_error >= 0.05 or error >= 0.05
    assert exposure > p.exposure_allowance


def test_a_capped_cell_tells_each_unit_its_capped_value_under_the_caps_noise() -> None:
    """Exposure with the cells' caps: a unit of value x in a cell of cap c is told
    (min(|x|, c)/(√V·c))², whatever the cell's top k (the multipliers are not read); one
    under the floor, (x/(√V·c))² < 0.01, is not charged; a cell not published tells
    nothing."""
    population = pseudonyms(40, seed=3)
    ctx = context(population)
    cell = np.array([0, 0, 0, 0, 1, 1])
    values = np.array([5e7, 1e6, -4e5, 1e4, 2.0, 1.0])
    caps = np.array([1e6, 4.0])
    units = CellUnits.build(cell, population[: len(cell)], 2, ctx.keys, values)
    largest = np.array([[5e7, 2.0], [1e6, 1.0], [4e5, 0.0]])
    exposure = Exposure(
        ctx.parameters.rule(Budget),
        ctx.ledger,
        units,
        largest,
        np.array([0.5, 0.25, 0.125]),
        np.array([True, True]),
        caps=caps,
        count_variance=3.0,
    )
    told = exposure.told(np.array([True, False]), np.zeros(2, dtype=bool))
    names = [unit_names(ctx.keys.keys(population[i : i + 1]).set_ids)[0] for i in range(4)]
    expected = {names[0]: 1 / 3, names[1]: 1 / 3, names[2]: (4e5 / 1e6) ** 2 / 3}
    assert told.keys() == expected.keys()  # 1e4: (0.01)²/3 is under the floor; cell 1 unpublished
    for name, amount in expected.items():
        assert told[name] == pytest.approx(amount, rel=1e-12)
