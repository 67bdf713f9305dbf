"""The values a few units dominate, for every path that publishes a magnitude of a cell or
group: a magnitude table's cell (controller.py), a group statistic (aggregate and collapse,
steps/shared/grouping.py) and a smoothed window of one variable (one_variable.py).

`dominated_pairs`: in each cell that fails dominance-nk (on its configured band) or p %,
its largest contributions, as few as it takes for the rest to pass both
(rules/dominance_nk.py `dominant_pairs`). A table answers those as 0.

`undominated_caps` and `undominated_signed_caps`: the caps of rules/magnitude_noise.py read
from the values with the dominated ones at 0, so that every value, the dominated ones
included, is then clipped to a cap its own unit did not set. Why: a value far above its
group raised the group's cap through its own smoothed term y / 2²⁴ and so showed: the mean
of a group of 1,600 at p and the target at 10¹⁴ if diagnosed was 10³–10⁵ p iff diagnosed
(16 of 16), the same through the overflow bisected 8 wages to within 0.4 %, and summarize's
maximum, its window clipped to that cap, was withheld for dominance iff diagnosed (8 of 8;
red team test_second_opinion). With the cap read without it, one unit moves a total by at
most the cap, as one unit moves a count."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .magnitudes import Magnitudes
from .parameters import OutputControlParameters
from .rules.dominance_nk import DominanceNK, dominant_pairs
from .rules.magnitude_noise import MagnitudeNoise
from .rules.p_percent import PPercent
from .value_keys import set_keys


def dominated_pairs(
    parameters: OutputControlParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    magnitudes: Magnitudes,
    cell_set_keys: np.ndarray,
) -> np.ndarray:
    """The pairs (indices into `cell`, `values`, `set_ids`: one per (cell, unit)) that
    dominate their cell: per cell that fails dominance-nk or p % on its exact values
    (`magnitudes`, with digests; `cell_set_keys`: value_keys.set_keys of its units), its
    largest, as few as it takes for the rest to pass both. Judged without recording the
    rules as applied."""
    magnitudes = replace(magnitudes, set_keys=cell_set_keys)
    failing = np.array(
        [
            a.withheld or b.withheld
            for a, b in zip(
                parameters.rule(DominanceNK).apply(magnitudes),
                parameters.rule(PPercent).apply(magnitudes),
                strict=True,
            )
        ],
        dtype=bool,
    )
    if not failing.any():
        return np.zeros(0, dtype=np.int64)
    p = parameters.of(PPercent)
    assert magnitudes.digests is not None
    return dominant_pairs(
        parameters.of(DominanceNK),
        cell,
        values,
        set_ids,
        magnitudes.digests,
        failing,
        (p.p + p.jitter * cell_set_keys) / 100,
    )


def _keep(parameters: OutputControlParameters, cell: np.ndarray) -> int:
    """The largest contributions to keep per cell: as many as the cap reads, or one more
    than the largest cell holds (then the last row is 0, which `caps` accepts), so that
    many small groups do not cost cap_rank rows each."""
    noise = parameters.of(MagnitudeNoise)
    largest_cell = int(np.bincount(cell).max(initial=0)) if len(cell) else 0
    return max(parameters.of(DominanceNK).n, noise.top_k, min(noise.cap_rank, largest_cell + 1))


def dominated_in(
    parameters: OutputControlParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    n_cells: int,
) -> np.ndarray:
    """`dominated_pairs` of these pairs (`set_ids` per pair, each pair one unit of its
    cell), their magnitudes and set keys computed here."""
    cell = np.asarray(cell, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    set_ids = np.asarray(set_ids, dtype=np.uint64)
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    pairs = np.arange(len(values))
    magnitudes = Magnitudes.of_pairs(cell, values, n_cells, _keep(parameters, cell), pairs, set_ids)
    xors = np.zeros((n_cells, 1), dtype=np.uint64)
    np.bitwise_xor.at(xors[:, 0], cell, set_ids)
    sizes = np.bincount(cell, minlength=n_cells)
    return dominated_pairs(parameters, cell, values, set_ids, magnitudes, set_keys(xors, sizes))


def undominated_caps(
    parameters: OutputControlParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    n_cells: int,
) -> np.ndarray:
    """Per cell its cap (MagnitudeNoise.caps) read from its values with the dominated ones
    at 0: every value, those included, is to be clipped to it."""
    cell = np.asarray(cell, dtype=np.int64)
    rest = np.array(values, dtype=np.float64, copy=True)
    rest[dominated_in(parameters, cell, rest, set_ids, n_cells)] = 0.0
    noise = parameters.rule(MagnitudeNoise)
    largest = Magnitudes.of_pairs(cell, rest, n_cells, _keep(parameters, cell)).largest
    return noise.caps(largest)


def undominated_signed_caps(
    parameters: OutputControlParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    n_cells: int,
    order: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell its upper and lower cap (MagnitudeNoise.signed_caps) read from its values
    with the dominated ones at 0: every value, those included, is to be clipped to them.
    `order`: the pairs by cell, ascending values within each (the caller's sort); only the
    cells with a dominated pair are sorted again."""
    cell = np.asarray(cell, dtype=np.int64)
    rest = np.array(values, dtype=np.float64, copy=True)
    dominated = dominated_in(parameters, cell, rest, set_ids, n_cells)
    rest[dominated] = 0.0
    ordered, cells = rest[order], cell[order]
    if len(dominated):
        hit = np.zeros(n_cells, dtype=bool)
        hit[cell[dominated]] = True
        at = np.flatnonzero(hit[cells])  # whole cells, contiguous, in cell order
        ordered[at] = ordered[at][np.lexsort((ordered[at], cells[at]))]
    sizes = np.bincount(cell, minlength=n_cells).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return parameters.rule(MagnitudeNoise).signed_caps(ordered, starts, sizes)
