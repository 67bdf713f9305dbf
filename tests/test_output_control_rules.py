"""The rules and the machinery behind them, checked against independent computations."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import struct
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    CountTable,
    HmacKeySource,
    InMemoryReleaseLedger,
    KeyTable,
    MagnitudeTable,
    ResultRow,
    SurvivalData,
    Term,
    UnitPairs,
    UnitValues,
    control_frequency_table,
    control_hexbin,
    control_histogram,
    control_magnitude_table,
    control_min_max,
    control_mode,
    control_percentiles,
    control_summary,
    control_survival,
    model_evidence,
    term_groupings,
)
from catalogue.analysis.output_control.ptable import load_ptable
from catalogue.analysis.output_control.rules.dominance_nk import DominanceParameters
from catalogue.analysis.output_control.rules.hexbin import ROW_HEIGHT, hex_cells
from catalogue.analysis.output_control.rules.histogram import grid_step
from catalogue.analysis.output_control.rules.magnitude_noise import (
    MagnitudeNoise,
    MagnitudeNoiseParameters,
    largest_of,
)
from catalogue.analysis.output_control.rules.smoothed_percentile import window
from tests import noise_bounds as bounds

from .test_output_control_helpers import SECRET, cell, context, noise_off, pseudonyms

POPULATION = pseudonyms(2000, seed=21)
RNG = np.random.default_rng(21)
NOISE = MagnitudeNoise(MagnitudeNoiseParameters())
MAX_COUNT_NOISE = 5


def table_bound(contributions: np.ndarray) -> tuple[float, float]:
    """A magnitude table cell of these contributions: its capped total and the documented
    bound of its noise, max_noise · √V · c (rules/magnitude_noise.py `caps`)."""
    total, cap = NOISE.capped_total(np.asarray(contributions, dtype=np.float64))
    return total, float(NOISE.capped_bound(np.array([cap]), 3.0)[0])


def within(published: object, exact: float, bound: float) -> bool:
    """A perturbed value shown to a few significant figures lies within its noise's bound
    (plus the rounding)."""
    assert isinstance(published, float)
    return abs(published - exact) <= bound + 1e-3 * abs(published) + 1e-9


# --- keys and noise ------------------------------------------------------------------------


def record_key(pseudonym: int) -> int:
    """The specification, written out: HMAC-SHA256(secret, 8-byte LE signed) mod 4096."""
    digest = hmac.new(SECRET, struct.pack("<q", pseudonym), hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % 4096


def test_record_keys_follow_the_specification():
    units = np.array([0, 1, -1, 2**63 - 1, -(2**63), *POPULATION[:50]], dtype=np.int64)
    found = HmacKeySource(SECRET).keys(units)
    assert found.record_keys.tolist() == [record_key(int(p)) for p in units]
    table = KeyTable.build(SECRET, units)
    assert np.array_equal(table.keys(units[::-1]).record_keys, found.record_keys[::-1])
    assert np.array_equal(table.keys(units).set_ids, found.set_ids)
    with pytest.raises(KeyError):
        table.keys(np.array([12345], dtype=np.int64))
    assert "secret" not in repr(HmacKeySource(SECRET)).replace("<secret>", "")


def test_a_published_count_is_the_table_lookup_of_its_cell_key():
    units = POPULATION[:37]
    rows = np.concatenate([units, units[:5]])  # repeats do not count twice
    result = control_frequency_table(
        CountTable.from_cells(["x"], [(("a",), rows)]), context(POPULATION)
    )
    key = sum(record_key(int(p)) for p in units) % 4096 / 4096
    row = np.cumsum(load_ptable(5, 3.0, 0).rows[5])
    expected = 37 + int(np.searchsorted(row, key, side="right")) - 5
    assert cell(result.rows, ("a",)).values[0] == expected


def test_percentages_come_from_perturbed_counts_and_population_is_rounded():
    sex = RNG.choice(["1", "2"], size=1500)
    result = control_frequency_table(
        CountTable.from_labels(["kjonn"], [sex], POPULATION[:1500]), context(POPULATION)
    )
    total = cell(result.rows, (None,)).values[0]
    for row in result.rows:
        assert row.values[1] == round(100 * row.values[0] / total, 1)
    assert result.population % 10 == 0 and abs(result.population - 2000) <= 10
    assert [n.code for n in result.notes] == ["non-additive"]


# --- magnitudes ----------------------------------------------------------------------------


def test_magnitudes_are_summed_per_unit_before_dominance():
    # Two units with ten rows of 10 each dominate, though no single row does. Eighteen
    # small ones beside them: a cell that neither the threshold nor magnitude-support
    # withholds whatever its count noise (a withheld cell names no later rule beside them).
    big = np.repeat(POPULATION[:2], 10)
    small = POPULATION[2:20]
    units = np.concatenate([big, small])
    values = np.concatenate([np.full(20, 10.0), np.ones(18)])
    table = MagnitudeTable.from_cells("inntekt", ["x"], [(("a",), units, values)])
    # Counts exact: a cell of 10 units whose perturbed count fell below the threshold would
    # name `threshold` alone (a withheld cell names the first rule that withheld it).
    found = control_magnitude_table(table, context(POPULATION, noise_off()))
    # Dominated (200 of 218 in the two units), the cell is answered as the same cell with
    # the two units' values at 0 (docs/OUTPUT_CONTROL.md §3 `dominance-nk`): the 18 ones.
    # Row by row (rows of 10, a share of 0.09) it would not be, and would be answered as is.
    zeroed = MagnitudeTable.from_cells(
        "inntekt", ["x"], [(("a",), units, np.concatenate([np.zeros(20), np.ones(18)]))]
    )
    alone = control_magnitude_table(zeroed, context(POPULATION, noise_off()))
    assert found.to_json() == alone.to_json()
    assert found.rows[0].reasons == ("magnitude-noise",)
    total = found.rows[0].values[0]
    assert isinstance(total, float) and abs(total - 18) < 10


def test_an_empty_magnitude_cell_is_withheld_as_a_small_one_unless_structural():
    cells = [
        (("a",), POPULATION[:20], np.full(20, 5.0)),
        (("b",), [], []),
        (("c",), POPULATION[20:21], [7.0]),
    ]
    table = MagnitudeTable.from_cells("inntekt", ["x"], cells)
    result = control_magnitude_table(table, context(POPULATION), statistics=["mean", "sum"])
    assert result.columns == ("sum", "mean")
    total, mean = cell(result.rows, ("a",)).values
    # Twenty 5s: the cap is 10 (twice the 20th largest, the last non-zero), none is capped,
    # and the noise is a count's at the cap (sd 1.73 · 10).
    exact, bound = table_bound(np.full(20, 5.0))
    assert exact == 100.0 and within(total, exact, bound) and total != exact
    # The mean is the perturbed total over the perturbed count (20 ± 5).
    assert any(mean == NOISE.shown(total / n) for n in range(15, 26))
    # Empty, or one unit: the same row (the threshold alone is named), no note.
    assert cell(result.rows, ("b",)) == ResultRow(("b",), (None, None), ("threshold",))
    assert cell(result.rows, ("c",)) == ResultRow(("c",), (None, None), ("threshold",))
    assert result.notes == ()
    # A cell the caller knows to be empty without the data is shown empty: sum 0, no mean.
    known = replace(table, table=replace(table.table, structural=np.array([False, True, False])))
    result = control_magnitude_table(known, context(POPULATION), statistics=["mean", "sum"])
    assert cell(result.rows, ("b",)).values == (0.0, None)
    assert cell(result.rows, ("b",)).reasons == ()
    assert [n.code for n in result.notes] == ["empty-mean"]


def test_magnitude_noise_is_keyed_by_units_and_values_not_names_or_order():
    values = RNG.lognormal(12, 0.5, size=300)
    units = POPULATION[:300]

    def total(name: str, order: np.ndarray, changed: float = 0.0) -> object:
        shifted = values.copy()
        shifted[7] += changed
        table = MagnitudeTable.from_cells(name, ["x"], [(("a",), units[order], shifted[order])])
        return control_magnitude_table(table, context(POPULATION), statistics=["sum"]).rows[0]

    first = total("inntekt", np.arange(300))
    assert total("lonn", RNG.permutation(300)).values == first.values  # renamed, reordered
    assert total("inntekt", np.arange(300), changed=1.0).values != first.values


# --- summaries, percentiles, extremes, mode -----------------------------------------------


def test_summaries_are_winsorised_perturbed_and_rounded():
    values = np.concatenate([np.arange(1.0, 200.0), [1e9]])
    result = control_summary(UnitValues("inntekt", POPULATION[:200], values), context(POPULATION))
    low, high = np.percentile(values, [1, 99])
    clipped = np.clip(values, low, high)
    mean, sd, gini = (row.values[0] for row in result.rows)
    assert mean < 200  # the outlier is tamed
    # (Σ clip(x, c) + noise) / n', with n' within the count noise of 200: the capped form,
    # c the cap of the values (above the winsorised top, so nothing more is clipped) and
    # noise at most D · √V · c.
    rule = MagnitudeNoise(MagnitudeNoiseParameters())
    cap = float(rule.caps(largest_of(clipped, rule.parameters.cap_rank)[:, None])[0])
    bound = 3.0 * np.sqrt(3.0) * cap
    assert clipped.max() < cap
    assert any(
        within(mean, clipped.sum() / n, bound / n)
        for n in range(200 - MAX_COUNT_NOISE, 200 + MAX_COUNT_NOISE + 1)
    )
    assert mean != float(f"{clipped.mean():.4g}")  # perturbed
    # The sd and Gini of their capped totals over n', within the noise (noise_bounds; the
    # sd within 10 % by hand before).
    expected = bounds.summary(values)
    for name, found in (("mean", mean), ("sd", sd), ("gini", gini)):
        bounds.check(f"summary {name}", found, expected[name], bounds.SUMMARY_DIGITS)
    negative = control_summary(
        UnitValues("x", POPULATION[:50], np.linspace(-1, 1, 50)), context(POPULATION)
    )
    assert cell(negative.rows, ("gini",)).reasons == ("winsorised-summary-gini",)


def test_a_percentile_is_the_mean_of_the_ten_units_nearest_it():
    assert window(101, 0.5, 10) == (46, 56)
    assert window(12, 0.01, 10) == (0, 10) and window(12, 0.99, 10) == (2, 12)
    data = UnitValues("x", POPULATION[:101], RNG.permutation(np.arange(101.0) * 1.001))
    result = control_percentiles(data, context(POPULATION), [0.5])
    # The window's mean within a count's noise at its reach over its size (noise_bounds;
    # the top-k noise's bound of its values before, stale since the windows' capped noise).
    expected = bounds.percentile(data.numbers(), 0.5)
    assert expected.value == pytest.approx(np.arange(46, 56).mean() * 1.001, rel=1e-12)
    bounds.check("percentile 0.5", result.rows[0].values[0], expected, bounds.PERCENTILE_DIGITS)
    with pytest.raises(Exception) as refused:
        control_percentiles(data, context(POPULATION), [0.0, 0.5])
    assert getattr(refused.value, "code", "") == "percentile-quantiles"


def test_min_and_max_are_smoothed_and_clipped_at_the_caps():
    """The smallest is the mean of 1..10 with a count's noise at its reach (the 11th
    smallest less the lower cap, 0: at most 3 · √3 · 11 / 10); the 10⁹ above 1..99 is
    clipped at the upper cap (twice the smoothed 25th largest with the 10⁹ read as 0,
    2 · 75), so the largest is published, near the mean of 91..99 and the cap, not withheld
    by its dominance (which told that one unit towered over the rest: red team
    test_capped_paths). Each within its bound (noise_bounds.extremes)."""
    values = np.concatenate([np.arange(1.0, 100.0), [1e9]])
    result = control_min_max(UnitValues("x", POPULATION[:100], values), context(POPULATION))
    smallest = cell(result.rows, ("min",)).values[0]  # mean of 1..10, perturbed
    bottom, high = bounds.extremes(values)  # each within a count's noise at its reach, / 10
    assert bottom.value == 5.5 and bottom.high - bottom.value == pytest.approx(
        3 * np.sqrt(3) * 11 / 10
    )
    bounds.check("min", smallest, bottom, bounds.EXTREME_DIGITS)
    assert smallest != 5.5
    top = cell(result.rows, ("max",))
    assert top.reasons == ("extreme-values",)
    # The cap 2 · 75: the 25th largest with the dominant 10⁹ read as 0 (dominated.py; 2 · 76
    # here by hand before, as if it were not). Its reach: the cap less the 90th value.
    assert high.value == pytest.approx((np.arange(91.0, 100.0).sum() + 2 * 75) / 10)
    assert high.high - high.value == pytest.approx(3 * np.sqrt(3) * (150 - 90) / 10)
    bounds.check("max", top.values[0], high, bounds.EXTREME_DIGITS)


def test_the_mode_needs_ten_units_and_ties_go_to_the_smallest_value():
    codes = np.array(["b"] * 12 + ["a"] * 12 + ["c"] * 3)
    exact = context(POPULATION, noise_off())  # counts are compared perturbed: off, a tie
    result = control_mode(UnitValues("kommune", POPULATION[:27], codes), exact)
    assert result.rows[0].values == ("a",)
    rare = control_mode(UnitValues("kommune", POPULATION[:9], np.array(["a"] * 9)), exact)
    assert rare.rows[0].values == (None,) and rare.rows[0].reasons == ("mode",)


# --- regression supports -------------------------------------------------------------------


def test_model_evidence_covers_every_regressor_level_interaction_and_outcome():
    n = 100
    a = (np.arange(n) % 2).astype(float)
    b = (np.arange(n) < 30).astype(float)
    age = np.arange(n) % 7 + 30.0
    terms = [
        Term("const", "constant"),
        Term("a", "dummy", group="A"),
        Term("b", "dummy", group="B"),
        Term("a:b", "interaction", components=("a", "b")),
        Term("age", "continuous"),
    ]
    design = np.column_stack([np.ones(n), a, b, a * b, age])
    ctx = context(POPULATION)
    outcome = (np.arange(n) < 4).astype(float)
    evidence = model_evidence(
        ctx.keys,
        POPULATION[:n],
        outcome,
        np.arange(n),
        design,
        terms,
        term_groupings(terms, design),
        fitted=design @ np.linalg.lstsq(design, outcome, rcond=None)[0],
        binary_outcome=True,
    )
    found = {s.label: (s.inside, s.outside, s.both_sides) for s in evidence.supports}
    assert found["a"] == (50, 50, True) and found["b"] == (70, 30, True)  # at the mode, away
    assert found["A=0"] == (50, 50, True) and found["B=1"] == (30, 70, True)
    assert found["a:b=3"] == (15, 85, True) and found["a:b=0"] == (35, 65, True)
    assert found["age"][1] == n - found["age"][0] and found["age"][2] is False
    assert found["outcome"] == (4, 96, True)
    assert evidence.units == n and 0 < evidence.max_leverage < 1 and evidence.estimable


def _logit_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """β by Newton's method: the reference the one-step influence is held against."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        mu = 1.0 / (1.0 + np.exp(-(x @ beta)))
        step = np.linalg.solve((x * (mu * (1 - mu))[:, None]).T @ x, x.T @ (y - mu))
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


