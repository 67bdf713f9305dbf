"""Distinct units per cell, with the secret keys the controller needs (never output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .cell_key import KeySource
from .fingerprint import SetFingerprint, fingerprints


@dataclass(frozen=True, eq=False)
class CellUnits:
    """Each distinct (cell, unit) pair once, sorted by cell then pseudonym. Keys are held
    once per distinct unit (`unit` maps a pair to its unit); `values` holds each pair's
    contributions summed (the unit's magnitude in that cell)."""

    n_cells: int
    cell: np.ndarray  # per pair
    unit: np.ndarray  # per pair: index into the per-unit arrays
    record_keys: np.ndarray  # per distinct unit
    set_ids: np.ndarray  # per distinct unit
    values: np.ndarray  # per pair

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
        pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
        order = np.lexsort((pseudonyms, cell))
        cell, pseudonyms = cell[order], pseudonyms[order]
        first = np.ones(len(cell), dtype=bool)
        first[1:] = (cell[1:] != cell[:-1]) | (pseudonyms[1:] != pseudonyms[:-1])
        pair = np.cumsum(first) - 1
        weights = np.zeros(len(cell)) if values is None else np.asarray(values)[order]
        summed = np.bincount(pair, weights=weights, minlength=int(first.sum()))
        distinct, unit = np.unique(pseudonyms[first], return_inverse=True)
        found = keys.keys(distinct)
        return cls(n_cells, cell[first], unit, found.record_keys, found.set_ids, summed)

    @classmethod
    def single(cls, pseudonyms: np.ndarray, keys: KeySource) -> CellUnits:
        units = np.asarray(pseudonyms, dtype=np.int64)
        return cls.build(np.zeros(len(units), dtype=np.int64), units, 1, keys)

    def counts(self) -> np.ndarray:
        return np.bincount(self.cell, minlength=self.n_cells).astype(np.int64)

    def key_sums(self) -> np.ndarray:
        # float64 sums of integers below 2^53 are exact; back to int for the modulus.
        sums = np.bincount(self.cell, weights=self.record_keys[self.unit], minlength=self.n_cells)
        return np.rint(sums).astype(np.int64)

    def _bounds(self, cell: int) -> slice:
        lo, hi = np.searchsorted(self.cell, [cell, cell + 1])
        return slice(int(lo), int(hi))

    def values_of(self, cell: int) -> np.ndarray:
        return self.values[self._bounds(cell)]

    def fingerprints(self, cells: Sequence[int | None]) -> list[SetFingerprint | None]:
        """Fingerprints of the given cells; None passes through (nothing to fingerprint)."""
        chosen = sorted({c for c in cells if c is not None})
        if not chosen:
            return [None for _ in cells]
        slot = np.full(self.n_cells, -1, dtype=np.int64)
        slot[chosen] = np.arange(len(chosen))
        mask = slot[self.cell] >= 0
        found = fingerprints(slot[self.cell[mask]], self.set_ids, len(chosen), self.unit[mask])
        return [None if c is None else found[int(slot[c])] for c in cells]
