"""dominance-nk: a magnitude cell fails when its n largest per-unit contributions make up
at least k of its total (OUTPUT_CONTROL.md §2: n = 2, k = 0.85).

The bound a cell meets is drawn per question between `low` and `high` (k lies between
them), from the cell's value digest (value_keys.py, the key family of its magnitude noise):
the same units with the same values always meet the same bound, so asking again gains
nothing, and any other values meet another. Why: a derived variable can put a target's value
beside known values (z = wage·[target] + c·[20 others]); moving c until the cell flips
between withheld and shown finds the bound's share, and so the wage, to the digit when the
decision is exact; a bound fixed per unit set only brackets it, and ten padding groups'
brackets intersect to within a few percent (red team: test_probing).

How it is drawn: on the log-odds of the share, ℓ = log(share / (1 − share)), where the
target's log value moves ℓ by at most one for one (|dℓ/d log y| ≤ 1 whatever the padding),
with the density (π/2w)·sin(π(ℓ − L)/w) over [L, H] = [logit(low), logit(high)], w = H − L.
Each verdict then tells an attacker the same Fisher information about the log of a value,
at most π²/w², wherever they put the share: no edge where a verdict says more (a uniform
bound's edges are found at rate 1/N), and N verdicts leave any estimate a standard error
of at least w/(π√N) (Cramér–Rao): 0.12 of the value from 94 verdicts with the defaults,
whose w = 3.58 is as wide as the conformance cases allow (case 6's share 0.174 below low,
cases 3 and 4's 0.943 and 0.929 above high, so all three are decided as the specification
decides them, whatever the draw). With the defaults, p-percent never binds before this rule
(it fails only above a share of 1/(1 + p/100) = 0.909 > high), so its verdict stays hidden
behind this one's. The price: cells whose two largest contributions hold between 20 % and
90 % are withheld with a probability that rises with the share (a sixth at 0.4, half at
0.6, nine in ten at 0.8, 96 % at 0.85); from a share of 0.4 up, a published total would
carry magnitude noise of a tenth of itself or more anyway (its sd is half the largest).

A magnitude table does not withhold a cell that fails: it answers it as the same cell with
its largest values at 0, as few as it takes for the rest to pass (`dominant_pairs`,
controller.py). Why: a verdict on exact values is an oracle on whether a value is there at
all (v = 10⁶ for a target if diagnosed, 0 if not: the sum was withheld iff diagnosed, 12 of
12, red team test_dominance_presence); answered with the 10⁶ at 0, the cell is the very
cell of the undiagnosed target. The rule itself, on raw contributions, still says fails
(conformance cases 3 and 4).

Contributions are per unit (summed per unit before this rule) and judged on absolute
values, so a negative contribution cannot hide a dominant one. A cell whose total is 0
(all contributions 0) passes: there is nobody to protect. Cells given without digests (raw
contributions: conformance cases, the smoothed extremes' top sets) meet k itself."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..magnitudes import Magnitudes, as_magnitudes
from ..rule import Decision, Message, Rule, frozen_reasons
from ..value_keys import pair_keys, uniforms

# The digest stream the bound is drawn from: apart from the magnitude noise's streams (0…)
# and the set keys' (value_keys.SET_KEY_STREAM).
BOUND_STREAM = 1 << 21


@dataclass(frozen=True)
class DominanceParameters:
    n: int = 2
    k: float = 0.85
    low: float = 0.2
    high: float = 0.9

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 < self.low <= self.k <= self.high < 1:
            raise ValueError("dominance-nk needs n ≥ 1 and 0 < low ≤ k ≤ high < 1")


def logit(share: float) -> float:
    return math.log(share / (1 - share))


def drawn_bounds(
    parameters: DominanceParameters,
    digests: np.ndarray | None,
    cells: int,
    widths: np.ndarray | None = None,
) -> list[float]:
    """Per cell the bound on the share of the n largest: k without digests, else drawn from
    the sine density on the log-odds between low and high (inverse of its distribution
    function F(ℓ) = (1 − cos(π(ℓ − L)/w))/2). A cell with a width factor f > 1 (a cell
    about a unit past its exposure allowance, rules/budget.py) draws from [H − f·w, H]:
    its verdict tells π²/(f·w)², and a share above H is still always withheld."""
    if digests is None or parameters.low == parameters.high:
        return [parameters.k] * cells
    low, high = logit(parameters.low), logit(parameters.high)
    factor = np.ones(cells) if widths is None else np.asarray(widths, dtype=np.float64)
    width = (high - low) * factor
    start = np.where(factor == 1, low, high - width)  # the configured band to the last bit
    keys = uniforms(digests, stream=BOUND_STREAM)
    drawn = start + width / math.pi * np.arccos(1 - 2 * keys)
    return (1 / (1 + np.exp(-drawn))).tolist()


def verdict_information(parameters: DominanceParameters) -> float:
    """What one verdict tells about the log-odds of a cell's share, at most (π²/w²)."""
    width = logit(parameters.high) - logit(parameters.low)
    return math.pi**2 / width**2 if width > 0 else 0.0