@pytest.mark.parametrize("family", ["ols", "logit", "poisson"])
def test_model_evidence_knows_what_one_unit_moves_each_coefficient_by(family: str) -> None:
    """What one unit moves each coefficient by, held against refitting without each unit
    in turn: exact for OLS, within 10 % for logit and Poisson (a one-step approximation);
    a perfect fit but for one unit moves its standard error by all of it."""
    rng = np.random.default_rng(7)
    n = 200
    age = rng.normal(size=n)
    age[0] = 4.0  # one unit far out
    x = np.column_stack([np.ones(n), age])
    terms = [Term("const", "constant"), Term("age", "continuous")]
    if family == "ols":
        y = 1.0 + 2.0 * age + rng.normal(size=n)
        y[0] += 5.0
        fit = lambda rows: np.linalg.lstsq(x[rows], y[rows], rcond=None)[0]  # noqa: E731
    elif family == "logit":
        y = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * age)))).astype(float)
        y[0] = 0.0
        fit = lambda rows: _logit_fit(x[rows], y[rows])  # noqa: E731
    else:
        y = rng.poisson(np.exp(0.3 + 0.4 * age)).astype(float)
        y[0] = 0.0

        def fit(rows: np.ndarray) -> np.ndarray:
            beta = np.zeros(2)
            for _ in range(100):
                mu = np.exp(x[rows] @ beta)
                beta += np.linalg.solve(
                    (x[rows] * mu[:, None]).T @ x[rows], x[rows].T @ (y[rows] - mu)
                )
            return beta

    everyone = np.ones(n, dtype=bool)
    beta = fit(everyone)
    eta = x @ beta
    mean = {"ols": eta, "logit": 1 / (1 + np.exp(-eta)), "poisson": np.exp(eta)}[family]
    weights = {"ols": None, "logit": mean * (1 - mean), "poisson": mean}[family]
    evidence = model_evidence(
        context(POPULATION).keys,
        POPULATION[:n],
        y,
        np.arange(n),
        x,
        terms,
        weights=weights,
        fitted=mean,
        dispersion=None if family == "ols" else 1.0,
        binary_outcome=family == "logit",
    )
    moved = np.zeros(2)
    for i in range(n):
        without = everyone.copy()
        without[i] = False
        moved = np.maximum(moved, np.abs(beta - fit(without)))
    tolerance = 1e-9 if family == "ols" else 0.1
    np.testing.assert_allclose(evidence.influence.coefficient, moved, rtol=tolerance)
    assert evidence.estimable and np.all(evidence.influence.scale > 0)


