"""Distinct units per cell, with the secret keys the controller needs (never output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

try:
    from ..native import _loops
except ImportError:  # not compiled here: the numpy passes give the same, slower
    _loops = None  # type: ignore[assignment]
from .cell_key import KeyArrays, KeySource, all_distinct
from .fingerprint import (
    CELLS,
    CELLS_PER_PARTITION,
    PARTITIONS,
    FingerprintTable,
    SetFingerprint,
    UnitHashes,
    add_pairs_numpy,
    fingerprint_table,
)
from .magnitudes import Magnitudes
from .value_keys import pair_keys


@dataclass(frozen=True, eq=False)
class CellTotals:
    """Per cell what the count rules and the differencing guard need: distinct units, the
    sum of their record keys, and the fingerprint of the set."""

    counts: np.ndarray  # int64
    key_sums: np.ndarray  # int64
    fingerprint_table: FingerprintTable

    def merged(self, target: np.ndarray, n_cells: int) -> CellTotals:
        """Cell `target[i]` is the union of the cells i sent to it. Exact when the cells
        merged are disjoint (no unit in two of them): counts, key sums and fingerprints
        of a disjoint union are sums (xors) of the parts."""
        target = np.asarray(target, dtype=np.int64)
        counts = np.bincount(target, weights=self.counts, minlength=n_cells)
        sums = np.bincount(target, weights=self.key_sums, minlength=n_cells)
        return CellTotals(
            np.rint(counts).astype(np.int64),
            np.rint(sums).astype(np.int64),
            self.fingerprint_table.merged(target, n_cells),
        )

    @classmethod
    def concatenated(cls, parts: Sequence[CellTotals]) -> CellTotals:
        return cls(
            np.concatenate([p.counts for p in parts]),
            np.concatenate([p.key_sums for p in parts]),
            FingerprintTable.concatenated([p.fingerprint_table for p in parts]),
        )

    def fingerprints(self, cells: Sequence[int | None]) -> list[SetFingerprint | None]:
        """Fingerprints of the given cells; None passes through (nothing to fingerprint)."""
        return [None if c is None else self.fingerprint_table[c] for c in cells]


@dataclass(frozen=True, eq=False)
class CellAggregates:
    """Everything a magnitude table reads of its cells' (unit, value) pairs: counts and
    record key sums (of all pairs, and of the pairs with a non-zero value, which
    magnitude-support counts), the signed sums, the magnitudes the dominance rules and the
    noise read (with value digests), and the fingerprints of each cell's units and of its
    (unit, value) pairs."""

    counts: np.ndarray  # int64
    key_sums: np.ndarray  # int64
    nonzero_counts: np.ndarray  # int64
    nonzero_key_sums: np.ndarray  # int64
    sums: np.ndarray  # float64
    magnitudes: Magnitudes
    units: FingerprintTable
    pairs: FingerprintTable


@dataclass(frozen=True, eq=False)
class CellUnits:
    """Each distinct (cell, unit) pair once. `unit` indexes the key arrays; `values` holds
    each pair's contributions summed (the unit's magnitude in that cell). `disjoint`: no
    unit is in two cells (then every unit is one pair)."""

    n_cells: int
    cell: np.ndarray  # per pair
    unit: np.ndarray  # per pair: index into `keys`
    keys: KeyArrays
    values: np.ndarray  # per pair
    disjoint: bool

    @classmethod
    def build(
        cls,
        cell: np.ndarray,
        pseudonyms: np.ndarray,
        n_cells: int,
        keys: KeySource,
        values: np.ndarray | None = None,
    ) -> CellUnits:
        cell = np.asarray(cell, dtype=np.int64)
        located = keys.locate(np.asarray(pseudonyms, dtype=np.int64))
        # No values: zeros without memory (a read-only view of one 0.0).
        weights = (
            np.broadcast_to(np.float64(0.0), len(cell))
            if values is None
            else np.asarray(values, np.float64)
        )
        if located.distinct():
            # The common case (one row per unit): every row is a pair of its own, no sort.
            return cls(n_cells, cell, located.positions, located.arrays, weights, True)
        # Rows repeating a unit within a cell are merged: sort one combined key, and within
        # a pair by value, so that the pair's sum (and so its value key) does not depend on
        # the order the rows came in.
        combined = cell * max(len(located.arrays), 1) + located.positions
        order = np.lexsort((weights, combined))
        combined = combined[order]
        first = np.ones(len(combined), dtype=bool)
        first[1:] = combined[1:] != combined[:-1]
        pair = np.cumsum(first) - 1
        summed = np.bincount(pair, weights=weights[order], minlength=int(first.sum()))
        unit = located.positions[order][first]
        return cls(n_cells, cell[order][first], unit, located.arrays, summed, all_distinct(unit))

    @classmethod
    def single(cls, pseudonyms: np.ndarray, keys: KeySource) -> CellUnits:
        units = np.asarray(pseudonyms, dtype=np.int64)
        return cls.build(np.broadcast_to(np.int64(0), len(units)), units, 1, keys)

    def counts(self) -> np.ndarray:
        if self.n_cells == 1:
            return np.array([len(self.cell)], dtype=np.int64)
        return np.bincount(self.cell, minlength=self.n_cells).astype(np.int64)

    def key_sums(self) -> np.ndarray:
        weights = self.keys.record_keys[self.unit]
        if self.n_cells == 1:
            return np.array([int(weights.sum())], dtype=np.int64)
        # float64 sums of integers below 2^53 are exact; back to int for the modulus.
        sums = np.bincount(self.cell, weights=weights, minlength=self.n_cells)
        return np.rint(sums).astype(np.int64)

    def sums(self) -> np.ndarray:
        """Each cell's sum of its units' values."""
        return np.bincount(self.cell, weights=self.values, minlength=self.n_cells)

    def magnitudes(self, keep: int) -> Magnitudes:
        """With each cell's value digest (the keys of magnitude noise)."""
        return Magnitudes.of_pairs(
            self.cell, self.values, self.n_cells, keep, self.unit, self.keys.set_ids
        )

    def fingerprint_table(self) -> FingerprintTable:
        return fingerprint_table(
            self.cell, self.keys.set_ids, self.n_cells, self.unit, self.keys.hashes()
        )

    def pair_fingerprint_table(self) -> FingerprintTable:
        """Each cell's set of (unit, value) pairs, fingerprinted as a unit set is (each
        pair's key standing for a unit): pair_sets.py."""
        ids = pair_keys(self.keys.set_ids[self.unit], self.values)
        return fingerprint_table(self.cell, ids, self.n_cells)

    def aggregates(self, keep: int) -> CellAggregates:
        """All of `aggregates_numpy`, in one compiled pass over the pairs (a dozen passes in
        numpy: 0.5 s and more for the 5.5 million pairs of a table over everyone)."""
        if _loops is None:
            return self.aggregates_numpy(keep)
        keep, cells = max(keep, 2), self.n_cells
        hashes = self.keys.hashes()
        counts, key_sums = np.empty(cells, np.int64), np.empty(cells, np.int64)
        nonzero_counts, nonzero_key_sums = np.empty(cells, np.int64), np.empty(cells, np.int64)
        sums, totals, rest = np.empty(cells), np.empty(cells), np.empty(cells)
        largest = np.empty((keep, cells))
        largest_at = np.empty((keep, cells), dtype=np.int64)
        digests = np.empty(cells, dtype=np.uint64)
        unit_table = np.empty((cells * CELLS, 3), dtype=np.uint64)
        pair_table = np.empty((cells * CELLS, 3), dtype=np.uint64)
        _loops.cell_aggregates(
            np.ascontiguousarray(self.cell, dtype=np.int64),
            np.ascontiguousarray(self.unit, dtype=np.int64),
            np.ascontiguousarray(self.values, dtype=np.float64),
            # Record keys are below 4096: 16 bits hold them (the store's own type).
            np.ascontiguousarray(self.keys.record_keys, dtype=np.int16),
            np.ascontiguousarray(self.keys.set_ids, dtype=np.uint64),
            np.ascontiguousarray(hashes.packed_slots, dtype=np.int32),
            np.ascontiguousarray(hashes.checks, dtype=np.uint64),
            counts,
            key_sums,
            nonzero_counts,
            nonzero_key_sums,
            sums,
            totals,
            largest,
            largest_at,
            rest,
            digests,
            unit_table,
            pair_table,
        )
        return CellAggregates(
            counts,
            key_sums,
            nonzero_counts,
            nonzero_key_sums,
            sums,
            Magnitudes(totals, largest, rest, digests),
            _as_fingerprints(counts, unit_table, cells),
            _as_fingerprints(counts, pair_table, cells),
        )

    def aggregates_numpy(self, keep: int) -> CellAggregates:
        """What `aggregates` gives, from the methods that compute each part on its own (the
        reference twin; held equal by tests/test_output_control_scale.py)."""
        nonzero = self.values != 0
        contributors = CellUnits(
            self.n_cells,
            self.cell[nonzero],
            self.unit[nonzero],
            self.keys,
            self.values[nonzero],
            self.disjoint,
        )
        counts = self.counts()
        pair_ids = pair_keys(self.keys.set_ids[self.unit], self.values)
        return CellAggregates(
            counts,
            self.key_sums(),
            contributors.counts(),
            contributors.key_sums(),
            self.sums(),
            # As the table had them before the fused pass (compiled where built: its
            # rest, among tied largest, leaves out the same pairs the fused pass does).
            self.magnitudes(keep),
            _fingerprints_numpy(self.cell, self.unit, self.keys.set_ids, counts),
            _fingerprints_numpy(self.cell, np.arange(len(self.cell)), pair_ids, counts),
        )

    def totals(self) -> CellTotals:
        return CellTotals(self.counts(), self.key_sums(), self.fingerprint_table())


