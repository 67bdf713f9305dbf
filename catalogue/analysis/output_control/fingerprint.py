"""Compact fingerprints of released unit sets, for the differencing guard.

The guard must tell, for a new unit set B and a released set A, whether |A Δ B| is 0, 1–9
or larger. We keep neither set: per released statistic we store its size and an invertible
Bloom lookup table (IBLT) of its units' 64-bit set ids (keyed hashes, see cell_key.py):
4 partitions × 32 cells, each cell holding (count, xor of ids, xor of a check hash of ids),
about 2.5 KB whatever the set's size.

Why an IBLT rather than the alternatives:
- exact sets held server-side cost 8 bytes per unit per released statistic (tens of MB for
  one table over the whole population) and keep a linkable list of who was counted where;
- a sorted-multiset hash only says "equal or not", and MinHash/count sketches estimate
  Jaccard similarity, which cannot resolve a difference of 3 units in a set of 100,000;
- subtracting two IBLTs cancels the shared units exactly, and the few left (A Δ B) can be
  peeled out one by one, giving |A Δ B| exactly whenever it is small, which is the only
  case the guard must detect. A large difference leaves many cells non-zero and stuck.

Peeling can fail for a small difference if two differing units collide in all four
partitions (probability about C(9,2)/32⁴ ≈ 3·10⁻⁵). The guard then still blocks, because
a small difference touches at most 4·9 cells; failing safe costs only a rare false block of
a set that differs by slightly more than 9.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    from ..native import _loops
except ImportError:  # not compiled here: the numpy version does the same, slower
    _loops = None  # type: ignore[assignment]
# An extension built before peel_difference was added lacks it: the Python peel then.
_peel_difference = getattr(_loops, "peel_difference", None)
_weight_tops = getattr(_loops, "weight_tops", None)
_merge_fingerprints = getattr(_loops, "merge_fingerprints", None)

PARTITIONS = 4
CELLS_PER_PARTITION = 32
CELLS = PARTITIONS * CELLS_PER_PARTITION  # ≤ 128: a cell number fits 7 bits (UnitHashes)
_SALTS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)
_CHECK_SALT = np.uint64(0x27D4EB2F165667C5)


def splitmix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast bijective scramble of 64-bit values. Array arithmetic
    on uint64 wraps silently, which is what the hash wants."""
    z = np.asarray(values, dtype=np.uint64).copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _cells_of(set_ids: np.ndarray) -> np.ndarray:
    """For each id its cell in each partition, shape (len(ids), PARTITIONS)."""
    ids = np.asarray(set_ids, dtype=np.uint64)
    slots = splitmix64(ids[:, None] ^ _SALTS[None, :]) % np.uint64(CELLS_PER_PARTITION)
    offsets = np.arange(PARTITIONS, dtype=np.int64) * CELLS_PER_PARTITION
    return slots.astype(np.int64) + offsets[None, :]


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """np.array_equal for two arrays of cells."""
    return a.shape == b.shape and not _not_equal(a, b).any()


_not_equal = np.not_equal
_or = np.bitwise_or


