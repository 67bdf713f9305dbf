"""What a released magnitude cell tells about each unit in it, and the ledger of it per
unit (rules/budget.py, `exposure`; OUTPUT_CONTROL.md §3 `budget`).

A magnitude table cell's total is published as Σ clip(y, −c, c) + √V·c·v (magnitude-noise's
cap c, about twice the cell's 25th largest; V the count table's variance). To an attacker
who knows every other unit of the cell, it is one measurement of any contributor's value x
with noise σ = √V·c: Fisher information (min(|x|, c)/σ)² about x on the scale of x itself
(so n such cells leave a relative standard error of 1/√Σ(x/σ)²), at most 1/V = 1/3 for
every unit, whatever lies above it: three known decoys far above the cap on top of every
cell of a target leave it 1/3 a cell (tests/test_output_control_exposure_cap.py; under the
top-k calibration, σ² = Σ (m_j·x_(j))² over the three largest, the target was charged 0).
Smoothed windows and group statistics keep the top-k noise, σ = √Σ_j (m_j·x_(j))², at most
1/m₁² = 4 a unit, as large for a unit below the top k as for one among them (red team:
test_exposure_evasions). So every unit told at least
`exposure_floor` is charged, whatever its rank, at most `exposure_units` per cell (the
largest first): one linear pass, a sort only over the cells that have more.

A cell's dominance verdict (withheld or not, rules/dominance_nk.py) is decided on exact
values: it tells at most π²/w² about the log-odds ℓ = log(T/R) of the share of the n
largest (T) against the rest (R), so π²/w²·(x/T)² about the log of one of the n largest
and π²/w²·(x/R)² about one of the rest (at most √(π²/w²/floor) of those reach the floor).
It is charged too, for every cell decided afresh, withheld or shown.

A group statistic a step computes (aggregate, collapse: grouping.py, group_values.py) is
charged as a cell is (`informed_pairs`; a smoothed extreme as its window's total), under
its noise, which the presence factor makes a count's strength: at most 1/V (1/3) a unit
(group_values.presence_factor).

A unit's exposure is the sum over every cell published or decided about it, in every
project: what all releases together could tell about its value. Units are named by a
digest of their secret set id (cell_key.py), never by a pseudonym."""

from __future__ import annotations

import numpy as np

from .fingerprint import splitmix64
from .ledger import ReleaseLedger
from .rules.budget import Budget
from .unit_sets import CellUnits

_SALT = np.uint64(0x6A09E667F3BCC909)
_BINS = 64  # quarter octaves below a cell's largest value (informed_units)


def unit_names(set_ids: np.ndarray) -> list[str]:
    """The ledger's name of each unit: a digest of its set id (which itself is keyed)."""
    mixed = splitmix64(np.asarray(set_ids, dtype=np.uint64) ^ _SALT)
    # 16 hex digits each, as f"{k:016x}": the big-endian bytes' hex, cut (one C-level
    # conversion; a group step names thousands of units).
    digits = np.ascontiguousarray(mixed, dtype=">u8").tobytes().hex()
    return [digits[i : i + 16] for i in range(0, len(digits), 16)]