@pytest.mark.parametrize("seed", range(4))
def test_one_row_per_unit_influence_equals_the_per_unit_reference(seed: int) -> None:
    """The fast path (maxima per pattern first) against every row's terms, on a design
    with repeated patterns, a pattern no row uses, heavy-tailed residuals and leverage."""
    from catalogue.analysis.output_control.model_support import (
        _largest_one_row_per_unit,
        _largest_per_unit,
    )

    rng = np.random.default_rng(seed)
    patterns, p, rows = 37, 5, 4_000
    lifted = rng.normal(size=(patterns, p)) * rng.lognormal(size=(patterns, 1))
    weights = rng.uniform(0.2, 3.0, size=patterns)
    kept = rng.uniform(0.5, 1.0, size=patterns)
    row_pattern = rng.integers(0, patterns - 1, size=rows)  # the last pattern has no row
    e = rng.standard_t(2, size=rows) * 1000.0
    scaled = e / kept[row_pattern]
    fast = _largest_one_row_per_unit(lifted, weights, kept, row_pattern, scaled, e)
    reference = _largest_per_unit(lifted, weights, kept, row_pattern, scaled, e, None, 0)
    for got, want in zip(fast, reference, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    empty = np.zeros(0, dtype=np.int64)
    nothing = _largest_one_row_per_unit(lifted, weights, kept, empty, e[:0], e[:0])
    for got, want in zip(
        nothing,
        _largest_per_unit(lifted, weights, kept, empty, e[:0], e[:0], None, 0),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)


def test_a_fit_perfect_but_for_one_unit_has_its_standard_error_moved_by_all_of_it() -> None:
    n = 200
    x = np.arange(1.0, n + 1.0)[:, None]
    y = x[:, 0].copy()
    y[-1] *= 1.5  # the only residual
    beta = float(x[:, 0] @ y / (x[:, 0] @ x[:, 0]))
    evidence = model_evidence(
        context(POPULATION).keys,
        POPULATION[:n],
        y,
        np.arange(n),
        x,
        [Term("x", "continuous")],
        fitted=beta * x[:, 0],
    )
    assert evidence.influence.classical_std_error[0] == 1.0
    assert evidence.influence.coefficient[0] == pytest.approx(beta - 1.0)  # all of b − 1
    assert evidence.influence.scale[0] < evidence.influence.coefficient[0]  # tiny next to it


# --- charts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "bins", "step"),
    [(9, 10, "1"), (1.1, 10, "0.2"), (30, 10, "5"), (70, 10, "10"), (0.003, 1, "0.005")],
)
def test_bin_steps_lie_on_the_one_two_five_grid(span, bins, step):
    assert grid_step(span, bins) == Decimal(step)