def dominance_share(contributions: np.ndarray, n: int) -> float:
    """Share of the absolute total held by the n largest absolute contributions (0 if the
    total is 0)."""
    found = Magnitudes.of_cells([contributions], n)
    total = float(found.totals[0])
    return float(found.largest[:n, 0].sum()) / total if total else 0.0


class DominanceNK(Rule[DominanceParameters, Magnitudes | Sequence[np.ndarray], float]):
    """Subject: per cell, the per-unit contributions (or their Magnitudes). A passing
    decision carries the cell's absolute total."""

    code = "dominance-nk"
    parameters_type = DominanceParameters
    title = Message("Dominansregel (n, k)", "Dominance rule (n, k)")
    docs = Message(
        "En celle skjules hvis de {n} største bidragene (absoluttverdier, summert per enhet) "
        "utgjør minst en andel k av cellens sum. k er {k} i spesifikasjonen, men trekkes for "
        "hvert spørsmål mellom {low} og {high} ut fra enhetene og verdiene deres: det samme "
        "spørsmålet får alltid samme svar, et annet spørsmål en ny grense. En tabell besvarer "
        "en slik celle som den samme cellen med de dominerende verdiene satt til 0 (så få "
        "som trengs); hvilke celler det gjelder, vises ikke.",
        "A cell is withheld if its {n} largest contributions (absolute values, summed per "
        "unit) make up at least a share k of its total. k is {k} in the specification, but "
        "is drawn for each question between {low} and {high} from the units and their "
        "values: the same question always gets the same answer, another one a new bound. A "
        "table answers such a cell as the same cell with its dominant values set to 0 (as "
        "few as it takes); which cells that is, is not shown.",
    )
    reasons = frozen_reasons(
        {
            "dominance-nk": Message(
                "Noen få enheter dominerer cellens sum, så den vises ikke.",
                "A few units dominate the cell's total, so it is not shown.",
            ),
        }
    )

    def apply(self, subject: Magnitudes | Sequence[np.ndarray]) -> Sequence[Decision[float]]:
        n = self.parameters.n
        found = as_magnitudes(subject, n)
        decisions: list[Decision[float]] = []
        tops = found.largest[:n].sum(axis=0).tolist()
        bounds = drawn_bounds(self.parameters, found.digests, len(found), found.widths)
        for total, top, bound in zip(found.totals.tolist(), tops, bounds, strict=True):
            if total > 0 and top / total >= bound:
                decisions.append(self.withhold("dominance-nk"))
            else:
                decisions.append(Decision(total))
        return decisions


