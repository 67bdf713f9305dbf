"""Shared kernels of any size, for rules/core_sharing.py (conformance case 22, padded).

The small cores of cores.py are bounded in size (a perturbed count below `core_below`), so
an attacker pads the hidden group G with known people H past that bound: the parts
A_j ∪ G ∪ H of a partition meet each other in the kernel K = G ∪ H of 25 units, no core,
and (Σ_j |A_j ∪ K| − |A|)/m − |H| is |G| with the noise of m + 1 counts over m. What
does not change with the padding is the *shape*: the released sets A_j ∪ K form a
sunflower, pairwise meeting in one set K and otherwise disjoint, whatever K's size.

So, beside the small cores, a published count cell S is met with the registered classes R
of the workspace's variables (as cores.py does) and each intersection K = S ∩ R (or
K = R ∖ S, beyond S) that is proper (neither S nor R), non-empty and not small is keyed by
an additive hash of its units (count and Σ h(unit) mod 2⁶⁴, so the in, and beyond, keys
follow from the cell's and the class's by subtraction). A K that `witnesses` (max_sets) or
more distinct classes meet S in, and whose classes form a sunflower among themselves
(every two of them meet in one and the same set K' ⊇ K, checked on their units), is S's
*shared kernel*: S is answered without it (S ∖ K, or S ∪ K beyond), as a cell over an
over-held small core is. The sunflower check is what tells the padding from a study: two
copies of one variable are one class (they meet in themselves), and classes that only
agree on S (F_i = everyone but A_i ∪ K, which meets A_j ∪ K in A_j for every i) do not
meet each other in one set.

Cost: four bincounts of 16-bit chunks per variable over the table's rows (exact in
float64), one pass over the (cell, class) matrix, a sort of the candidates, and the
sunflower check only for keys with `witnesses` distinct classes (rare but for an attack),
O(witnesses · |R|) each. Nothing reads or writes the ledger beyond the classes' look-up
cores.py already does, so nothing grows with it (§1.10). Only the classes of the
workspace's own variables are met here; sets of other workspaces are met through the
ledger's holder samples (ledger_kernels, below)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .cell_key import distinct_sorted
from .fingerprint import splitmix64

if TYPE_CHECKING:
    from .cores import UnitClasses

_SALT = np.uint64(0x3C6EF372FE94F82B)
_MASK = np.uint64(0xFFFF)


def unit_hashes(ids: np.ndarray) -> np.ndarray:
    """A 64-bit hash per unit id (keyed set ids or key positions)."""
    return splitmix64(np.asarray(ids, dtype=np.uint64) ^ _SALT)


def hash_sums(index: np.ndarray, hashes: np.ndarray, size: int) -> np.ndarray:
    """Per slot of `index` (0 … size − 1), Σ hashes mod 2⁶⁴: four bincounts of 16-bit
    chunks, each exact in float64 (below 2⁵³ for fewer than 2³⁷ rows)."""
    out = np.zeros(size, dtype=np.uint64)
    h = np.asarray(hashes, dtype=np.uint64)
    for shift in (0, 16, 32, 48):
        chunk = ((h >> np.uint64(shift)) & _MASK).astype(np.float64)
        part = np.bincount(index, weights=chunk, minlength=size)
        out += part.astype(np.uint64) << np.uint64(shift)
    return out


class KernelCandidates:
    """The proper intersections of a table's published cells with the registered classes
    that are neither empty nor small, gathered variable by variable (cores.find_cores
    drives it), then grouped by (cell, key) and checked for sunflowers."""

    def __init__(self, n_total: int):
        self.n_total = n_total
        self._parts: list[tuple[np.ndarray, ...]] = []

    def meet(
        self,
        v: int,
        offset: int,
        inside: bool,
        counts: np.ndarray,
        sums: np.ndarray,
        v_met: np.ndarray,
        v_sizes: np.ndarray,
        whole: np.ndarray,
        usable: np.ndarray,
        small: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """One view's (cell, class) matrix of one kind: `inside` K = S ∩ R (else R ∖ S),
        `counts` and `sums` (record keys) K's, `usable` the published cells against the
        registered classes, `small` the (cell, class) pairs whose K is small or perturbed
        to 0 (cores.py's)."""
        proper = (v_met < v_sizes[:, None]) & (v_met < whole[None, :]) if inside else v_met > 0
        wanted = (counts >= 1) & proper & usable
        wanted[small] = False
        cs, xs = np.nonzero(wanted)
        if not len(cs):
            return
        n_k = counts[cs, xs].astype(np.int64)
        s_k = np.rint(sums[cs, xs]).astype(np.int64)
        # K's key: its count and the sum of its units' secret record keys (a sum over
        # disjoint sets of equal count coincides about once in 10⁵ pairs, and a kernel
        # must also be a sunflower's, checked on units below).
        key = splitmix64(s_k.astype(np.uint64) ^ splitmix64(n_k.astype(np.uint64) ^ _SALT))
        sign = -1 if inside else 1
        self._parts.append(
            (
                cs.astype(np.int64) + offset,
                key,
                sign * n_k,
                sign * s_k,
                np.full(len(cs), v, dtype=np.int64),
                xs.astype(np.int64),
            )
        )

    def kernels(
        self, classes: Sequence[UnitClasses], witnesses: int
    ) -> list[tuple[int, int] | None]:
        """Per cell, the change (count, key sum) answering it without its smallest shared
        kernel, or None."""
        found: list[tuple[int, int] | None] = [None] * self.n_total
        if not self._parts:
            return found
        cell, key, count, sums, var, code = (
            np.concatenate([p[i] for p in self._parts]) for i in range(6)
        )
        # Groups of one (cell, key) with `witnesses` candidates or more (rare but for an
        # attack); then distinct classes among them (copies of a variable are one class).
        order = np.lexsort((key, cell))
        cell, key = cell[order], key[order]
        first = np.r_[True, (cell[1:] != cell[:-1]) | (key[1:] != key[:-1])]
        group = np.cumsum(first) - 1
        enough = (np.bincount(group) >= witnesses)[group]
        if not enough.any():
            return found
        picked = order[enough]
        cell, key, group = cell[enough], key[enough], group[enough]
        count, sums, var, code = count[picked], sums[picked], var[picked], code[picked]
        klass = _class_keys(classes, var, code)
        order = np.lexsort((klass, group))
        cell, count, sums = cell[order], count[order], sums[order]
        var, code, klass, group = var[order], code[order], klass[order], group[order]
        group_start = np.r_[True, group[1:] != group[:-1]]
        new_class = group_start | np.r_[True, klass[1:] != klass[:-1]]
        group = np.cumsum(group_start) - 1
        distinct = np.bincount(group, weights=new_class.astype(np.float64))
        starts = np.flatnonzero(group_start)
        check = _Sunflowers(classes)
        for g in np.flatnonzero(distinct >= witnesses).tolist():
            at = starts[g]
            c = int(cell[at])
            members = np.flatnonzero((group == g) & new_class)
            pairs = [(int(var[i]), int(code[i])) for i in members.tolist()]
            size = abs(int(count[at]))
            best = found[c]
            if best is not None and abs(best[0]) <= size:
                continue
            if check(pairs, witnesses):
                found[c] = (int(count[at]), int(sums[at]))
        return found


def _class_keys(classes: Sequence[UnitClasses], var: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Per (variable, class), a key of the class's unit set: equal for copies."""
    out = np.zeros(len(var), dtype=np.uint64)
    for v in np.unique(var).tolist():
        at = var == v
        out[at] = classes[v].class_keys()[code[at]]
    return out


def class_keys(codes: np.ndarray, hashes: np.ndarray, n_codes: int) -> np.ndarray:
    """Per class (codes 0 … n_codes − 1 of units with these hashes), a key of its unit set:
    its units' hash sum and their number, mixed."""
    sums = hash_sums(codes, hashes, n_codes)
    sizes = np.bincount(codes, minlength=n_codes).astype(np.uint64)
    return splitmix64(sums ^ splitmix64(sizes))


class _Sunflowers:
    """Whether classes form a sunflower: `need` of them pairwise meeting in one set."""

    def __init__(self, classes: Sequence[UnitClasses]) -> None:
        self.classes = classes
        self._members: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._met: dict[tuple[tuple[int, int], tuple[int, int]], tuple[int, int] | None] = {}

    def members(self, v: int, x: int) -> tuple[np.ndarray, np.ndarray]:
        """The class's units and their hashes (unit_hashes)."""
        if (v, x) not in self._members:
            found = self.classes[v]
            mine = found.codes == x
            self._members[(v, x)] = found.units[mine], found.unit_hashes()[mine]
        return self._members[(v, x)]

    def meet(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
        """The key (count, hash sum) of a ∩ b, None when one holds the other (the same
        either way round: each pair is met once)."""
        pair = (a, b) if a <= b else (b, a)
        if pair not in self._met:
            units, hashes = self.members(*a)
            inside = self.classes[b[0]].code_of(units) == b[1]
            n = int(np.count_nonzero(inside))
            if n >= len(units) or n >= len(self.members(*b)[0]):
                self._met[pair] = None
            else:
                self._met[pair] = n, int(np.bitwise_xor.reduce(hashes[inside])) if n else 0
        return self._met[pair]

    def __call__(self, pairs: list[tuple[int, int]], need: int) -> bool:
        for anchor in pairs[:3]:
            met: dict[tuple[int, int], list[tuple[int, int]]] = {}
            for other in pairs:
                if other is anchor:
                    continue
                k = self.meet(anchor, other)
                if k is not None:
                    met.setdefault(k, []).append(other)
            if not met:
                continue
            kernel, petals = max(met.items(), key=lambda kv: len(kv[1]))
            if len(petals) + 1 < need:
                continue
            kept = [anchor]
            for b in petals:
                if all(self.meet(b, c) == kernel for c in kept[1:]):
                    kept.append(b)
                    if len(kept) >= need:
                        return True
        return False


# --- Sunflowers across the ledger (case 22 from fresh workspaces) -----------------------

_LEDGER_SALT = np.uint64(0xA54FF53A5F1D36F1)
_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)  # guard_index.EMPTY
_CELL_MIX = np.uint64(0x9E3779B97F4A7C15)
# Units per chunk of ledger_kernels' passes over the samples: a chunk's known entries and
# their sort keys take some 60 bytes an entry (up to SAMPLE entries a unit), 16 MiB a
# chunk for a unit held by one holder (at 5 M units all at once, ~0.7 GB).
CHUNK = 1 << 18


def _kernel_keys(xor: np.ndarray, total: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A key per kernel from its units' set ids: xor, sum mod 2⁶⁴ and number, mixed (the
    same parts as cores.core_keys, so that a kernel's key follows by subtraction)."""
    size = np.asarray(size).astype(np.uint64)
    return splitmix64(xor ^ splitmix64(total ^ splitmix64(size ^ _LEDGER_SALT)))


def _reduce(
    order: np.ndarray, starts: np.ndarray, ids: np.ndarray, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group of `order` (starting at `starts`): xor and sum of set ids, sum of keys."""
    ids = ids[order]
    return (
        np.bitwise_xor.reduceat(ids, starts),
        np.add.reduceat(ids, starts),
        np.add.reduceat(keys[order], starts),
    )


def ledger_kernels(
    cell: np.ndarray,
    set_ids: np.ndarray,
    record_keys: np.ndarray,
    samples: np.ndarray,
    holder_sizes: Callable[[np.ndarray], np.ndarray],
    published: np.ndarray,
    witnesses: int,
    groupings: Sequence[np.ndarray] = (),
    chunk: int = CHUNK,
) -> list[tuple[int, int] | None]:
    """Per cell of one view of a table (`cell` per row, a row per (cell, unit) pair: each
    unit in one cell when the cells partition the table's population P, in several when
    they overlap), the change (count, key sum) that answers it
    without a kernel K that `witnesses` or more registered count sets of any workspace
    form a sunflower around, or with the K of another cell; None for no change.
    `samples` are the units' holder samples (ledger.holders); `holder_sizes` gives the
    sizes of holders (ledger.holder_sizes), asked for the few known on a cell only.

    A registered set R of hash h is known on a cell S (which of S's units it holds) when
    h is at most every bound of S's units (HolderSamples: a unit of S not holding R would
    have kept h). Then K = R ∩ S is exact; it is a candidate when 1 ≤ |K| < |S| and
    |K| < |R| (R meets S in K and holds more). `witnesses` distinct sets meeting S in one K
    (equal keys) are a sunflower when `witnesses` of them have no unit of P outside S seen
    in two (their petals beyond K are disjoint; chosen greedily; every group of `witnesses`
    holders is checked, whatever their number: a cap was filled with decoy groups, red team
    `test_holder_limits`): the padding's parts
    A_i ∪ K. A study's sets that meet a cell in one set are nested (one variable over
    several populations) and share their other units; and a cell held so by more sets
    than it has attributes cannot come from tables (docs/OUTPUT_CONTROL.md §3). A one-unit K
    counts only beyond chance (_beyond_chance): small random sets make one-unit sunflowers
    in most cells of a busy ledger (bench/holder_false_positives.py). S is then answered as
    S ∖ K (its smallest such K).

    K is not dropped from the view but moved: one other published cell is answered with K
    (the one sharing the most `groupings` with S, then the largest), so the view's cells
    still add up to P. Dropped, each part's other cells would tell P ∖ (A_j ∪ K) with
    fresh noise, and N less them would average to |K| again (the false cells of a
    partition's parts). The units are met `chunk` at a time (the result does not depend on
    it): what a pass holds beyond `samples` is bounded by the chunk, not the view."""
    n_cells = len(published)
    found: list[tuple[int, int] | None] = [None] * n_cells
    width = samples.shape[1] if samples.ndim == 2 else 0
    if witnesses < 1 or not width or not len(cell):
        return found
    cell = np.asarray(cell, dtype=np.int64)
    lowest = np.full(n_cells, _EMPTY, dtype=np.uint64)
    np.minimum.at(lowest, cell, samples[:, -1])
    ids = np.asarray(set_ids, dtype=np.uint64)
    keys = np.asarray(record_keys, dtype=np.int64)
    # Per (cell, holder): K = R ∩ S's count, key and key sum, gathered chunk by chunk of the
    # units (the known entries of 5 M units and their sort keys were ~0.7 GB at once) and
    # merged: counts, xors and sums mod 2⁶⁴ do not depend on how the entries are split.
    parts = [
        _known_groups(cell[lo:hi], ids[lo:hi], keys[lo:hi], samples[lo:hi], lowest, n_cells)
        for lo, hi in _chunks(len(cell), chunk)
    ]
    if sum(part[-1] for part in parts) < witnesses:
        return found
    g_cell, g_hash, g_n, g_xor, g_sum, g_keys = _merge_groups([p[:-1] for p in parts if p[-1]])
    return _sunflowers_across(
        cell, samples, ids, holder_sizes, published, witnesses, groupings,
        g_hash, g_cell, g_n, g_xor, g_sum, g_keys, chunk,
    )  # fmt: skip


def _chunks(n: int, chunk: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of `chunk` rows of n."""
    step = max(1, int(chunk))
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


_Groups = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _known_groups(
    cell: np.ndarray,
    ids: np.ndarray,
    keys: np.ndarray,
    samples: np.ndarray,
    lowest: np.ndarray,
    n_cells: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """One chunk of units' known entries grouped by (cell, holder hash), in that order: per
    group its cell, the hash, the number of units, the xor and sum of their set ids and the
    sum of their record keys; last the number of known entries."""
    # Known on the unit's cell (a unit whose bound is h holds h: the bound is kept); an
    # empty place (EMPTY) is above every bound but EMPTY's, and dropped.
    unit_known = samples <= lowest[cell][:, None]
    unit_known &= samples != _EMPTY
    k_unit, slot = np.nonzero(unit_known)
    del unit_known
    entries = len(k_unit)
    if not entries:
        none = np.zeros(0, dtype=np.int64)
        hashes = none.astype(np.uint64)
        return none, hashes, none, hashes, hashes, none, 0
    k_hash = samples[k_unit, slot]
    del slot
    k_cell = cell[k_unit]
    # One sort of a key that packs the cell above the holder's hash (its low bits dropped;
    # two holders of one cell that agree above them are checked for, and then the exact
    # lexicographic sort is taken instead).
    shift = np.uint64(max(1, (n_cells - 1).bit_length()))
    index_bits = max(1, (entries - 1).bit_length())
    hash_bits = 64 - int(shift) - index_bits
    if hash_bits >= 24:
        # The entry's index in the low bits, so a plain sort (several times faster than an
        # argsort) gives the order: cell, the hash's top bits, then the entry.
        packed = k_cell.astype(np.uint64) << (np.uint64(64) - shift)
        packed |= (k_hash >> np.uint64(63 - hash_bits)) << np.uint64(index_bits)
        packed |= np.arange(entries, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << index_bits) - 1)).astype(np.int64)
        packed >>= np.uint64(index_bits)
    else:
        packed = (k_cell.astype(np.uint64) << (np.uint64(64) - shift)) | (k_hash >> shift)
        order = np.argsort(packed)
        packed = packed[order]
    s_hash = k_hash[order]
    same = packed[1:] == packed[:-1]
    del packed
    if bool(np.any(same & (s_hash[1:] != s_hash[:-1]))):
        order = np.lexsort((k_hash, k_cell))
        s_hash = k_hash[order]
        s_cell = k_cell[order]
        same = (s_hash[1:] == s_hash[:-1]) & (s_cell[1:] == s_cell[:-1])
    del k_hash
    starts = np.flatnonzero(np.r_[True, ~same])
    g_xor, g_sum, g_keys = _reduce(order, starts, ids[k_unit], keys[k_unit])
    return (
        k_cell[order[starts]], s_hash[starts], np.diff(np.r_[starts, entries]),
        g_xor, g_sum, g_keys, entries,
    )  # fmt: skip


def _merge_groups(parts: list[tuple[np.ndarray, ...]]) -> _Groups:
    """The chunks' groups as one grouping of all their entries, in (cell, holder hash)
    order: a (cell, hash) met in several chunks is one group, its parts added (xored)."""
    if len(parts) == 1:
        g_cell, g_hash, g_n, g_xor, g_sum, g_keys = parts[0]
        return g_cell, g_hash, g_n, g_xor, g_sum, g_keys
    g_cell, g_hash, g_n, g_xor, g_sum, g_keys = (
        np.concatenate([p[i] for p in parts]) for i in range(6)
    )
    order = np.lexsort((g_hash, g_cell))
    g_cell, g_hash = g_cell[order], g_hash[order]
    starts = np.flatnonzero(np.r_[True, (g_cell[1:] != g_cell[:-1]) | (g_hash[1:] != g_hash[:-1])])
    return (
        g_cell[starts],
        g_hash[starts],
        np.add.reduceat(g_n[order], starts),
        np.bitwise_xor.reduceat(g_xor[order], starts),
        np.add.reduceat(g_sum[order], starts),
        np.add.reduceat(g_keys[order], starts),
    )


def _once(samples: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The samples of the view's distinct units: each row once when no unit is in two
    cells, else the first row of each unit."""
    if len(ids) < 2:
        return samples
    order = np.argsort(ids, kind="stable")
    repeated = ids[order][1:] == ids[order][:-1]
    if not repeated.any():
        return samples
    return samples[np.sort(order[np.r_[True, ~repeated]])]


def _sunflowers_across(
    cell: np.ndarray,
    samples: np.ndarray,
    ids: np.ndarray,
    holder_sizes: Callable[[np.ndarray], np.ndarray],
    published: np.ndarray,
    witnesses: int,
    groupings: Sequence[np.ndarray],
    g_hash: np.ndarray,
    g_cell: np.ndarray,
    g_n: np.ndarray,
    g_xor: np.ndarray,
    g_sum: np.ndarray,
    g_keys: np.ndarray,
    chunk: int,
) -> list[tuple[int, int] | None]:
    """ledger_kernels from its (cell, holder) groups, in the order (cell, holder hash)."""
    n_cells = len(published)
    found: list[tuple[int, int] | None] = [None] * n_cells
    cell_sizes = np.bincount(cell, minlength=n_cells)
    chosen = published[g_cell] & (g_n < cell_sizes[g_cell])
    at = np.flatnonzero(chosen)
    if len(at) < witnesses:
        return found
    # The chance level of one-unit kernels per cell (_beyond_chance): how many known holders
    # meet the cell in exactly one unit, over its units.
    ones = np.bincount(g_cell[at][g_n[at] == 1], minlength=n_cells)
    key = _kernel_keys(g_xor[at], g_sum[at], g_n[at])
    c = g_cell[at]
    # Only (cell, key) pairs with `witnesses` holders can matter: count them in buckets of a
    # hash of the pair first (a pair's holders share its bucket), sort only what is left.
    buckets = max(1, 4 * len(at))
    bucket = (splitmix64(key ^ (c.astype(np.uint64) * _CELL_MIX)) % np.uint64(buckets)).astype(
        np.int64
    )
    full = np.bincount(bucket, minlength=buckets) >= witnesses
    keep = np.flatnonzero(full[bucket])
    if len(keep) < witnesses:
        return found
    at, key, c = at[keep], key[keep], c[keep]
    # The holders' sizes, asked for those left only; a holder not larger than K is dropped.
    asked, where = distinct_sorted(g_hash[at])
    h_size = holder_sizes(asked)[where]
    larger = g_n[at] < h_size
    at, key, c, h_size = at[larger], key[larger], c[larger], h_size[larger]
    if len(at) < witnesses:
        return found
    order = np.lexsort((key, c))  # stable: a pair's holders stay in hash order
    first = np.r_[True, (c[order][1:] != c[order][:-1]) | (key[order][1:] != key[order][:-1])]
    group = np.cumsum(first) - 1
    count = np.bincount(group)
    starts = np.flatnonzero(first)
    # Every group with `witnesses` holders is checked (no cap an attacker could fill with
    # decoy groups): at most SAMPLE members each, all at once (_petals). A one-unit group
    # is checked only when its holders could be a sunflower beyond chance (_beyond_chance:
    # enough of them significant, or more of them than the chance level): the petals are
    # at most the holders, so the others could never be one.
    wanted = np.flatnonzero(count >= witnesses)
    once: np.ndarray | None = None
    one_unit = g_n[at[order[starts[wanted]]]] == 1
    if one_unit.any():
        once = _once(samples, ids)
        cs = c[order[starts[wanted[one_unit]]]]
        level = np.maximum(ones[cs] - count[wanted[one_unit]], 0) / np.maximum(
            cell_sizes[cs] - 1, 1
        )
        strong = _significant(h_size, cell_sizes[c], g_n[at], len(once))[order]
        n_strong = np.bincount(group, weights=strong.astype(np.float64), minlength=len(count))
        possible = np.ones(len(wanted), dtype=bool)
        possible[one_unit] = (count[wanted[one_unit]] >= chance_bound(level, cell_sizes[cs])) | (
            n_strong[wanted[one_unit]] >= witnesses
        )
        wanted = wanted[possible]
    c, key = c[order], key[order]
    kernel: dict[int, tuple[int, int]] = {}
    if len(wanted):
        if once is None:
            once = _once(samples, ids)
        width = samples.shape[1]
        in_wanted = np.zeros(len(count), dtype=bool)
        in_wanted[wanted] = True
        position = np.flatnonzero(in_wanted[group])
        rank = position - starts[group[position]]
        # A group's holders are in the samples of its kernel's units: at most `width` (more
        # only by a collision of kernel keys, and then fewer petals is the safe side).
        position, rank = position[rank < width], rank[rank < width]
        members = at[order[position]]  # group by group, each in hash order
        holders, m_idx = distinct_sorted(g_hash[members])
        matrix = np.full((len(wanted), width), -1, dtype=np.int64)
        matrix[np.searchsorted(wanted, group[position]), rank] = m_idx
        head = at[order[starts[wanted]]]
        sizes = g_n[head]
        together = _cooccurrence(once, holders, chunk)
        petals = _petals(matrix, sizes, together, len(holders))
        shown = petals >= witnesses
        one = np.flatnonzero(sizes == 1)
        if len(one):
            # A one-unit kernel is a sunflower by chance wherever holders are small next to
            # the population (random sets of 600 of 500,000 units meet a cell of 500 in
            # 0.6 units): it counts only beyond chance (_beyond_chance).
            g_cells = g_cell[head[one]]
            member_size = np.full(matrix.shape, -1, dtype=np.int64)
            member_size[np.searchsorted(wanted, group[position]), rank] = h_size[order[position]]
            shown[one] = _beyond_chance(
                petals[one], matrix[one], member_size[one], cell_sizes[g_cells],
                (ones[g_cells] - count[wanted[one]]), len(once), together, len(holders),
                witnesses,
            )  # fmt: skip
        # Per cell its smallest kernel (the first in (cell, key) order among equals).
        cells = g_cell[head][shown]
        best = np.lexsort((np.flatnonzero(shown), sizes[shown], cells))
        cells, heads = cells[best], head[shown][best]
        lead = np.r_[True, cells[1:] != cells[:-1]][: len(cells)]
        for s, g in zip(cells[lead].tolist(), heads[lead].tolist(), strict=True):
            kernel[s] = (int(g_n[g]), int(g_keys[g]))
    for s, (size, key_sum) in sorted(kernel.items()):
        _add(found, s, (-size, -key_sum))
        partner = _partner(s, published, cell_sizes, groupings)
        if partner is not None:
            _add(found, partner, (size, key_sum))
    return found


def _cooccurrence(
    rows: np.ndarray, holders: np.ndarray, chunk: int = CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair of `holders` (sorted) seen together in some unit's sample (`rows`, one
    per distinct unit of the view): the pair's code (i·len(holders) + j, i < j) and the
    number of units whose samples hold both, as sorted codes and counts. Cost: at most
    SAMPLE − 1 shifted comparisons over the entries of these holders, at most C(SAMPLE, 2)
    pairs a unit, whatever the ledger's size; the units met `chunk` at a time (a pair is
    within one unit's sample), each chunk's pairs counted before they are merged. For a
    few holders (at most MATRIX_HOLDERS) _cooccurrence_matrix gives the same, faster."""
    if 0 < len(holders) <= MATRIX_HOLDERS and rows.ndim == 2:
        return _cooccurrence_matrix(rows, holders, chunk)
    return _cooccurrence_pairs(rows, holders, chunk)


def _cooccurrence_pairs(
    rows: np.ndarray, holders: np.ndarray, chunk: int = CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """_cooccurrence by each unit's pairs of holders, coded and counted."""
    n = np.int64(len(holders))
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for lo, hi in _chunks(len(rows), chunk):
        part = rows[lo:hi]
        e_unit, e_slot = np.nonzero(part <= holders[-1])
        values = part[e_unit, e_slot]
        place = np.minimum(np.searchsorted(holders, values), len(holders) - 1)
        hit = holders[place] == values
        e_unit, e_idx = e_unit[hit], place[hit].astype(np.int64)  # by unit, ascending within
        codes = []
        for d in range(1, rows.shape[1] if rows.ndim == 2 else 1):
            if len(e_unit) <= d:
                break
            same = e_unit[d:] == e_unit[:-d]
            if not same.any():
                break
            codes.append(e_idx[:-d][same] * n + e_idx[d:][same])
        if codes:
            found.append(np.unique(np.concatenate(codes), return_counts=True))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(found) == 1:
        return found[0]
    pairs, where = np.unique(np.concatenate([f[0] for f in found]), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate([f[1] for f in found]), minlength=len(pairs))
    return pairs, counts.astype(np.int64)


# Holders up to which _cooccurrence counts pairs as a product of the units' membership
# matrix: units · MATRIX_HOLDERS² multiplications (no BLAS: einsum's own loop, on one
# thread) against ~SAMPLE²/2 pair codes a unit sorted. At the samples' 18,555 units and
# 28 holders: 27 ms → 7 ms of CPU a call (docs/TESTING.md).
MATRIX_HOLDERS = 48


def _cooccurrence_matrix(
    rows: np.ndarray, holders: np.ndarray, chunk: int = CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """_cooccurrence for a few holders: per chunk of units a 0/1 matrix (unit × holder; a
    unit's sample holds a holder at most once, its hashes being distinct and sorted), and
    the pairs' counts its product with itself (float32: exact below 2²⁴ units a chunk).
    The pairs with a count, by code i·len(holders) + j (i < j), ascending."""
    h = len(holders)
    step = max(1, min(int(chunk), (1 << 22) // h))
    total = np.zeros((h, h), dtype=np.int64)
    for lo, hi in _chunks(len(rows), step):
        part = rows[lo:hi]
        place = np.minimum(np.searchsorted(holders, part), h - 1)
        e_unit, e_slot = np.nonzero(holders[place] == part)
        if not len(e_unit):
            continue
        member = np.zeros((hi - lo, h), dtype=np.float32)
        member[e_unit, place[e_unit, e_slot]] = 1.0
        total += np.einsum("ui,uj->ij", member, member).astype(np.int64)
    i, j = np.nonzero(np.triu(total, 1))
    return i.astype(np.int64) * h + j, total[i, j]


# One-unit kernels beyond chance. A petal R of a kernel {u} of the cell S is *significant*
# when a random set of its size would meet S ∖ {u} with probability at least 1 − e^−SIGNIFICANT
# (expected meeting |R ∖ u|·|S ∖ u|/|P| ≥ SIGNIFICANT, P the view's units): five of them
# meeting S in u alone by chance is below e^−25 a subset. Otherwise the kernel needs more
# petals than chance gives the cell's other units (a Poisson tail at their mean count of
# one-unit holders, below CHANCE_ALPHA over the cell's units): a one-unit sunflower of small
# sets is what every unit of a cell shows in a busy ledger of small random sets.
SIGNIFICANT = 5.0
CHANCE_ALPHA = 1e-4


def _beyond_chance(
    petals: np.ndarray,
    matrix: np.ndarray,
    member_size: np.ndarray,
    cell_size: np.ndarray,
    others: np.ndarray,
    population: int,
    together: tuple[np.ndarray, np.ndarray],
    n_holders: int,
    witnesses: int,
) -> np.ndarray:
    """Per one-unit group (rows of `matrix`, its holders' sizes in `member_size`, its
    cell's size and the one-unit holders of the cell's other units, `others`), whether its
    sunflower is beyond chance: `witnesses` significant petals, or petals above the cell's
    chance level."""
    significant = np.where(_significant(member_size, cell_size[:, None], 1, population), matrix, -1)
    strong = _petals(significant, np.ones(len(matrix), dtype=np.int64), together, n_holders)
    level = np.maximum(others, 0) / np.maximum(cell_size - 1, 1)
    return (strong >= witnesses) | (petals >= np.maximum(witnesses, chance_bound(level, cell_size)))


def _significant(
    holder_size: np.ndarray, cell_size: np.ndarray, kernel: np.ndarray | int, population: int
) -> np.ndarray:
    """Whether a holder of this size meeting a cell of this size in `kernel` units alone
    could hardly do so by chance (its expected meeting with the rest ≥ SIGNIFICANT)."""
    rest = (holder_size - kernel).astype(np.float64) * (cell_size - kernel)
    return rest >= SIGNIFICANT * max(population, 1)


def chance_bound(level: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Per cell, the least t with units · P(Poisson(level) ≥ t) ≤ CHANCE_ALPHA: a count of
    one-unit petals that chance gives none of the cell's units (1 when level is 0)."""
    level = np.asarray(level, dtype=np.float64)
    units = np.maximum(np.asarray(units, dtype=np.float64), 1.0)
    out = np.ones(len(level), dtype=np.int64)
    term = np.exp(-level)  # P(X = t − 1), from t = 1
    tail = 1.0 - term  # P(X ≥ t)
    t = 1
    while True:
        over = units * tail > CHANCE_ALPHA
        if not over.any() or t > 64:
            break
        out[over] = t + 1
        term = term * level / t
        tail = tail - term
        t += 1
    return out


def _petals(
    matrix: np.ndarray,
    sizes: np.ndarray,
    together: tuple[np.ndarray, np.ndarray],
    n_holders: int,
) -> np.ndarray:
    """Per group (a row of `matrix`: its holders' indices in hash order, −1 padded; the
    group's kernel size in `sizes`), the number of petals chosen greedily: a holder is one
    when it shares no unit outside the cell with a petal chosen before. Two holders of a
    group meet the cell in the same K, so the units they share outside it number
    (units sharing both) − |K|: `together` (_cooccurrence) answers for every group at once."""
    codes, counts = together
    chosen = np.zeros(matrix.shape, dtype=bool)
    for r in range(matrix.shape[1]):
        now = matrix[:, r]
        ok = now >= 0
        for k in range(r):
            before = ok & chosen[:, k]
            if not before.any():
                continue
            code = matrix[before, k] * np.int64(max(n_holders, 1)) + now[before]
            at = np.minimum(np.searchsorted(codes, code), max(len(codes) - 1, 0))
            shared = np.where(codes[at] == code, counts[at], 0) if len(codes) else 0
            ok[before] = shared <= sizes[before]
        chosen[:, r] = ok
    return chosen.sum(axis=1)


def _add(found: list[tuple[int, int] | None], c: int, change: tuple[int, int]) -> None:
    before = found[c] or (0, 0)
    found[c] = (before[0] + change[0], before[1] + change[1])


def _partner(
    s: int, published: np.ndarray, sizes: np.ndarray, groupings: Sequence[np.ndarray]
) -> int | None:
    """The published cell other than s that takes s's kernel: the one in the same group as
    s in the most `groupings` (a table's margins: the cell that differs from s in the
    fewest dimensions), then the largest, then the first."""
    others = np.flatnonzero(published)
    others = others[others != s]
    if not len(others):
        return None
    shared = np.zeros(len(others), dtype=np.int64)
    for grouping in groupings:
        shared += grouping[others] == grouping[s]
    best = np.lexsort((others, -sizes[others], -shared))[0]
    return int(others[best])
