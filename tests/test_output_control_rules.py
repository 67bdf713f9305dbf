"""The rules and the machinery behind them, checked against independent computations."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import struct
from decimal import Decimal

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    CountTable,
    HmacKeySource,
    KeyTable,
    MagnitudeTable,
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
    indicator_supports,
)
from catalogue.analysis.output_control.controller import _smoothed_span as smoothed_span
from catalogue.analysis.output_control.ptable import load_ptable
from catalogue.analysis.output_control.rules.hexbin import ROW_HEIGHT, hex_cells
from catalogue.analysis.output_control.rules.histogram import grid_step
from catalogue.analysis.output_control.rules.smoothed_percentile import window

from .test_output_control_helpers import SECRET, cell, context, pseudonyms

POPULATION = pseudonyms(2000, seed=21)
RNG = np.random.default_rng(21)


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
    # Two units with ten rows of 10 each dominate, though no single row does.
    big = np.repeat(POPULATION[:2], 10)
    small = POPULATION[2:10]
    units = np.concatenate([big, small])
    values = np.concatenate([np.full(20, 10.0), np.ones(8)])
    table = MagnitudeTable.from_cells("inntekt", ["x"], [(("a",), units, values)])
    row = control_magnitude_table(table, context(POPULATION)).rows[0]
    assert row.values == (None, None) and "dominance-nk" in row.reasons


def test_an_empty_magnitude_cell_has_sum_zero_and_no_mean():
    table = MagnitudeTable.from_cells(
        "inntekt",
        ["x"],
        [(("a",), POPULATION[:20], np.full(20, 5.0)), (("b",), [], [])],
    )
    result = control_magnitude_table(table, context(POPULATION), statistics=["mean", "sum"])
    assert result.columns == ("sum", "mean")
    assert cell(result.rows, ("a",)).values == (100.0, 5.0)
    assert cell(result.rows, ("b",)).values == (0.0, None)
    assert [n.code for n in result.notes] == ["empty-mean"]


# --- summaries, percentiles, extremes, mode -----------------------------------------------


def test_summaries_are_winsorised_and_rounded():
    values = np.concatenate([np.arange(1.0, 200.0), [1e9]])
    result = control_summary(UnitValues("inntekt", POPULATION[:200], values), context(POPULATION))
    low, high = np.percentile(values, [1, 99])
    clipped = np.clip(values, low, high)
    mean, sd, gini = (row.values[0] for row in result.rows)
    assert mean == float(f"{clipped.mean():.4g}") and mean < 200  # the outlier is tamed
    assert sd == float(f"{clipped.std(ddof=1):.4g}")
    assert 0 < gini < 1
    negative = control_summary(
        UnitValues("x", POPULATION[:50], np.linspace(-1, 1, 50)), context(POPULATION)
    )
    assert cell(negative.rows, ("gini",)).reasons == ("winsorised-summary-gini",)


def test_a_percentile_is_the_mean_of_the_ten_units_nearest_it():
    assert window(101, 0.5, 10) == (46, 56)
    assert window(12, 0.01, 10) == (0, 10) and window(12, 0.99, 10) == (2, 12)
    data = UnitValues("x", POPULATION[:101], RNG.permutation(np.arange(101.0) * 1.001))
    result = control_percentiles(data, context(POPULATION), [0.5])
    assert result.rows[0].values[0] == float(f"{np.arange(46, 56).mean() * 1.001:.3g}")
    with pytest.raises(Exception) as refused:
        control_percentiles(data, context(POPULATION), [0.0, 0.5])
    assert getattr(refused.value, "code", "") == "percentile-quantiles"


def test_min_and_max_are_smoothed_and_checked_for_dominance():
    values = np.concatenate([np.arange(1.0, 100.0), [1e9]])
    result = control_min_max(UnitValues("x", POPULATION[:100], values), context(POPULATION))
    assert cell(result.rows, ("min",)).values[0] == 5.5  # mean of 1..10
    top = cell(result.rows, ("max",))
    assert top.values == (None,) and top.reasons == ("dominance-nk",)


def test_the_mode_needs_ten_units_and_ties_go_to_the_smallest_value():
    codes = np.array(["b"] * 12 + ["a"] * 12 + ["c"] * 3)
    result = control_mode(UnitValues("kommune", POPULATION[:27], codes), context(POPULATION))
    assert result.rows[0].values == ("a",)
    rare = control_mode(
        UnitValues("kommune", POPULATION[:9], np.array(["a"] * 9)), context(POPULATION)
    )
    assert rare.rows[0].values == (None,) and rare.rows[0].reasons == ("mode",)


# --- regression supports -------------------------------------------------------------------


def test_indicator_supports_cover_reference_levels_interactions_and_outcome():
    n = 100
    a = (np.arange(n) % 2).astype(float)
    b = (np.arange(n) < 30).astype(float)
    terms = [
        Term("const", "constant"),
        Term("a", "dummy", group="A"),
        Term("b", "dummy", group="B"),
        Term("a:b", "interaction", components=("a", "b")),
    ]
    design = np.column_stack([np.ones(n), a, b, a * b])
    supports = dict(indicator_supports(terms, design, outcome=(np.arange(n) < 4)))
    assert supports["a"] == 50 and supports["A=reference"] == 50
    assert supports["b"] == 30 and supports["B=reference"] == 70
    assert supports["a:b[1,1]"] == 15 and supports["a:b[0,0]"] == 35
    assert supports["outcome=1"] == 4


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


def test_every_drawn_hex_holds_at_least_ten_units():
    x, y = RNG.normal(size=2000), RNG.normal(size=2000)
    result = control_hexbin(UnitPairs("x", "y", POPULATION, x, y), context(POPULATION), gridsize=12)
    assert result.rows
    steps = [
        float(grid_step(hi - lo, 12)) for lo, hi in (smoothed_span(np.sort(v), 10) for v in (x, y))
    ]
    hexes = hex_cells(x / steps[0], y / steps[1])
    for row in result.rows:
        cx2, cy2 = map(int, row.labels[0].split(","))
        assert row.values[0] == pytest.approx(cx2 / 2 * steps[0])
        assert row.values[1] == pytest.approx(cy2 / 2 * ROW_HEIGHT * steps[1])
        assert row.values[2] >= 10
        assert np.sum((hexes[:, 0] == cx2) & (hexes[:, 1] == cy2)) >= 10  # true units


def test_survival_steps_hold_ten_events_and_follow_kaplan_meier():
    durations = RNG.exponential(4, size=2000)
    events = RNG.random(2000) < 0.6
    result = control_survival(
        SurvivalData("tid", POPULATION, durations, events), context(POPULATION)
    )
    survival = result.column("survival")
    assert all(a >= b for a, b in itertools.pairwise(survival))
    for row in result.rows:
        start, end = row.values[0], row.values[1]
        inside = events & (durations >= start) & (durations < (end if end is not None else np.inf))
        assert inside.sum() >= 10
    # Kaplan–Meier at the first step's end, computed the slow way.
    end = result.rows[0].values[1]
    s = 1.0
    for t in np.unique(durations[events & (durations < end)]):
        s *= 1 - np.sum(events & (durations == t)) / np.sum(durations >= t)
    assert survival[0] == float(f"{s:.3g}")
