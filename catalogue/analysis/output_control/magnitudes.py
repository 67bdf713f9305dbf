"""What the dominance rules (dominance-nk, p-percent) and magnitude noise read of each
cell's per-unit contributions, all in absolute value: the total, the few largest, and the
total without the two largest (summed directly rather than as a difference, so a small rest
beside huge contributions keeps its digits); and, given the units' set ids, each cell's
value digest (value_keys.py), which keys the cell's magnitude noise.

Built from per-cell arrays by sorting (small inputs), or from (cell, contribution) pairs
in two passes and no sort, compiled (millions of units: sorting every cell costs more than
the whole statistic), or the same in numpy where the compiled loop is missing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

try:
    from ..native import _loops
except ImportError:  # not compiled here: the numpy version gives the same, slower
    _loops = None  # type: ignore[assignment]
from .value_keys import cell_digests, pair_keys


@dataclass(frozen=True, eq=False)
class Magnitudes:
    totals: np.ndarray  # (cells,)
    largest: np.ndarray  # (keep, cells), descending; 0 where a cell has fewer units
    rest_after_two: np.ndarray  # (cells,)
    digests: np.ndarray | None = None  # (cells,) uint64, when the pairs' units were given
    # (cells,) in [0, 1): a key of each cell's unit set alone, which jitters p-percent's
    # bound (None: no jitter; dominance-nk draws its bound from the digests)
    set_keys: np.ndarray | None = None
    # (cells,) ≥ 1: how many times wider dominance-nk's band is drawn for each cell (the
    # exposure of the units it tells about, rules/budget.py); None: the band as configured
    widths: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.totals)

    @classmethod
    def of_cells(cls, contributions: Sequence[np.ndarray], keep: int = 2) -> Magnitudes:
        keep = max(keep, 2)
        largest = np.zeros((keep, len(contributions)))
        totals, rests = np.zeros(len(contributions)), np.zeros(len(contributions))
        for c, values in enumerate(contributions):
            ordered = np.sort(np.abs(np.asarray(values, dtype=np.float64)))[::-1]
            totals[c] = ordered.sum()
            largest[: min(keep, len(ordered)), c] = ordered[:keep]
            rests[c] = ordered[2:].sum()
        return cls(totals, largest, rests)

    @classmethod
    def of_pairs(
        cls,
        cell: np.ndarray,
        contributions: np.ndarray,
        n_cells: int,
        keep: int = 2,
        unit: np.ndarray | None = None,
        set_ids: np.ndarray | None = None,
    ) -> Magnitudes:
        """`contributions[k]` belongs to cell `cell[k]` (one entry per unit in the cell);
        with `unit` (per pair, an index into `set_ids`) the digests are computed too."""
        if _loops is None:
            return cls.of_pairs_numpy(cell, contributions, n_cells, keep, unit, set_ids)
        keep = max(keep, 2)
        cell = np.ascontiguousarray(cell, dtype=np.int64)
        keyed = unit is not None and set_ids is not None
        totals, rests = np.empty(n_cells), np.empty(n_cells)
        largest = np.empty((keep, n_cells))
        largest_at = np.empty((keep, n_cells), dtype=np.int64)
        digests = np.empty(n_cells, dtype=np.uint64)
        _loops.cell_magnitudes(
            cell,
            np.ascontiguousarray(contributions, dtype=np.float64),
            np.ascontiguousarray(unit, dtype=np.int64) if keyed else np.zeros_like(cell),
            np.ascontiguousarray(set_ids, dtype=np.uint64) if keyed else np.zeros(1, np.uint64),
            totals,
            largest,
            largest_at,
            rests,
            digests,
        )
        return cls(totals, largest, rests, digests if keyed else None)

    @classmethod
    def of_pairs_numpy(
        cls,
        cell: np.ndarray,
        contributions: np.ndarray,
        n_cells: int,
        keep: int = 2,
        unit: np.ndarray | None = None,
        set_ids: np.ndarray | None = None,
    ) -> Magnitudes:
        """What `of_pairs` gives, in linear numpy passes."""
        keep = max(keep, 2)
        cell = np.asarray(cell, dtype=np.int64)
        digests = None
        if unit is not None and set_ids is not None:
            ids = np.asarray(set_ids, dtype=np.uint64)[np.asarray(unit, dtype=np.int64)]
            digests = cell_digests(pair_keys(ids, contributions), cell, n_cells)
        remaining = np.abs(np.asarray(contributions, dtype=np.float64))
        totals = np.bincount(cell, weights=remaining, minlength=n_cells)
        largest = np.zeros((keep, n_cells))
        rests = totals
        taken = False
        for j in range(keep):
            top = np.full(n_cells, -1.0)  # −1: no contribution left (all are ≥ 0)
            np.maximum.at(top, cell, remaining)
            largest[j] = np.maximum(top, 0.0)
            if j + 1 < keep or j < 2:
                # Take one contribution equal to its cell's largest out of the running;
                # which one, among equals, does not matter.
                at = np.flatnonzero(remaining == top[cell])
                one = np.full(n_cells, -1, dtype=np.int64)
                one[cell[at]] = at
                one = one[one >= 0]
                if not taken:
                    remaining, taken = remaining.copy(), True
                remaining[one] = -1.0
            if j == 1:
                rests = np.bincount(cell, weights=np.maximum(remaining, 0.0), minlength=n_cells)
        return cls(totals, largest, rests, digests)


def as_magnitudes(subject: Magnitudes | Sequence[np.ndarray], keep: int) -> Magnitudes:
    if isinstance(subject, Magnitudes):
        if subject.largest.shape[0] < keep:
            raise ValueError(f"the rule needs the {keep} largest contributions per cell")
        return subject
    return Magnitudes.of_cells(subject, keep)


def capped_sums(
    cell: np.ndarray, values: np.ndarray, sums: np.ndarray, caps: np.ndarray
) -> np.ndarray:
    """Per cell Σ clip(y, −c, c) over its per-unit contributions y (`cell[k]` the cell of
    `values[k]`), given the exact sums and each cell's cap c (rules/magnitude_noise.py
    `caps`): the sums less what lies beyond ±c, signs kept (negative values are capped at
    −c as positive ones at c). Only a cell's few largest are beyond its cap (c is at least
    twice its 25th largest), so the correction is a sum over a handful of pairs.

    Why: the noise of a table sum is a count's at the cap, and one unit must not move the
    sum more than the cap (the sum of 100 known people at 0.1 and a target at 1 if
    diagnosed read 14 of 16 diagnoses by the target's presence at the top; red team
    test_indicator_sums)."""
    cell = np.asarray(cell, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    caps = np.asarray(caps, dtype=np.float64)
    excess = np.abs(values) - caps[cell]
    beyond = np.flatnonzero(excess > 0)
    out = np.array(sums, dtype=np.float64, copy=True)
    if len(beyond):
        out -= np.bincount(
            cell[beyond],
            weights=np.sign(values[beyond]) * excess[beyond],
            minlength=len(out),
        )
    return out