@dataclass(frozen=True, eq=False)
class SetFingerprint:
    size: int
    counts: np.ndarray  # int64, CELLS
    id_xor: np.ndarray  # uint64, CELLS
    check_xor: np.ndarray  # uint64, CELLS
    # The units' record keys summed (a count's cell key), when the set's count may be
    # published by its holder (an aggregation's groups: counting.finish); never stored.
    key_sum: int | None = None
    # Where a FingerprintRows keeps it (the three arrays are views of that row), else None.
    row: tuple[FingerprintRows, int] | None = field(default=None, repr=False)
    # The table it is a set of and its place there (FingerprintTable.__getitem__), else
    # None: what the guard's index computes per set (guard_index._first_cells) is then
    # computed for every set of the table at once and kept with the table (its `memo`).
    table: tuple[FingerprintTable, int] | None = field(default=None, repr=False)

    def same_set(self, other: SetFingerprint) -> bool:
        # np.array_equal's checks, without its per-call overhead: the differencing guard
        # compares a new set with every near registered one (millions of calls in the suite).
        return (
            self.size == other.size
            and _equal(self.counts, other.counts)
            and _equal(self.id_xor, other.id_xor)
            and _equal(self.check_xor, other.check_xor)
        )

    def to_bytes(self) -> bytes:
        """For a persistent ledger: size, then the three cell arrays, little-endian."""
        return (
            np.array([self.size], dtype="<i8").tobytes()
            + self.counts.astype("<i8").tobytes()
            + self.id_xor.astype("<u8").tobytes()
            + self.check_xor.astype("<u8").tobytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SetFingerprint:
        if len(data) != 8 * (1 + 3 * CELLS):
            raise ValueError("not a set fingerprint")
        size = int(np.frombuffer(data[:8], dtype="<i8")[0])
        body = data[8:]
        part = 8 * CELLS
        return cls(
            size,
            np.frombuffer(body[:part], dtype="<i8").astype(np.int64),
            np.frombuffer(body[part : 2 * part], dtype="<u8").astype(np.uint64),
            np.frombuffer(body[2 * part :], dtype="<u8").astype(np.uint64),
        )


class FingerprintRows:
    """Fingerprints kept as rows of a few large arrays, stacked once as they are kept (in
    blocks that are never moved: a kept fingerprint's arrays are views of its row, so
    keeping one costs what its own arrays did). The differencing guard screens a new set
    against every near registered one (`screened`); stacking their arrays afresh for each
    screen (np.stack of hundreds of small arrays, three times) cost more than comparing
    them, where gathering their rows is one copy. The blocks double from FIRST rows up to
    BLOCK (a workspace keeps an index of a few sets per group statistic). Not thread-safe:
    callers lock (guard_index.SetIndex)."""

    FIRST = 16
    BLOCK = 4096

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []  # uint64, (rows, 3, CELLS) each
        self._starts: list[int] = []  # the first row of each block
        self._used = 0

    def __len__(self) -> int:
        return self._used

    def keep(self, fingerprint: SetFingerprint) -> SetFingerprint:
        """The same fingerprint, its arrays now a row of these."""
        if not self._blocks or self._used - self._starts[-1] == len(self._blocks[-1]):
            rows = min(self.BLOCK, self.FIRST << len(self._blocks))
            self._blocks.append(np.empty((rows, 3, CELLS), dtype=np.uint64))
            self._starts.append(self._used)
        cells = self._blocks[-1][self._used - self._starts[-1]]
        cells[0] = np.asarray(fingerprint.counts, dtype=np.int64).view(np.uint64)
        cells[1] = fingerprint.id_xor
        cells[2] = fingerprint.check_xor
        kept = SetFingerprint(
            fingerprint.size,
            cells[0].view(np.int64),
            cells[1],
            cells[2],
            fingerprint.key_sum,
            (self, self._used),
        )
        self._used += 1
        return kept

    def stacked(self, rows: np.ndarray) -> np.ndarray:
        """The cells of these rows, uint64 (len(rows), 3, CELLS): counts (as their bits),
        id xors, check xors."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and rows.min() >= self._starts[-1]:  # all in the last block
            return self._blocks[-1][rows - self._starts[-1]]
        block = np.searchsorted(np.array(self._starts), rows, side="right") - 1
        out = np.empty((len(rows), 3, CELLS), dtype=np.uint64)
        for b in np.unique(block).tolist():
            chosen = block == b
            out[chosen] = self._blocks[b][rows[chosen] - self._starts[b]]
        return out


def _stacked(fingerprints: Sequence[SetFingerprint]) -> np.ndarray:
    """The cells of these fingerprints, uint64 (n, 3, CELLS) as FingerprintRows.stacked
    gives them: gathered from their rows when one FingerprintRows keeps them all, else
    copied from their arrays. Held equal to `_stacked_reference` (np.stack of each part,
    as the screens first stacked them) by test_output_control_guards."""
    first = fingerprints[0].row
    if first is not None:
        rows = first[0]
        places = [f.row[1] if f.row is not None and f.row[0] is rows else -1 for f in fingerprints]
        if min(places) >= 0:
            return rows.stacked(np.array(places, dtype=np.int64))
    out = np.empty((len(fingerprints), 3, CELLS), dtype=np.uint64)
    # np.array of a list of arrays: a third of np.stack's cost (no Python step per array).
    out[:, 0] = np.array([f.counts for f in fingerprints], dtype=np.int64).view(np.uint64)
    out[:, 1] = np.array([f.id_xor for f in fingerprints], dtype=np.uint64)
    out[:, 2] = np.array([f.check_xor for f in fingerprints], dtype=np.uint64)
    return out


def _stacked_reference(fingerprints: Sequence[SetFingerprint]) -> np.ndarray:
    """`_stacked` from np.stack of each part (the reference twin)."""
    return np.stack(
        [
            np.stack([f.counts for f in fingerprints]).view(np.uint64),
            np.stack([f.id_xor for f in fingerprints]),
            np.stack([f.check_xor for f in fingerprints]),
        ],
        axis=1,
    )


def _cells_of_one(fingerprint: SetFingerprint) -> np.ndarray:
    """One fingerprint's cells as `_stacked` gives each: uint64 (3, CELLS)."""
    return np.stack(
        [
            np.asarray(fingerprint.counts, dtype=np.int64).view(np.uint64),
            fingerprint.id_xor,
            fingerprint.check_xor,
        ]
    )


@dataclass(frozen=True, eq=False)
class UnitHashes:
    """Per unit, what its fingerprint updates: its cell in each partition (7 bits each,
    packed in one int32) and its check hash. A function of the set id alone, so it is
    computed once per unit and kept with the unit's keys."""

    packed_slots: np.ndarray  # int32, (units,)
    checks: np.ndarray  # uint64, (units,)

    @classmethod
    def of(cls, set_ids: np.ndarray) -> UnitHashes:
        ids = np.ascontiguousarray(set_ids, dtype=np.uint64)
        if _loops is None:
            return cls.of_numpy(ids)
        packed = np.empty(len(ids), dtype=np.int32)
        checks = np.empty(len(ids), dtype=np.uint64)
        _loops.unit_hashes(ids, packed, checks, CELLS_PER_PARTITION)
        return cls(packed, checks)

    @classmethod
    def of_numpy(cls, set_ids: np.ndarray) -> UnitHashes:
        """What the compiled `_loops.unit_hashes` does, in numpy (the reference twin; held
        equal by tests/test_output_control_helpers.py)."""
        ids = np.asarray(set_ids, dtype=np.uint64)
        shifts = np.arange(PARTITIONS, dtype=np.int64) * 7
        packed = np.bitwise_or.reduce(_cells_of(ids) << shifts, axis=1).astype(np.int32)
        return cls(packed, splitmix64(ids ^ _CHECK_SALT))


@dataclass(frozen=True, eq=False)
class FingerprintTable:
    """The fingerprints of many sets as three (sets, CELLS) arrays. Fingerprints are linear:
    the table of a union of disjoint sets is the cell-wise sum of counts and xor of the
    others, which is how margins are made from interior cells (`merged`)."""

    sizes: np.ndarray  # int64, (sets,)
    counts: np.ndarray  # int64, (sets, CELLS)
    id_xor: np.ndarray  # uint64, (sets, CELLS)
    check_xor: np.ndarray  # uint64, (sets, CELLS)
    key_sums: np.ndarray | None = None  # int64, (sets,): SetFingerprint.key_sum
    # What is computed once for all the sets (guard_index: their buckets' keys), by name.
    # The arrays are never changed in place (a changed table is a new one), so it holds.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getitem__(self, c: int) -> SetFingerprint:
        key_sum = None if self.key_sums is None else int(self.key_sums[c])
        return SetFingerprint(
            int(self.sizes[c]),
            self.counts[c],
            self.id_xor[c],
            self.check_xor[c],
            key_sum,
            table=(self, c),
        )

    @classmethod
    def from_bytes(cls, data: Sequence[bytes]) -> FingerprintTable:
        """The table of these stored fingerprints (`SetFingerprint.to_bytes`), in one
        parse: the same sets as `SetFingerprint.from_bytes` of each (held equal by
        tests/test_output_control_guard_index.py)."""
        width = 8 * (1 + 3 * CELLS)
        if any(len(d) != width for d in data):
            raise ValueError("not a set fingerprint")
        rows = np.frombuffer(b"".join(data), dtype="<u8").reshape(len(data), 1 + 3 * CELLS)
        return cls(
            rows[:, 0].view("<i8").astype(np.int64),
            rows[:, 1 : 1 + CELLS].view("<i8").astype(np.int64),
            rows[:, 1 + CELLS : 1 + 2 * CELLS].astype(np.uint64),
            rows[:, 1 + 2 * CELLS :].astype(np.uint64),
        )

    @classmethod
    def concatenated(cls, parts: Sequence[FingerprintTable]) -> FingerprintTable:
        return cls(
            np.concatenate([p.sizes for p in parts]),
            np.concatenate([p.counts for p in parts]),
            np.concatenate([p.id_xor for p in parts]),
            np.concatenate([p.check_xor for p in parts]),
        )

    def merged(self, target: np.ndarray, n_sets: int) -> FingerprintTable:
        """Set `target[i]` receives set i (sets must be disjoint for the result to be the
        fingerprint of their union). In one compiled pass where built
        (`_loops.merge_fingerprints`: a table's margins, 42 ms by ufunc.at for 19,881
        cells, 48 of them in test_presence's cell-limit test); else `merged_numpy`, the
        twin, held equal by tests/test_output_control_guards.py."""
        if _merge_fingerprints is None:
            return self.merged_numpy(target, n_sets)
        target = np.ascontiguousarray(target, dtype=np.int64)
        counts = np.zeros((n_sets, CELLS), dtype=np.int64)
        id_xor = np.zeros((n_sets, CELLS), dtype=np.uint64)
        check_xor = np.zeros((n_sets, CELLS), dtype=np.uint64)
        _merge_fingerprints(
            target,
            np.ascontiguousarray(self.counts, dtype=np.int64),
            np.ascontiguousarray(self.id_xor, dtype=np.uint64),
            np.ascontiguousarray(self.check_xor, dtype=np.uint64),
            counts,
            id_xor,
            check_xor,
        )
        sizes = np.bincount(target, weights=self.sizes, minlength=n_sets)
        return FingerprintTable(np.rint(sizes).astype(np.int64), counts, id_xor, check_xor)

    def merged_numpy(self, target: np.ndarray, n_sets: int) -> FingerprintTable:
        """`merged` by numpy's ufunc.at (as first written)."""
        target = np.asarray(target, dtype=np.int64)
        counts = np.zeros((n_sets, CELLS), dtype=np.int64)
        id_xor = np.zeros((n_sets, CELLS), dtype=np.uint64)
        check_xor = np.zeros((n_sets, CELLS), dtype=np.uint64)
        np.add.at(counts, target, self.counts)
        np.bitwise_xor.at(id_xor, target, self.id_xor)
        np.bitwise_xor.at(check_xor, target, self.check_xor)
        sizes = np.bincount(target, weights=self.sizes, minlength=n_sets)
        return FingerprintTable(np.rint(sizes).astype(np.int64), counts, id_xor, check_xor)


def fingerprint_table(
    cell: np.ndarray,
    set_ids: np.ndarray,
    n_cells: int,
    unit: np.ndarray | None = None,
    hashes: UnitHashes | None = None,
) -> FingerprintTable:
    """Fingerprints of many sets at once. Each (set, unit) pair is given once: `cell[k]` is
    the set of pair k, and its unit's id is `set_ids[unit[k]]` (or `set_ids[k]` without
    `unit`). `hashes`, aligned with `set_ids`, saves hashing them again."""
    cell = np.ascontiguousarray(cell, dtype=np.int64)
    ids = np.ascontiguousarray(set_ids, dtype=np.uint64)
    found = hashes or UnitHashes.of(ids)
    pick = np.arange(len(cell)) if unit is None else np.ascontiguousarray(unit, dtype=np.int64)
    table = np.zeros((n_cells * CELLS, 3), dtype=np.uint64)
    slots = np.ascontiguousarray(found.packed_slots, dtype=np.int32)
    checks = np.ascontiguousarray(found.checks, dtype=np.uint64)
    if _loops is None:
        add_pairs_numpy(cell, pick, ids, slots, checks, table, CELLS)
    else:
        _add_in_two_threads(cell, pick, ids, slots, checks, table)
    return FingerprintTable(
        np.bincount(cell, minlength=n_cells).astype(np.int64),
        table[:, 0].astype(np.int64).reshape(n_cells, CELLS),
        table[:, 1].reshape(n_cells, CELLS).copy(),
        table[:, 2].reshape(n_cells, CELLS).copy(),
    )


def _add_in_two_threads(
    cell: np.ndarray,
    unit: np.ndarray,
    set_ids: np.ndarray,
    packed_slots: np.ndarray,
    checks: np.ndarray,
    table: np.ndarray,
) -> None:
    """The compiled loop over each half of the pairs at once (it runs without the GIL),
    into two tables added together after: counts add, xors xor."""
    half = len(cell) // 2
    if half < 500_000:
        _loops.add_pairs(cell, unit, set_ids, packed_slots, checks, table, CELLS)
        return
    other = np.zeros_like(table)
    errors: list[BaseException] = []

    def second_half() -> None:
        try:
            _loops.add_pairs(cell[half:], unit[half:], set_ids, packed_slots, checks, other, CELLS)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=second_half)
    worker.start()
    try:
        _loops.add_pairs(cell[:half], unit[:half], set_ids, packed_slots, checks, table, CELLS)
    finally:
        worker.join()
    if errors:
        raise errors[0]
    table[:, 0] += other[:, 0]
    table[:, 1:] ^= other[:, 1:]


