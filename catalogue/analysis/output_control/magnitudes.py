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


def counts_in_disguise(magnitudes: Magnitudes, nonzero_counts: np.ndarray) -> np.ndarray:
    """Per cell whether every non-zero contribution has one absolute size c (the sum of a
    0/1 variable, or of c times one, signs free): its total is then c times a count (or a
    difference of two), whose one unit more or less moves it by c, the largest contribution.
    Magnitude noise of the top contributions has a standard deviation of ‖m‖·c (0.57·c by
    default), a third of a count's (√V). Such a cell is the extreme case of `level_floor`,
    which gives it a count's noise (×`count_noise_factor`)."""
    n = np.asarray(nonzero_counts, dtype=np.float64)
    top = magnitudes.largest[0] * n
    return (n > 0) & (np.abs(magnitudes.totals - top) <= 1e-9 * np.maximum(top, 1e-300))


def count_noise_factor(count_variance: float, multipliers: np.ndarray) -> float:
    """What the magnitude noise of a count in disguise is multiplied by so that its standard
    deviation is a count's, √V, in units of its contributions (at least 1: never less)."""
    spread = float(np.sqrt(np.sum(np.asarray(multipliers, dtype=np.float64) ** 2)))
    return max(1.0, float(np.sqrt(count_variance)) / spread) if spread > 0 else 1.0


def level_floor(
    magnitudes: Magnitudes,
    nonzero_counts: np.ndarray,
    multipliers: np.ndarray,
    count_variance: float,
) -> np.ndarray:
    """Per cell (≥ 1) what its magnitude noise is multiplied by so that its standard
    deviation is at least a count's noise times the cell's level, √V · T/n: T the total of
    the absolute contributions, n how many are not 0 (their mean, the typical value).

    Why: a sum whose values are nearly equal is a count in disguise, whatever their digits.
    With 15 known people at 1.00, 1.01, …, 1.14 and a target's diagnosis as a 0/1, the
    noise of the top three (sd ‖m‖·1.14 = 0.65) read the diagnosis from one sum (11 of 16
    right, the attacker's error 0.75; red team: test_indicator_sums). One unit more or less
    moves a total by about its level; hidden as a count hides it, the noise is √V levels.

    The floor binds only where the values are nearly equal: the top contributions' noise is
    about ‖m‖·x_(1) already, so it binds where the level T/n is above ‖m‖/√V = 0.33 of the
    largest (a smooth measure of spread, no threshold to place the padding beside). It is
    exactly the count's widening for a count in disguise (T/n = x_(1) = x_(2) = x_(3)); an
    income sum over many units, whose mean is a small share of its largest, keeps its
    noise. A function of the cell's values alone: the same cell gets the same noise."""
    m = np.asarray(multipliers, dtype=np.float64)
    largest = np.abs(np.asarray(magnitudes.largest, dtype=np.float64))[: len(m)]
    m = m[: largest.shape[0]]
    sd = np.sqrt(((m[:, None] * largest) ** 2).sum(0))
    n = np.asarray(nonzero_counts, dtype=np.float64)
    level = np.divide(np.abs(magnitudes.totals), n, out=np.zeros(len(n)), where=n > 0)
    wanted = float(np.sqrt(count_variance)) * level
    safe = sd > 0
    factors = np.ones(len(n))
    np.divide(wanted, sd, out=factors, where=safe)
    return np.maximum(factors, 1.0)