def _fingerprints_numpy(
    cell: np.ndarray, unit: np.ndarray, set_ids: np.ndarray, sizes: np.ndarray
) -> FingerprintTable:
    """fingerprint_table's numpy path: the ids `set_ids[unit[k]]` added to set `cell[k]`."""
    cells = len(sizes)
    table = np.zeros((cells * CELLS, 3), dtype=np.uint64)
    hashes = UnitHashes.of_numpy(set_ids)
    add_pairs_numpy(
        np.asarray(cell, dtype=np.int64),
        np.asarray(unit, dtype=np.int64),
        np.asarray(set_ids, dtype=np.uint64),
        hashes.packed_slots,
        hashes.checks,
        table,
        CELLS,
    )
    return _as_fingerprints(sizes, table, cells)


def _as_fingerprints(sizes: np.ndarray, table: np.ndarray, cells: int) -> FingerprintTable:
    """A (cells × CELLS, 3) table of counts, id xors and check xors as fingerprint_table
    returns it."""
    assert (PARTITIONS, CELLS_PER_PARTITION) == (4, 32)  # the compiled pass's layout
    return FingerprintTable(
        sizes.copy(),
        table[:, 0].astype(np.int64).reshape(cells, CELLS),
        table[:, 1].reshape(cells, CELLS).copy(),
        table[:, 2].reshape(cells, CELLS).copy(),
    )