def add_pairs_numpy(
    cell: np.ndarray,
    unit: np.ndarray,
    set_ids: np.ndarray,
    packed_slots: np.ndarray,
    checks: np.ndarray,
    table: np.ndarray,
    cells_per_set: int,
) -> None:
    """What the compiled `_loops.add_pairs` does, in numpy (for a machine that could not
    build it, and to test it against): `table` is (cells, 3), count, id xor, check xor."""
    if len(unit) and (unit.min() < 0 or unit.max() >= len(set_ids)):
        raise IndexError("a pair names a unit outside the arrays")
    if len(cell) and (cell.min() < 0 or cell.max() >= len(table) // cells_per_set):
        raise IndexError("a pair names a set outside the arrays")
    counts = np.zeros(len(table), dtype=np.int64)
    id_xor, check_xor = table[:, 1].copy(), table[:, 2].copy()
    base = cell * cells_per_set
    picked_ids, picked_checks, packed = set_ids[unit], checks[unit], packed_slots[unit]
    # One partition at a time keeps the temporaries at one entry per pair.
    for partition in range(PARTITIONS):
        slot = base + ((packed >> (7 * partition)) & 127)
        counts += np.bincount(slot, minlength=len(counts))
        np.bitwise_xor.at(id_xor, slot, picked_ids)
        np.bitwise_xor.at(check_xor, slot, picked_checks)
    table[:, 0] += counts.astype(np.uint64)
    table[:, 1], table[:, 2] = id_xor, check_xor


def fingerprint(set_ids: np.ndarray) -> SetFingerprint:
    ids = np.asarray(set_ids, dtype=np.uint64)
    return fingerprint_table(np.zeros(len(ids), dtype=np.int64), ids, 1)[0]


_MASK64 = (1 << 64) - 1
_SALT_INTS = tuple(int(s) for s in _SALTS)
_CHECK_SALT_INT = int(_CHECK_SALT)


def _splitmix64_int(z: int) -> int:
    """`splitmix64` of one value in Python ints (masked to 64 bits where numpy wraps):
    peeling hashes one id at a time, where a one-element array costs ten times as much."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _peel(
    counts: list[int],
    id_xor: list[int],
    check_xor: list[int],
    elements: list[int] | None = None,
    below: int | None = None,
) -> int | None:
    """Number of ids left in a difference table, or None when peeling gets stuck.
    `elements`: the peeled ids are appended to it. `below`: None as soon as that many are
    peeled (for a caller to whom `below` or more ids is as good as stuck). The same steps as `_peel_numpy` (the
    reference twin, held equal by tests/test_output_control_guards.py) in Python ints: the
    differencing guard peels a difference for every near registered set (240,000 in one
    red-team test), and one-element numpy hashes were 90 % of its time. Where the C
    extension is built, `difference` and `differs_by_few` peel in `_loops.peel_difference`
    instead, the same steps in the same order (held equal to this one by
    test_output_control_guards): ~1.4 µs a difference against ~46 µs here, which was half
    of test_exposure_evasions's step-time group maxima."""
    found = 0
    progress = True
    mix = _splitmix64_int
    while progress:
        progress = False
        for c in range(CELLS):
            sign = counts[c]
            if sign != 1 and sign != -1:
                continue
            element = id_xor[c]
            check = mix(element ^ _CHECK_SALT_INT)
            if check != check_xor[c]:
                continue  # several ids whose counts cancel to ±1: not pure
            for partition, salt in enumerate(_SALT_INTS):
                slot = mix(element ^ salt) % CELLS_PER_PARTITION + partition * CELLS_PER_PARTITION
                counts[slot] -= sign
                id_xor[slot] ^= element
                check_xor[slot] ^= check
            if elements is not None:
                elements.append(element)
            found += 1
            if found == below:
                return None
            progress = True
    if any(counts) or any(id_xor) or any(check_xor):
        return None
    return found


def _peel_numpy(
    counts: list[int],
    id_xor: list[int],
    check_xor: list[int],
    elements: list[int] | None = None,
) -> int | None:
    """`_peel` in numpy, one id at a time (the reference twin: how it was first written)."""
    found = 0
    progress = True
    while progress:
        progress = False
        for c in range(CELLS):
            sign = counts[c]
            if sign not in (1, -1):
                continue
            element = id_xor[c]
            element_array = np.array([element], dtype=np.uint64)
            check = int(splitmix64(element_array ^ _CHECK_SALT)[0])
            if check != check_xor[c]:
                continue  # several ids whose counts cancel to ±1: not pure
            for slot in _cells_of(element_array)[0]:
                counts[slot] -= sign
                id_xor[slot] ^= element
                check_xor[slot] ^= check
            if elements is not None:
                elements.append(element)
            found += 1
            progress = True
    if any(counts) or any(id_xor) or any(check_xor):
        return None
    return found


def differs_by_few(new: SetFingerprint, released: Sequence[SetFingerprint], limit: int) -> bool:
    """True when 1 ≤ |A Δ B| < limit for some released A (or when such a small difference
    cannot be peeled: see the module doc). The cheap tests run on all candidates at once;
    only a candidate touching few cells is peeled."""
    candidates = [r for r in released if abs(r.size - new.size) < limit]
    if not candidates:
        return False
    touched = np.count_nonzero((_stacked(candidates) != _cells_of_one(new)).any(axis=1), axis=1)
    rows = np.flatnonzero((touched > 0) & (touched <= PARTITIONS * (limit - 1)))
    if _peel_difference is not None:
        found = np.empty(CELLS, dtype=np.uint64)
        for row in rows.tolist():
            r = candidates[row]
            n = _peel_difference(
                r.counts, r.id_xor, r.check_xor, new.counts, new.id_xor, new.check_xor,
                CELLS, 0, found,
            )  # fmt: skip
            if n < 0 or 1 <= n < limit:
                return True
        return False
    for at in rows.tolist():
        r = candidates[at]
        size = _peel(
            (r.counts - new.counts).tolist(),
            (r.id_xor ^ new.id_xor).tolist(),
            (r.check_xor ^ new.check_xor).tolist(),
        )
        if size is None or 1 <= size < limit:
            return True
    return False


def screened(
    new: SetFingerprint, released: Sequence[SetFingerprint], below: int
) -> tuple[int | None, list[int]]:
    """The cheap tests of `same_set` and `difference` on all candidates at once: the index
    of the first released set that is the new set (None: none), and, in their order, the
    indices of those `difference` may find fewer than `below` ids apart (every other one it
    turns away before peeling). The differencing guard screens every near registered set of
    a release this way: one candidate at a time it was half of the red team's guard time
    (2.7 M calls). Held equal to the one-at-a-time tests by test_output_control_guards."""
    if not released:
        return None, []
    if len(released) <= _SCREEN_ONE_BY_ONE:
        return _screened_one_by_one(new, released, below)
    sizes = np.fromiter((r.size for r in released), dtype=np.int64, count=len(released))
    # A cell is touched when any of its three parts differs.
    touched = np.count_nonzero((_stacked(released) != _cells_of_one(new)).any(axis=1), axis=1)
    same = np.flatnonzero((touched == 0) & (sizes == new.size))
    near = (np.abs(sizes - new.size) < below) & (touched <= PARTITIONS * (below - 1))
    return (int(same[0]) if len(same) else None), [int(i) for i in np.flatnonzero(near)]


# Up to this many candidates `screened` tests one at a time: stacking a few fingerprints
# cost ten times what comparing them does (most screens have one candidate).
_SCREEN_ONE_BY_ONE = 64


def _screened_one_by_one(
    new: SetFingerprint, released: Sequence[SetFingerprint], below: int
) -> tuple[int | None, list[int]]:
    """`screened`, one candidate at a time, skipping the cells of a candidate whose size
    alone rules it out (neither the same set nor near). Held equal to `screened`'s stacked
    tests by tests/test_output_control_guards.py."""
    same: int | None = None
    near: list[int] = []
    most = PARTITIONS * (below - 1)
    for i, registered in enumerate(released):
        apart = abs(registered.size - new.size)
        if apart != 0 and apart >= below:
            continue
        touched_cells = _not_equal(registered.counts, new.counts)
        _or(touched_cells, _not_equal(registered.id_xor, new.id_xor), out=touched_cells)
        _or(touched_cells, _not_equal(registered.check_xor, new.check_xor), out=touched_cells)
        touched = int(np.count_nonzero(touched_cells))
        if same is None and touched == 0 and apart == 0:
            same = i
        if apart < below and touched <= most:
            near.append(i)
    return same, near


def difference(new: SetFingerprint, released: SetFingerprint, below: int) -> list[int] | None:
    """The ids of A Δ B (keyed hashes: units, or (unit, value) pairs) when there are fewer
    than `below` and they can be peeled; None otherwise."""
    if abs(released.size - new.size) >= below:
        return None
    if _peel_difference is not None:
        # Compiled: the cells touched, the difference and its peeling in one call, the same
        # steps (`_difference_python`, the twin, held equal by test_output_control_guards).
        found = np.empty(CELLS, dtype=np.uint64)
        size = _peel_difference(
            released.counts,
            released.id_xor,
            released.check_xor,
            new.counts,
            new.id_xor,
            new.check_xor,
            PARTITIONS * (below - 1),
            below,
            found,
        )
        return found[:size].tolist() if 0 <= size < below else None
    return _difference_python(new, released, below)


def _difference_python(
    new: SetFingerprint, released: SetFingerprint, below: int
) -> list[int] | None:
    """`difference` in numpy and Python ints (where the compiled loop is not built)."""
    if abs(released.size - new.size) >= below:
        return None
    # The cells the two differ in (a cell of A − B is non-zero iff one of its three parts
    # differs), counted in place before the difference is made: the guard calls this for
    # every near registered set, and most are turned away here.
    touched_cells = _not_equal(released.counts, new.counts)
    _or(touched_cells, _not_equal(released.id_xor, new.id_xor), out=touched_cells)
    _or(touched_cells, _not_equal(released.check_xor, new.check_xor), out=touched_cells)
    if int(np.count_nonzero(touched_cells)) > PARTITIONS * (below - 1):
        return None
    counts = released.counts - new.counts
    id_xor = released.id_xor ^ new.id_xor
    check_xor = released.check_xor ^ new.check_xor
    elements: list[int] = []
    # `below` ids or more is no answer here, however the peeling would end.
    size = _peel(counts.tolist(), id_xor.tolist(), check_xor.tolist(), elements, below)
    return elements if size is not None and size < below else None


_WEIGHT_SALT = np.uint64(0x5851F42D4C957F2D)
_WEIGHT_SALT_INT = int(_WEIGHT_SALT)
_add_reduce = np.add.reduce  # np.sum without its dispatch (the same reduction)


def difference_weight(elements: Sequence[int]) -> float:
    """The sum of the differing ids' weights, each a number in [0, 1) fixed by the id and
    unpredictable without the secret (ids are keyed hashes): one id has one weight in every
    difference it is part of, so a difference that holds another has at least its weight
    (rules/differencing.py: why the snap needs that)."""
    if not elements:
        return 0.0
    if _weight_tops is not None:
        # The ids mixed in C (`_loops.weight_tops`), summed here as below: the same floats.
        tops = np.empty(len(elements), dtype=np.float64)
        _weight_tops(np.array(elements, dtype=np.uint64), tops)
        return float(_add_reduce(tops) / float(1 << 53))
    return _difference_weight_python(elements)


def _difference_weight_python(elements: Sequence[int]) -> float:
    """`difference_weight` in Python ints (where the compiled loop is not built)."""
    if not elements:
        return 0.0
    # Each id mixed in Python ints (a few ids, one call per near set the guard peels), the
    # top 53 bits exact as floats: the same array np.sum was given when mixed in numpy
    # (`_difference_weight_numpy`, the reference twin).
    salt = _WEIGHT_SALT_INT
    tops = [_splitmix64_int(int(e) ^ salt) >> 11 for e in elements]
    return float(_add_reduce(np.array(tops, dtype=np.float64)) / float(1 << 53))


def _difference_weight_numpy(elements: Sequence[int]) -> float:
    """`difference_weight` as first written, in numpy."""
    if not elements:
        return 0.0
    mixed = splitmix64(np.array(elements, dtype=np.uint64) ^ _WEIGHT_SALT)
    return float(np.sum((mixed >> np.uint64(11)).astype(np.float64)) / float(1 << 53))
