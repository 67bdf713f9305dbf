"""Smoothed windows (the units a smoothed maximum, minimum or percentile averages) under the
exposure ledger, as a table's magnitude cells are (exposure.py, rules/budget.py): each
window published afresh adds (x/σ)² to its top contributors' exposure, and a window whose
top contributors are exposed gets more noise, drawn afresh for each factor."""

from __future__ import annotations

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    ControlContext,
    InMemoryReleaseLedger,
    OutputControlParameters,
    UnitValues,
    control_min_max,
    control_percentiles,
)
from catalogue.analysis.output_control.counting import window_noise
from catalogue.analysis.output_control.exposure import exposed_stream
from catalogue.analysis.output_control.rules.budget import Budget
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise

from .test_output_control_helpers import context, exposure_of, pseudonyms

DEFAULTS = OutputControlParameters.defaults()
# What a window tells its top three is charged as the top-k noise of its values clipped to
# the variable's caps (one_variable.WindowNoise): the unit of 10⁶ above 60 of 10⁵ is clipped
# at 2·10⁵ (twice the 25th largest), so m_j = 0.5, 0.25, 0.125 over 2·10⁵, 10⁵, 10⁵.
SD2 = 0.5**2 * 4e10 + (0.25**2 + 0.125**2) * 1e10
TOLD = 4e10 / SD2  # what one window tells the unit of 10⁶: about 3.71


def _maximum(ctx: ControlContext, units: np.ndarray, values: np.ndarray) -> float | None:
    released = control_min_max(UnitValues("v", units, values), ctx)
    found = [row.values[0] for row in released.rows if row.labels == ("max",)]
    return None if found[0] is None else float(found[0])


def test_a_published_maximum_tells_its_top_contributors_what_a_cell_would():
    """One unit of 10⁶ above 60 of 10⁵: the top ten's mean (the big unit clipped at the
    cap, 2·10⁵) is published with noise, and it tells the big unit (2·10⁵)²/σ² (about
    3.71), its top padding units 1e10/σ² each; asked again nothing new; other projects'
    windows add to it."""
    population = pseudonyms(20_000, seed=21)
    ledger = InMemoryReleaseLedger()
    alice = context(population, ledger=ledger)
    bob = context(population, ledger=ledger, project="project-2")
    big = population[:1]
    values = np.array([1e6] + [1e5] * 60)
    first = np.concatenate([big, population[1:61]])
    assert _maximum(alice, first, values) is not None
    assert exposure_of(alice, big) == pytest.approx(TOLD, rel=1e-3)
    assert exposure_of(alice, population[100:101]) == 0.0
    _maximum(alice, first, values)  # the same question: its registered answer
    assert exposure_of(alice, big) == pytest.approx(TOLD, rel=1e-3)
    _maximum(bob, np.concatenate([big, population[61:121]]), values)
    assert exposure_of(alice, big) == pytest.approx(2 * TOLD, rel=1e-3)


def test_a_percentile_window_exposes_its_top_contributors():
    """The median of 21 units is the mean of ranks 6..15 (four of 10⁵, one of 10⁶, five of
    2·10⁶): its top three are three of the five units of 2·10⁶, and each is told
    (2·10⁶)²/σ²; nobody else is (exposure is O(k) per window, as per cell)."""
    population = pseudonyms(5_000, seed=22)
    ctx = context(population)
    units = population[:21]
    values = np.array([1e5] * 10 + [1e6] + [2e6] * 10)
    released = control_percentiles(UnitValues("v", units, values), ctx, (0.5,))
    assert released.rows[0].values[0] is not None
    sd2 = (0.5**2 + 0.25**2 + 0.125**2) * 4e12
    told = [exposure_of(ctx, units[i : i + 1]) for i in range(21)]
    assert sorted(told, reverse=True)[:4] == pytest.approx([4e12 / sd2] * 3 + [0.0], abs=1e-3)
    assert sum(told) == pytest.approx(3 * 4e12 / sd2, rel=1e-3)


def test_many_paddings_of_one_maximum_stop_telling():
    """The red team's averaging of whiskers (test_box_plot_whiskers_averaged_over_paddings)
    at the controller: one unit the top of 200 fresh maximum windows (new padding units
    each time). Its exposure stays below allowance + scale·ln(max factor) plus 4/256 a
    window beyond it, and the late windows' noise is several times the early ones'."""
    population = pseudonyms(20_000, seed=23)
    ctx = context(population)
    big = population[:1]
    values = np.array([1e6] + [1e5] * 60)
    errors = []
    for k in range(200):
        padding = population[1 + 60 * k : 61 + 60 * k]
        shown = _maximum(ctx, np.concatenate([big, padding]), values)
        errors.append((shown or 0.0) * 10 - 1.9e6)
    p = DEFAULTS.of(Budget)
    exposure = exposure_of(ctx, big)
    top = p.exposure_allowance + p.exposure_scale * np.log(p.max_noise_factor)
    assert p.exposure_allowance < exposure < top + 200 * TOLD / p.max_noise_factor**2
    early, late = np.std(errors[:20]), np.std(errors[-40:])
    print(
        f"\n[exposure] one unit the top of 200 fresh maxima: exposure {exposure:.0f} (without "
        f"the ledger {200 * TOLD:.0f}); noise sd {early / 1e6:.2f} of its value in the first "
        f"20, {late / 1e6:.2f} in the last 40"
    )
    assert late > 4 * early


def test_a_window_under_another_factor_gets_another_draw():
    """Two scalings of one draw would give the window's total exactly (two equations, two
    unknowns): a window whose noise is multiplied by a factor draws from a stream of its
    own, one per factor."""
    assert exposed_stream(1.0) == 0
    assert len({exposed_stream(f) for f in (1.0, 1.2, 1.25, 16.0)}) == 4
    noise = DEFAULTS.rule(MagnitudeNoise)
    values = np.array([1e5] * 9 + [1e6])
    ids = np.arange(10, dtype=np.uint64) + np.uint64(1 << 40)
    plain = window_noise(noise, values, ids)
    for factor in (1.2, 2.0, 16.0):
        scaled = factor * window_noise(noise, values, ids, exposed_stream(factor))
        assert scaled != pytest.approx(factor * plain, rel=1e-6)
