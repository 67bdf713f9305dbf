"""model_support's per-cell most common outcome without np.unique's argsort: the outcome's
order keys (`_order_keys`: floats as uint64 in their order, −0.0 as 0.0, one nan) sorted
per cell (`_cell_modes`: a stable radix sort by cell, each cell's keys sorted, the longest
run) give `_varied_per_cell` what the former np.unique codes and per-cell np.unique +
lexsort gave (kept below as the reference twin), on generated outcomes with ties,
constant cells, nan, ±0.0, ±inf, one-unit cells, rows of no cell, one cell, many cells,
and units with many rows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from catalogue.analysis.output_control import KeyTable, model_support
from catalogue.analysis.output_control.model_support import (
    _order_keys,
    _Units,
    _varied_per_cell,
    summarise_rows,
)

from .test_output_control_helpers import pseudonyms

SECRET = b"outcome-support-modes"


def _reference_varied_per_cell(
    found: _Units, row_code: np.ndarray, y_code: np.ndarray, cells: int
) -> np.ndarray:
    """The former _varied_per_cell, sparse branch always (it sorted the cells × codes)."""
    inside = row_code >= 0
    code, value = row_code[inside], y_code[inside]
    values = int(value.max()) + 1 if len(value) else 1
    slots, counts = np.unique(code * values + value, return_counts=True)
    cell_of, value_of = slots // values, slots % values
    order = np.lexsort((value_of, -counts, cell_of))
    cell_of, value_of = cell_of[order], value_of[order]
    first = np.r_[True, cell_of[1:] != cell_of[:-1]]
    mode = np.zeros(cells, dtype=np.int64)
    mode[cell_of[first]] = value_of[first]
    off = value != mode[code]
    if found.distinct:
        return np.bincount(code[off], minlength=cells)
    positions = found.positions[inside][off].astype(np.int64)
    span = int(positions.max()) + 1 if len(positions) else 1
    held = np.unique(code[off] * span + positions) // span
    return np.bincount(held, minlength=cells)


def _outcome(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "continuous":
        return rng.normal(size=n)
    if kind == "ties":
        return rng.choice([0.0, -0.0, 1.0, 2.5, 7.0], size=n)
    if kind == "nan":
        y = rng.choice([0.0, -0.0, 1.0, -2.0, np.inf, -np.inf], size=n)
        y[rng.random(n) < 0.3] = np.nan
        y[rng.random(n) < 0.1] = -np.nan  # a nan with its sign bit set
        return y
    if kind == "constant":
        return np.full(n, 4.0)
    return np.round(rng.normal(size=n), 1)  # "rounded": many ties among many values


def _codes(y: np.ndarray) -> np.ndarray:
    return np.unique(y, return_inverse=True)[1].reshape(-1).astype(np.int64)


@pytest.mark.parametrize("kind", ["continuous", "ties", "nan", "constant", "rounded"])
@pytest.mark.parametrize("distinct", [True, False])
@pytest.mark.parametrize("sorted_cells", [4096, 0])  # 0: the lexsort over many cells
def test_sorted_keys_give_the_modes_and_varied_units_of_the_reference(
    kind: str, distinct: bool, sorted_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_support, "_SORTED_CELLS", sorted_cells)
    for seed in range(8):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 400))
        units = pseudonyms(n, seed=seed + 100)
        row_units = units if distinct else units[rng.integers(0, max(1, n // 3), n)]
        located = KeyTable.build(SECRET, units).locate(row_units)
        patterns = int(rng.integers(1, 30))
        row_pattern = rng.integers(0, patterns, n)
        y = _outcome(rng, n, kind)
        hashes = model_support.pattern_hashes(rng.normal(size=(patterns, 2)))
        found = _Units(located, row_pattern, summarise_rows(located, row_pattern, y, hashes, 1.0))
        keys = _order_keys(y)
        code = _codes(y)
        # The keys are in the codes' order, equal where they are.
        assert np.array_equal(_codes(keys), code)
        cells = int(rng.integers(1, 60)) if seed % 4 else 1
        row_code = rng.integers(-1, cells, n)
        row_code[: min(n, 5)] = cells - 1
        constant = row_code == 0  # a cell all of one outcome
        if constant.any() and seed % 2:
            y = y.copy()
            y[constant] = y[constant][0]
            keys, code = _order_keys(y), _codes(y)
        expected = _reference_varied_per_cell(found, row_code, code, cells)
        assert np.array_equal(_varied_per_cell(found, row_code, keys, cells, keys=True), expected)
        # The codes' own path (dense table, or sparse) agrees too.
        assert np.array_equal(_varied_per_cell(found, row_code, code, cells), expected)
        with monkeypatch.context() as patched:
            patched.setattr(model_support, "_DENSE_SLOTS", 0)
            assert np.array_equal(_varied_per_cell(found, row_code, code, cells), expected)


def test_no_rows_in_any_cell() -> None:
    """No row in any cell: no units off (the reference's sparse branch had no such case)."""
    units = pseudonyms(5, seed=3)
    located = KeyTable.build(SECRET, units).locate(units)
    row_pattern = np.zeros(5, dtype=np.int64)
    y = np.arange(5.0)
    found = _Units(
        located,
        row_pattern,
        summarise_rows(located, row_pattern, y, model_support.pattern_hashes(np.ones((1, 1))), 1.0),
    )
    none = np.full(5, -1, dtype=np.int64)
    assert np.array_equal(_varied_per_cell(found, none, _order_keys(y), 3, keys=True), np.zeros(3))
    assert np.array_equal(_varied_per_cell(found, none, _codes(y), 3), np.zeros(3))


def test_the_compiled_segment_modes_equal_numpys() -> None:
    """segment_modes (native/_loops.c) and its numpy twin: the same modes and counts off
    them, over empty segments, one-key segments, ties and all-equal segments."""
    assert model_support._loops is not None, "the C extension was not built"
    assert hasattr(model_support._loops, "segment_modes"), "_loops built before segment_modes"
    for seed in range(40):
        rng = np.random.default_rng(seed)
        cells = int(rng.integers(1, 20))
        sizes = rng.integers(0, 30, cells) * (rng.random(cells) < 0.8)
        sizes[rng.random(cells) < 0.2] = 1
        bounds = np.r_[0, np.cumsum(sizes)].astype(np.int64)
        keys = rng.integers(0, int(rng.integers(1, 6)), int(bounds[-1])).astype(np.uint64)
        for start, end in itertools.pairwise(bounds.tolist()):
            keys[start:end].sort()
        compiled = model_support.segment_modes(keys, bounds)
        in_numpy = model_support.segment_modes_numpy(keys, bounds)
        assert all(np.array_equal(a, b) for a, b in zip(compiled, in_numpy, strict=True))


@pytest.mark.parametrize("kind", ["continuous", "ties", "nan", "constant", "rounded", "heavy"])
def test_a_hinted_mode_gives_the_sorted_modes(kind: str) -> None:
    """_cell_modes with a ModeHint (the bucket bound, no sort) and without it (the sort):
    the same modes and rows off them, whatever the hinted value (ModeHint.of's, a value
    some cells do not have, one no row has, nan), with cells where the hinted value ties
    another (the sort's smallest key then wins: the bound must not settle those), empty
    cells and rows of no cell. The hint settles some of them (else the test would hold
    the sort to itself)."""
    settled = 0
    for seed in range(24):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 3000))
        y = (
            np.where(rng.random(n) < 0.6, 0.0, np.round(rng.lognormal(8, 1, n)))
            if kind == "heavy"
            else _outcome(rng, n, kind)
        )
        cells = int(rng.integers(1, 40))
        row_code = rng.integers(-1 if seed % 3 else 0, cells, n)
        if seed % 5 == 0 and n > 8:  # a cell where the hinted value ties a smaller one
            row_code[:8] = 0
            y = y.copy()
            y[:4], y[4:8] = 0.0, -1.0
            row_code[8:][row_code[8:] == 0] = -1
        keys = _order_keys(y)
        expected = model_support._cell_modes(row_code, keys, cells)
        hints = [model_support.ModeHint.of(keys)] if n else []
        for value in [0.0, float(y[0]), 12345.5, float("nan")]:  # hinted at any value
            key = _order_keys(np.array([value]))[0]
            hints.append(
                model_support.ModeHint(key, keys == key, model_support._mode_buckets(keys))
            )
        for hint in hints:
            settled += hint.modes(row_code, cells) is not None
            found = model_support._cell_modes(row_code, keys, cells, hint)
            assert np.array_equal(found[0], expected[0]) and found[0].dtype == np.uint64
            assert np.array_equal(found[1], expected[1]) and found[1].dtype == np.int64
    if kind in ("ties", "constant", "heavy"):
        assert settled > 0