def test_histogram_edges_are_on_the_grid_and_outer_bins_are_open():
    values = RNG.normal(50, 10, size=1500)
    result = control_histogram(UnitValues("x", POPULATION[:1500], values), context(POPULATION))
    starts, ends = result.column("start"), result.column("end")
    assert starts[0] is None and ends[-1] is None
    widths = {round(e - s, 9) for s, e in zip(starts[1:-1], ends[1:-1], strict=True)}
    assert len(widths) == 1 and widths <= {1.0, 2.0, 5.0, 10.0}
    assert result.rows[0].labels[0].startswith("<") and result.rows[-1].labels[0].startswith("≥")


def test_every_drawn_hex_holds_at_least_ten_units_perturbed():
    x, y = RNG.normal(size=2000), RNG.normal(size=2000)
    result = control_hexbin(UnitPairs("x", "y", POPULATION, x, y), context(POPULATION), gridsize=12)
    assert result.rows
    # Every hex centre lies on the lattice of one step per axis, from the 1-2-5 grid.
    rows = [(tuple(map(int, r.labels[0].split(","))), r.values) for r in result.rows]
    step_x = next(v[0] / (c[0] / 2) for c, v in rows if c[0])
    step_y = next(v[1] / (c[1] / 2 * ROW_HEIGHT) for c, v in rows if c[1])
    for step in (step_x, step_y):
        assert any(step == pytest.approx(float(grid_step(s, 1))) for s in (step, step * 0.999))
    hexes = hex_cells(x / step_x, y / step_y)
    for (cx2, cy2), (_, _, count) in rows:
        assert count >= 10
        true = np.sum((hexes[:, 0] == cx2) & (hexes[:, 1] == cy2))
        assert abs(count - true) <= MAX_COUNT_NOISE