def _suffix_sums(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per position p the sum of its cell's values from p on (cells are the runs
    [starts, ends) of x), and a 0 after the last. Only a cell's own values are summed (no
    difference of running sums over other cells, which would lose a small cell's digits
    beside huge ones). Many cells: a segmented scan in ⌈log₂ L⌉ vectorised doublings (L the
    longest cell), each position adding the partial sum 2^s further on in its cell (a
    cumsum per cell took 4.4 s at 500,000 pairs in 50,000 cells, the scan 2.7 s of the
    whole, under load); few long cells: a cumsum each, which is cheaper there."""
    n = len(x)
    lengths = np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
    longest = int(lengths.max()) if len(lengths) else 0
    if len(lengths) * 2000 <= n * max(1, longest.bit_length()):
        return np.concatenate(
            [np.cumsum(x[s:e][::-1])[::-1] for s, e in zip(starts, ends, strict=True)] + [[0.0]]
        )
    suffix = np.asarray(x, dtype=np.float64).copy()
    reach = np.repeat(ends, lengths) - np.arange(n)  # values from p to its cell's end
    step = 1
    while step < longest:
        inside = np.flatnonzero(step < reach)
        suffix[inside] = suffix[inside] + suffix[inside + step]
        step *= 2
    return np.concatenate([suffix, [0.0]])


def dominant_pairs(
    parameters: DominanceParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    digests: np.ndarray,
    failing: np.ndarray,
    p_shares: np.ndarray,
) -> np.ndarray:
    """The pairs (indices) a magnitude table answers as 0: per cell `failing` (its exact
    contributions fail this rule on the plain band, or p % at `p_shares` of the largest),
    its largest contributions, as few as it takes for the rest to pass both, each rest
    judged as a cell of its own. The cell is then answered as the cell with those values 0
    (controller.py): the same cell, the same count and keys, and the value digest of the
    undominated cell, so a target whose value is huge only on a condition (v = 10⁶ if
    diagnosed, 0 if not) gets the answer it would get at 0 (red team:
    test_dominance_presence).

    A(C) = C if C passes, else A(C with its largest |contribution| at 0): a function of the
    cell's pairs alone (ties by pair key), so a cell and the cell with its dominant values
    at 0 get one answer. Every candidate of every failing cell is judged in one pass: the
    failing cells' pairs sorted by (cell, −|x|, key), candidate r (the first r at 0) read
    from suffix sums, its digest the cell's with the r pairs' keys swapped for the keys of
    the same units at 0, its band drawn from that digest as the rule does. `set_ids` (each
    pair's unit's secret set id) and `values` are per pair; `digests` and `p_shares` per
    cell. Pair keys are computed for the failing cells' pairs only."""
    cell = np.asarray(cell, dtype=np.int64)
    at = np.flatnonzero(np.asarray(failing, dtype=bool)[cell])
    if not len(at):
        return at
    raw = np.asarray(values, dtype=np.float64)[at]
    ids = np.asarray(set_ids, dtype=np.uint64)[at]
    keys, zero_keys = pair_keys(ids, raw), pair_keys(ids, np.zeros(len(at)))
    x = np.abs(raw)
    c = cell[at]
    order = np.lexsort((keys, -x, c))
    at, x, c, keys, zero_keys = at[order], x[order], c[order], keys[order], zero_keys[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)]
    lengths = ends - starts
    first = np.repeat(starts, lengths)
    end = np.repeat(ends, lengths)
    rank = np.arange(len(c)) - first
    # Each candidate's total: the cell's sum from this position on (`_suffix_sums`).
    suffix = _suffix_sums(x, starts, ends)

    def from_(offset: int) -> np.ndarray:
        ahead = np.arange(len(c)) + offset
        return np.where(ahead < end, suffix[np.minimum(ahead, len(c))], 0.0)

    total = suffix[:-1]
    top = total - from_(parameters.n)
    rest_after_two = from_(2)
    # Digests: the cell's less the keys of the pairs before this one, plus theirs at 0
    # (uint64 sums wrap: mod 2^64, as digests are summed).
    swap = zero_keys - keys
    running = np.cumsum(swap, dtype=np.uint64)
    before = running - swap  # the swaps of this cell's earlier pairs, and earlier cells'
    candidate = np.asarray(digests, dtype=np.uint64)[c] + (before - before[first])
    bounds = np.asarray(drawn_bounds(parameters, candidate, len(c)))
    share = np.divide(top, total, out=np.zeros_like(total), where=total > 0)
    fails = (total > 0) & (share >= bounds)
    fails |= (x > 0) & (rest_after_two < np.asarray(p_shares, dtype=np.float64)[c] * x)
    # The first candidate r ≥ 1 that passes (r = the cell's size, all at 0, always does).
    passes = ~fails & (rank > 0)
    chosen = lengths.copy()
    hit = np.flatnonzero(passes)
    segment = np.repeat(np.arange(len(starts)), lengths)[hit]
    earliest = np.ones(len(segment), dtype=bool)  # positions ascend within a cell
    earliest[1:] = segment[1:] != segment[:-1]
    chosen[segment[earliest]] = rank[hit[earliest]]
    return np.sort(at[rank < np.repeat(chosen, lengths)])