def noise_variance(largest: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """Per cell σ² = Σ_j (m_j·x_(j))² over its top-k contributions (the table's variance
    is 1)."""
    k = min(len(multipliers), np.asarray(largest).shape[0])
    top = np.abs(np.asarray(largest, dtype=np.float64)[:k])
    variance: np.ndarray = ((np.asarray(multipliers)[:k, None] * top) ** 2).sum(axis=0)
    return variance


def top_units(
    cells: CellUnits, largest: np.ndarray, wanted: np.ndarray
) -> list[list[tuple[int, float]]]:
    """Per cell, (unit, |contribution|) of the units holding its top-k contributions
    (units index `cells.keys`), for the cells `wanted` (an empty list for the others).
    Linear passes: each pair compared with its cell's k largest; among equal values, the
    first units in pair order."""
    k = np.asarray(largest).shape[0]
    found: list[list[tuple[int, float]]] = [[] for _ in range(cells.n_cells)]
    if not np.any(wanted):
        return found
    magnitude = np.abs(np.asarray(cells.values, dtype=np.float64))
    cell = np.asarray(cells.cell, dtype=np.int64)
    top = np.asarray(largest, dtype=np.float64)
    # Pairs whose value is one of their cell's top k: at least its k-th largest (0 where
    # it has fewer non-zero values: then all of them); 0s never are.
    least = top[k - 1].copy()
    least[~np.asarray(wanted, dtype=bool)] = np.inf
    hit = magnitude >= least[cell]
    hit &= magnitude > 0
    at = np.flatnonzero(hit)
    # The first k such pairs of each cell, in pair order, in k linear passes (a cell of
    # a million equal values, a sum of 0/1, must not cost a sort or a loop over them).
    for _ in range(k):
        if len(at) == 0:
            break
        first = np.full(cells.n_cells, -1, dtype=np.int64)
        first[cell[at][::-1]] = at[::-1]
        taken = first[first >= 0]
        for p in taken.tolist():
            found[int(cell[p])].append((int(cells.unit[p]), float(magnitude[p])))
        chosen = np.zeros(len(cell), dtype=bool)
        chosen[taken] = True
        at = at[~chosen[at]]
    return found


def informed_units(
    cells: CellUnits,
    variance: np.ndarray,
    wanted: np.ndarray,
    floor: float,
    cap: int,
    top: np.ndarray,
) -> list[list[tuple[int, float]]]:
    """Per cell `wanted`, (unit, |contribution|) of every unit the cell's noise leaves
    something to learn about: (x/σ)² ≥ floor, σ² = `variance` (before any factor), at
    most `cap` of them, the largest first (`top`: each cell's largest |contribution|).
    Whatever the unit's rank: a target placed below three known larger values is told as
    much by the sum as it would be on top (`informed_pairs` finds them)."""
    found: list[list[tuple[int, float]]] = [[] for _ in range(cells.n_cells)]
    at = informed_pairs(cells, variance, wanted, floor, cap, top)
    # The informed pairs' cells, units and magnitudes taken out in three gathers, not one
    # numpy scalar at a time (a table over 5.5 M persons informs 100 units in each of
    # thousands of cells).
    magnitude = np.abs(np.asarray(cells.values, dtype=np.float64)[at])
    cell = np.asarray(cells.cell, dtype=np.int64)[at]
    unit = np.asarray(cells.unit, dtype=np.int64)[at]
    for c, u, x in zip(cell.tolist(), unit.tolist(), magnitude.tolist(), strict=True):
        found[c].append((u, x))
    return found


def informed_pairs(
    cells: CellUnits,
    variance: np.ndarray,
    wanted: np.ndarray,
    floor: float,
    cap: int,
    top: np.ndarray,
) -> np.ndarray:
    """The pairs (indices into `cells`, sorted) of `informed_units`, as one array: what a
    caller over many cells (group statistics, grouping.py) charges without a list per
    cell. Linear: in a cell with more than `cap` such units, values are binned by quarter
    octaves below the cell's largest, the bins above the one that reaches `cap` are taken
    whole and that bin's first units in pair order make up the rest (a sum of a million
    0/1 values must not cost a sort)."""
    want = np.asarray(wanted, dtype=bool)
    if not np.any(want):
        return np.zeros(0, dtype=np.int64)
    magnitude = np.abs(np.asarray(cells.values, dtype=np.float64))
    cell = np.asarray(cells.cell, dtype=np.int64)
    least = np.where(want, floor * np.asarray(variance, dtype=np.float64), np.inf)
    at = np.flatnonzero((magnitude > 0) & (magnitude * magnitude >= least[cell]))
    if len(at) == 0:
        return at
    many = np.bincount(cell[at], minlength=cells.n_cells) > cap
    if np.any(many):
        crowded = many[cell[at]]
        kept, over = at[~crowded], at[crowded]
        ids = np.flatnonzero(many)
        compact = np.full(cells.n_cells, -1, dtype=np.int64)
        compact[ids] = np.arange(len(ids))
        ci = compact[cell[over]]
        ratio = magnitude[over] / np.maximum(np.asarray(top, dtype=np.float64)[cell[over]], 1e-300)
        bins = np.clip(np.floor(-np.log2(np.minimum(ratio, 1.0)) * 4), 0, _BINS - 1).astype(
            np.int64
        )
        counts = np.bincount(ci * _BINS + bins, minlength=len(ids) * _BINS).reshape(-1, _BINS)
        reached = np.cumsum(counts, axis=1)
        edge_bin = np.argmax(reached >= cap, axis=1)
        before = reached[np.arange(len(ids)), edge_bin] - counts[np.arange(len(ids)), edge_bin]
        inside = bins < edge_bin[ci]
        edge = np.flatnonzero(bins == edge_bin[ci])
        # Rank within its cell, in pair order: a stable sort of small integers (radix).
        keys = ci[edge].astype(np.int16 if len(ids) < 2**15 else np.int32)
        order = edge[np.argsort(keys, kind="stable")]
        grouped = ci[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        chosen = order[rank < cap - before[grouped]]
        at = np.sort(np.concatenate([kept, over[inside], over[chosen]]))
    return at


def verdict_units(
    cells: CellUnits,
    largest: np.ndarray,
    rest: np.ndarray,
    n: int,
    wanted: np.ndarray,
    floor: float,
    information: float,
) -> list[list[tuple[int, float]]]:
    """Per cell `wanted`, (unit, what its dominance verdict tells about the unit) for each
    unit told at least `floor`. A verdict compares the share of the n largest, on its
    log-odds ℓ = log(T/R) (T the n largest, R the rest), with a drawn bound; it tells at
    most `information` (π²/w², rules/dominance_nk.py) about ℓ, so information·(∂ℓ/∂log x)²
    about the log of a unit's value x: (x/T)² for one of the n largest, (x/R)² for one of
    the rest. Of the rest, at most √(information/floor) units reach the floor (their values
    sum to at most R), whatever the cell's size: a target placed third, after two known
    values, moves R as much as it would move T on top."""
    found: list[list[tuple[int, float]]] = [[] for _ in range(cells.n_cells)]
    want = np.asarray(wanted, dtype=bool)
    if not np.any(want) or information <= 0:
        return found
    top = np.asarray(largest, dtype=np.float64)[:n]
    total_top = top.sum(axis=0)
    tops = top_units(cells, top, want)
    for c, units in enumerate(tops):
        for u, x in units:
            told = information * (x / total_top[c]) ** 2 if total_top[c] > 0 else 0.0
            if told >= floor:
                found[c].append((u, told))
    magnitude = np.abs(np.asarray(cells.values, dtype=np.float64))
    cell = np.asarray(cells.cell, dtype=np.int64)
    remainder = np.asarray(rest, dtype=np.float64)
    least = np.where(want & (remainder > 0), np.sqrt(floor / information) * remainder, np.inf)
    taken = {(c, u) for c, units in enumerate(tops) for u, _ in units}
    for p in np.flatnonzero((magnitude > 0) & (magnitude >= least[cell])).tolist():
        c, u = int(cell[p]), int(cells.unit[p])
        if (c, u) not in taken:
            told = information * (float(magnitude[p]) / remainder[c]) ** 2
            found[c].append((u, min(told, information)))
    return found


class Exposure:
    """One magnitude table's cells against the exposure ledger (rules/budget.py): which
    units each cell's noise and dominance verdict can tell about, the factor the cell's
    noise and verdict are widened by (from the most exposed of them), and what the cells
    tell afresh, to be recorded.

    The (cell, unit, amount) triples are kept as arrays, cell by cell and within a cell in
    `informed_units`'s and `verdict_units`'s order, and summed per unit in that order: the
    same amounts, to the last bit, as adding them one by one into a dict (a table over the
    whole population informs tens of thousands of units, a Python loop each)."""

    def __init__(
        self,
        budget: Budget,
        ledger: ReleaseLedger,
        cells: CellUnits,
        largest: np.ndarray,
        multipliers: np.ndarray,
        reached: np.ndarray,
        rest: np.ndarray | None = None,
        n: int = 2,
        verdict_information: float = 0.0,
        caps: np.ndarray | None = None,
        count_variance: float = 0.0,
    ) -> None:
        p = budget.parameters
        self.cells = cells
        # A table cell's sum is Σ clip(y, −c, c) + √V·c·v (rules/magnitude_noise.py): it tells
        # a unit (min(|x|, c)/(√V·c))², at most 1/V, whatever lies above it. Without `caps`,
        # the top-k noise σ² = Σ (m_j·x_(j))² (smoothed windows, group statistics).
        self.caps = None if caps is None else np.asarray(caps, dtype=np.float64)
        self.variance = (
            noise_variance(largest, multipliers)
            if self.caps is None
            else count_variance * self.caps * self.caps
        )
        self.factors = np.ones(cells.n_cells)
        k = min(len(multipliers), np.asarray(largest).shape[0])
        want = np.asarray(reached, dtype=bool) & (self.variance > 0) if k else np.zeros(0, bool)
        at = (
            informed_pairs(
                cells,
                self.variance,
                want,
                p.exposure_floor,
                p.exposure_units,
                np.asarray(largest)[0],
            )
            if k
            else np.zeros(0, dtype=np.int64)
        )
        # informed_units's order: cell by cell, each cell's pairs in pair order.
        at = at[np.argsort(np.asarray(cells.cell, dtype=np.int64)[at], kind="stable")]
        self._noise_cell = np.asarray(cells.cell, dtype=np.int64)[at]
        self._noise_unit = np.asarray(cells.unit, dtype=np.int64)[at]
        self._noise_x = np.abs(np.asarray(cells.values, dtype=np.float64)[at])
        if self.caps is not None:  # a value above the cap tells only the cap's worth
            self._noise_x = np.minimum(self._noise_x, self.caps[self._noise_cell])
        verdicts = (
            verdict_units(
                cells,
                largest,
                rest,
                n,
                np.asarray(reached, dtype=bool),
                p.exposure_floor,
                verdict_information,
            )
            if rest is not None
            else []
        )
        self._verdict_cell = np.array(
            [c for c, found in enumerate(verdicts) for _ in found], dtype=np.int64
        )
        self._verdict_unit = np.array([u for found in verdicts for u, _ in found], dtype=np.int64)
        self._verdict_told = np.array(
            [told for found in verdicts for _, told in found], dtype=np.float64
        )
        unit = np.concatenate([self._noise_unit, self._verdict_unit])
        cell = np.concatenate([self._noise_cell, self._verdict_cell])
        listed, self._index = np.unique(unit, return_inverse=True)
        self._index = self._index.reshape(-1)
        self._names = unit_names(cells.keys.set_ids[listed])
        exposed = np.asarray(ledger.exposure(self._names), dtype=np.float64).reshape(-1)
        if len(cell):
            most = np.full(cells.n_cells, -np.inf)
            np.maximum.at(most, cell, exposed[self._index])
            for c in np.unique(cell).tolist():
                self.factors[c] = budget.noise_factor(float(most[c]))

    def told(self, published: np.ndarray, decided: np.ndarray) -> dict[str, float]:
        """What the cells `published` afresh (their sums, under the widened noise) and the
        cells whose verdict was `decided` afresh (under the widened bound: information
        falls with the factor's square) tell each unit."""
        shown = np.asarray(published, dtype=bool)
        # Per cell the divisor, as the scalar expressions it always was (numpy scalars).
        scale = np.ones(self.cells.n_cells)
        for c in np.flatnonzero(shown).tolist():
            scale[c] = self.variance[c] * self.factors[c] ** 2
        squared = np.ones(self.cells.n_cells)
        for c in np.flatnonzero(np.asarray(decided, dtype=bool)).tolist():
            squared[c] = self.factors[c] ** 2
        noise = shown[self._noise_cell] & (self.variance[self._noise_cell] > 0)
        verdict = np.asarray(decided, dtype=bool)[self._verdict_cell]
        x = self._noise_x[noise]
        amounts = np.concatenate(
            [
                x * x / scale[self._noise_cell[noise]],
                self._verdict_told[verdict] / squared[self._verdict_cell[verdict]],
            ]
        )
        split = len(self._noise_unit)
        index = np.concatenate([self._index[:split][noise], self._index[split:][verdict]])
        if not len(index):
            return {}
        # bincount adds in the order given: each unit's amounts as the loop added them.
        total = np.bincount(index, weights=amounts, minlength=len(self._names))
        found = np.unique(index).tolist()
        return {self._names[i]: float(total[i]) for i in found}


def exposure_noise(
    budget: Budget,
    ledger: ReleaseLedger,
    cells: CellUnits,
    largest: np.ndarray,
    multipliers: np.ndarray,
    published: np.ndarray,
) -> tuple[np.ndarray, dict[str, float]]:
    """Per cell, the factor its magnitude noise is multiplied by (by the exposure of the
    most exposed unit it tells about), and what the cells `published` afresh tell each of
    those units under that noise, to be recorded. A cell not published gets factor 1 and
    records nothing. (No dominance verdicts: `Exposure` for those.)"""
    found = Exposure(budget, ledger, cells, largest, multipliers, published)
    return found.factors, found.told(published, np.zeros(cells.n_cells, dtype=bool))


# The noise stream of a smoothed window whose noise the exposure ledger has grown: one per
# factor, so that a window published again under another factor gets a fresh draw, never
# the same draw scaled (two scalings of one draw would give its total exactly).
_EXPOSED_STREAM = 1 << 40


def exposed_stream(factor: float) -> int:
    """The magnitude-noise stream of a window whose noise is multiplied by `factor`."""
    return 0 if factor == 1.0 else _EXPOSED_STREAM + round(factor * 1e6)


def window_exposure(
    budget: Budget,
    ledger: ReleaseLedger,
    values: np.ndarray,
    set_ids: np.ndarray,
    multipliers: np.ndarray,
    scale: float | None = None,
) -> tuple[float, dict[str, float]]:
    """For one smoothed window (a smoothed percentile's or extreme's units, whose mean is
    published with the noise of their total), what exposure_noise gives a table's cell: the
    factor its noise is multiplied by (by the exposure of the most exposed of its top-k
    contributors) and what publishing it tells each of them under that noise, (x/σ)²
    over the factor², to be recorded if it is published afresh. Among equal values, the
    units with the lower set ids are the top ones. `scale`: the noise's sd when it is not
    the top-k's (a capped total's √V · c, its `values` clipped to c), for the same top
    len(multipliers) units."""
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    ids = np.asarray(set_ids, dtype=np.uint64)
    order = np.lexsort((ids, -magnitude))[: len(multipliers)]
    order = order[magnitude[order] > 0]
    if not len(order):
        return 1.0, {}
    top = magnitude[order]
    if scale is None:
        variance = float(noise_variance(top[:, None], multipliers)[0])
    else:
        variance = scale * scale
    if variance <= 0:  # values too small to square: no noise, and nothing told
        return 1.0, {}
    names = unit_names(ids[order])
    factor = budget.noise_factor(max(ledger.exposure(names)))
    told: dict[str, float] = {}
    for name, x in zip(names, top.tolist(), strict=True):
        told[name] = told.get(name, 0.0) + x * x / (variance * factor * factor)
    return factor, told