def test_survival_steps_hold_ten_perturbed_events_and_follow_the_perturbed_counts():
    durations = RNG.exponential(4, size=2000)
    events = RNG.random(2000) < 0.6
    result = control_survival(
        SurvivalData("tid", POPULATION, durations, events), context(POPULATION)
    )
    survival = result.column("survival")
    assert all(a >= b for a, b in itertools.pairwise(survival))
    product = 1.0
    for row, shown in zip(result.rows, survival, strict=True):
        start, end, at_risk, happened = row.values[:4]
        inside = events & (durations >= start) & (durations < (end if end is not None else np.inf))
        assert inside.sum() >= 10 - MAX_COUNT_NOISE
        # The curve is the product-limit estimate of the published (perturbed) counts.
        assert isinstance(at_risk, int) and isinstance(happened, int)
        product *= 1 - happened / at_risk
        assert shown == float(f"{product:.3g}")


def test_the_dominance_bound_is_drawn_per_question_from_the_units_and_their_values():
    """x = t·[target] + c·[eleven others]: the bound the cell meets is drawn per question
    from its value digest, between low and high, with the sine density on the log-odds.
    The same question gets the same verdict; a cell above high is always withheld and one
    below low always shown; in between, the share of withheld cells over many questions is
    the density's distribution function (half at the middle of the log-odds band). Each
    question in a ledger of its own: the rule as configured, not the wider band that
    hundreds of verdicts about one unit earn it (its exposure, rules/budget.py)."""
    parameters = DominanceParameters()
    exact = context(POPULATION, noise_off())

    def withheld(units: np.ndarray, t: float, share: float) -> bool:
        """Whether the cell fails: a failing cell is answered as the same cell with its
        dominant t at 0 (the eleven c's then hold 2/11 < low of it), byte for byte."""
        c = t * (1 - share) / ((len(units) - 1) * share - 1)  # (t + c)/(t + 11c) = share
        answers = []
        for top in (t, 0.0):
            values = np.concatenate([[top], np.full(len(units) - 1, c)])
            table = MagnitudeTable.from_cells("x", ["a"], [(("a",), units, values)])
            alone = replace(exact, ledger=InMemoryReleaseLedger())
            answers.append(control_magnitude_table(table, alone).to_json())
        return answers[0] == answers[1]

    units = POPULATION[:12]
    middle = 1 / (
        1
        + np.sqrt((1 - parameters.low) * (1 - parameters.high) / (parameters.low * parameters.high))
    )  # logit midpoint: 0.6
    verdicts = [withheld(units, 500_000.0 + i, middle) for i in range(160)]
    assert 0.38 < np.mean(verdicts) < 0.62
    assert [withheld(units, 500_000.0 + i, middle) for i in range(20)] == verdicts[:20]
    assert all(withheld(units, 500_000.0 + i, parameters.high + 0.005) for i in range(40))
    assert not any(withheld(units, 500_000.0 + i, parameters.low - 0.005) for i in range(40))
    # Near the edges the density vanishes: rarely withheld just above low, rarely shown
    # just below high (F is 0.004 at a share of 0.225 and 0.995 at 0.885).
    assert np.mean([withheld(units, 400_000.0 + i, 0.225) for i in range(60)]) < 0.05
    assert np.mean([withheld(units, 400_000.0 + i, 0.885) for i in range(60)]) > 0.95