def revealed_verdicts(
    parameters: DominanceParameters,
    cell: np.ndarray,
    values: np.ndarray,
    set_ids: np.ndarray,
    dominated: np.ndarray,
    wanted: np.ndarray,
    floor: float,
    information: float,
) -> tuple[np.ndarray, np.ndarray]:
    """What the verdicts a dominated cell's answer reveals tell each pair set to 0: (pair
    indices, amounts), for the cells `wanted`.

    A cell answered with its first r contributions at 0 (`dominant_pairs`, in the order
    (cell, −|x|, key)) tells that the cell failed with its first i at 0 for every i < r:
    r verdicts, not one. The verdict with the first i at 0 compares its n largest (the
    contributions i … i + n − 1) with the rest R_i (those after them), and tells a pair
    among those n information·(x/T_i)², T_i their sum, and one in the rest at most
    information·(x/R_i)² (exposure.verdict_units; each amount under `floor` is left out,
    as there). The zeroed pair j is in the verdicts i ≤ j: with the first verdict alone,
    a target placed third after two known huge values was told (x/R_0)² by the cell as it
    was and nothing by the verdict that had the two known at 0 and itself on top, about
    information. The passing verdict of the answered cell tells a zeroed pair nothing (it
    is 0 there) and is charged to the units kept (exposure.py), as without the zeroed ones."""
    n = parameters.n
    cell = np.asarray(cell, dtype=np.int64)
    dominated = np.asarray(dominated, dtype=np.int64)
    want = np.asarray(wanted, dtype=bool)
    empty = np.zeros(0, dtype=np.int64), np.zeros(0)
    if not len(dominated) or information <= 0:
        return empty
    cells_hit = np.zeros(len(want), dtype=bool)
    cells_hit[cell[dominated]] = True
    cells_hit &= want
    at = np.flatnonzero(cells_hit[cell])
    if not len(at):
        return empty
    raw = np.asarray(values, dtype=np.float64)[at]
    keys = pair_keys(np.asarray(set_ids, dtype=np.uint64)[at], raw)
    x = np.abs(raw)
    c = cell[at]
    order = np.lexsort((keys, -x, c))
    at, x, c = at[order], x[order], c[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)]
    end = np.repeat(ends, ends - starts)
    rank = np.arange(len(c)) - np.repeat(starts, ends - starts)
    suffix = _suffix_sums(x, starts, ends)
    zeroed = np.zeros(len(cell), dtype=bool)
    zeroed[dominated] = True
    positions = np.flatnonzero(zeroed[at])
    told = np.zeros(len(positions))
    for d in range(int(rank[positions].max()) + 1 if len(positions) else 0):
        live = rank[positions] >= d
        j = positions[live]
        i = j - d  # the verdict with the first rank[i] of the cell at 0
        if d < n:  # j among that verdict's n largest
            top = np.zeros(len(i))
            for t in range(n):
                inside = i + t < end[j]
                top += np.where(inside, x[np.minimum(i + t, len(x) - 1)], 0.0)
            amount = information * np.divide(x[j] ** 2, top**2, out=np.zeros(len(j)), where=top > 0)
        else:  # in its rest
            ahead = i + n
            rest = np.where(ahead < end[j], suffix[np.minimum(ahead, len(x))], 0.0)
            amount = np.minimum(
                information,
                information * np.divide(x[j] ** 2, rest**2, out=np.zeros(len(j)), where=rest > 0),
            )
        told[live] += np.where(amount >= floor, amount, 0.0)
    return at[positions], told
