"""Distinct units per cell, with the secret keys the controller needs (never output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .cell_key import KeyArrays, KeySource, all_distinct
from .fingerprint import FingerprintTable, SetFingerprint, fingerprint_table
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

    def totals(self) -> CellTotals:
        return CellTotals(self.counts(), self.key_sums(), self.fingerprint_table())
