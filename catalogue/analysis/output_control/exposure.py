"""What a released magnitude cell tells about each of its largest contributors, and the
ledger of it per unit (rules/budget.py, `exposure`; OUTPUT_CONTROL.md §3 `budget`).

A cell's total is published with noise of standard deviation σ = √Σ_j (m_j·x_(j))² over its
top_k largest contributions (magnitude-noise). To an attacker who knows every other unit
of the cell, it is one measurement of a contributor's value x with that noise: Fisher
information (x/σ)² about x on the scale of x itself (so n such cells leave a relative
standard error of 1/√Σ(x/σ)²). For the largest contribution that is at most 1/m₁² = 4 with
the defaults, and at most 4 for every unit (σ ≥ m₁·x_(1)). A unit's exposure is the sum over
every cell published about it, in every project: what all releases together could tell
about its value.

Only the top_k largest contributions of a cell are charged (O(k) per cell); a unit below
them but as large is not (docs §12). Units are named by a digest of their secret set id
(cell_key.py), never by a pseudonym."""

from __future__ import annotations

import numpy as np

from .fingerprint import splitmix64
from .ledger import ReleaseLedger
from .rules.budget import Budget
from .unit_sets import CellUnits

_SALT = np.uint64(0x6A09E667F3BCC909)


def unit_names(set_ids: np.ndarray) -> list[str]:
    """The ledger's name of each unit: a digest of its set id (which itself is keyed)."""
    mixed = splitmix64(np.asarray(set_ids, dtype=np.uint64) ^ _SALT)
    return [f"{int(k):016x}" for k in mixed]


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


def exposure_noise(
    budget: Budget,
    ledger: ReleaseLedger,
    cells: CellUnits,
    largest: np.ndarray,
    multipliers: np.ndarray,
    published: np.ndarray,
) -> tuple[np.ndarray, dict[str, float]]:
    """Per cell, the factor its magnitude noise is multiplied by (rules/budget.py: by the
    exposure of the most exposed of its top-k contributors), and what the cells
    `published` afresh tell each of those units under that noise, to be recorded. A cell not
    published gets factor 1 and records nothing."""
    factors = np.ones(cells.n_cells)
    amounts: dict[str, float] = {}
    k = min(len(multipliers), np.asarray(largest).shape[0])
    if k == 0 or not np.any(published):
        return factors, amounts
    units = top_units(cells, np.asarray(largest)[:k], published)
    listed = sorted({u for found in units for u, _ in found})
    names = dict(zip(listed, unit_names(cells.keys.set_ids[listed]), strict=True))
    exposed = dict(zip(listed, ledger.exposure([names[u] for u in listed]), strict=True))
    variance = noise_variance(largest, multipliers)
    for c, found in enumerate(units):
        if not found or variance[c] <= 0:
            continue
        factor = budget.noise_factor(max(exposed[u] for u, _ in found))
        factors[c] = factor
        for u, x in found:
            told = x * x / (variance[c] * factor * factor)
            amounts[names[u]] = amounts.get(names[u], 0.0) + told
    return factors, amounts


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
) -> tuple[float, dict[str, float]]:
    """For one smoothed window (a smoothed percentile's or extreme's units, whose mean is
    published with the noise of their total), what exposure_noise gives a table's cell: the
    factor its noise is multiplied by (by the exposure of the most exposed of its top-k
    contributors) and what publishing it tells each of them under that noise, (x/σ)²
    over the factor², to be recorded if it is published afresh. Among equal values, the
    units with the lower set ids are the top ones."""
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    ids = np.asarray(set_ids, dtype=np.uint64)
    order = np.lexsort((ids, -magnitude))[: len(multipliers)]
    order = order[magnitude[order] > 0]
    if not len(order):
        return 1.0, {}
    top = magnitude[order]
    variance = float(noise_variance(top[:, None], multipliers)[0])
    if variance <= 0:  # values too small to square: no noise, and nothing told
        return 1.0, {}
    names = unit_names(ids[order])
    factor = budget.noise_factor(max(ledger.exposure(names)))
    told: dict[str, float] = {}
    for name, x in zip(names, top.tolist(), strict=True):
        told[name] = told.get(name, 0.0) + x * x / (variance * factor * factor)
    return factor, told
