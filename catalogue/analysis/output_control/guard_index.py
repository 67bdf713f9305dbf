"""An index of released unit sets for the differencing guard, whatever their measure, whose
cost per look-up does not grow with the number of sets registered (conformance case 24).

The guard asks: which released sets A could satisfy |A Δ B| < `within` for a new set B?
Scanning every set of a similar size made a table's cost grow with the ledger (a researcher
who filled it made table requests take 30 s), and comparing only within one measure let a
rename or a scaled copy walk around the guard. This index answers from buckets instead.

Why buckets of fingerprint cells find every near set (see fingerprint.py for the IBLT): a
unit touches exactly one cell of the first partition (32 cells). If A and B differ by
d < within units, at most d of those cells differ between them, and at most d cells are
non-empty in B but not in A. A is indexed under the exact contents (cell number, count,
id xor) of its first K non-empty cells of that partition; with K ≥ within at least one of
them, say the j-th, is untouched by the difference and so holds the same content in B.
In B that cell is preceded by at most (j − 1) of A's non-empty cells and at most within − 1
cells the difference filled, so it is among B's first K + within − 1 non-empty cells: B
probes those (at most 32), and meets A in that bucket. A bucket key is a hash of the cell's
full content, which for a non-empty cell is (up to hash collisions, which only add
candidates the exact test then drops) the subset of units in that cell: unrelated sets do
not share buckets.

A set with fewer than K non-empty cells in the first partition (about 30 units or
fewer) has no such guarantee; those sets are kept apart, sorted by size, and scanned within
the size window. Such sets are small by construction, so few of them lie in any size
window of a real ledger.

Limit (documented in docs/OUTPUT_CONTROL.md): buckets stay small for sets that do not share
whole cells. Many released sets that share most of their units (P minus many disjoint
groups of ten) share buckets, and a look-up against them costs in proportion; each such
set is a release that the budget charged, and behaviour detection flags such runs.

Per set the index keeps K integers in a dictionary of integers only (which the garbage
collector does not traverse, so a large ledger does not slow every collection); a look-up
costs at most K + within − 1 dictionary probes plus the exact test on what it finds.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import mmap
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import numpy as np

from .fingerprint import (
    CELLS_PER_PARTITION,
    FingerprintRows,
    FingerprintTable,
    SetFingerprint,
    splitmix64,
)

if TYPE_CHECKING:
    from .ledger import ReleasedSet

# Pair sets (ledger.py, which imports this module): also filed under their statistic.
PAIRS_MEASURE = "pairs"

# K: cells indexed per set, and the largest `within` the index answers exactly; a larger
# one (a datastore configured with min_difference above this) scans every set instead.
MAX_WITHIN = 20

_CELL_SALT = np.arange(CELLS_PER_PARTITION, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_COUNT_SALT = np.uint64(0xD1B54A32D192ED03)


def _first_cells(fingerprint: SetFingerprint, n: int, salt: int = 0) -> list[int]:
    """Keys of the first `n` non-empty cells of the first partition: each a hash of (cell
    number, count, id xor), xored with `salt`. For a set of a table (a table's cells, a
    ledger's sets read at once), taken from its table's keys, computed for all its sets in
    one pass (`_table_first_cells`): one look-up's dozen numpy calls on 32 cells were half
    of its cost, and a table looks up every cell. Held equal to `_first_cells_one`, the
    reference, by tests/test_output_control_guard_index.py."""
    if fingerprint.table is None:
        keys = _first_cells_one(fingerprint, n)
        return [key ^ salt for key in keys] if salt else keys
    table, at = fingerprint.table
    found_keys, found = _table_first_cells(table)
    row = found_keys[at, : min(n, int(found[at]))]
    return (row ^ np.uint64(salt)).tolist() if salt else row.tolist()


# Sets whose first cells' keys are computed at once (bounds the temporaries of a large table).
_CHUNK = 1 << 14


def _table_first_cells(table: FingerprintTable) -> tuple[np.ndarray, np.ndarray]:
    """Per set of the table, the keys of its non-empty cells of the first partition in
    cell order, then of its empty ones (never read), uint64 (sets, 32), and how many are
    non-empty; computed once per table (its `memo`)."""
    found = table.memo.get("first_cells")
    if found is not None:
        return found
    keys = np.empty((len(table.sizes), CELLS_PER_PARTITION), dtype=np.uint64)
    non_empty = np.empty(len(table.sizes), dtype=np.int64)
    for start in range(0, len(table.sizes), _CHUNK):
        part = slice(start, start + _CHUNK)
        counts = table.counts[part, :CELLS_PER_PARTITION]
        # Each row's non-empty cells first, in cell order: a stable sort of "is empty".
        order = np.argsort(counts == 0, axis=1, kind="stable")
        ordered = np.take_along_axis(counts, order, axis=1).astype(np.uint64)
        ids = np.take_along_axis(table.id_xor[part, :CELLS_PER_PARTITION], order, axis=1)
        keys[part] = splitmix64(ids ^ _CELL_SALT[order] ^ splitmix64(ordered ^ _COUNT_SALT))
        non_empty[part] = np.count_nonzero(counts, axis=1)
    found = (keys, non_empty)
    table.memo["first_cells"] = found
    return found


def _first_cells_one(fingerprint: SetFingerprint, n: int) -> list[int]:
    """`_first_cells` of one set from its own cells (the reference)."""
    counts = fingerprint.counts[:CELLS_PER_PARTITION]
    cells = np.flatnonzero(counts)[:n]
    keys = splitmix64(
        fingerprint.id_xor[cells]
        ^ _CELL_SALT[cells]
        ^ splitmix64(counts[cells].astype(np.uint64) ^ _COUNT_SALT)
    )
    return keys.tolist()


@dataclass
class SetIndex:
    """Released sets of one datastore, of every measure. Not thread-safe: callers lock."""

    sets: list[ReleasedSet] = field(default_factory=list)
    _sizes: list[int] = field(default_factory=list)  # sets[i].size, read per look-up
    # key → position of the one set in the bucket, or −1 − i for `_shared[i]` (several).
    _buckets: dict[int, int] = field(default_factory=dict)
    _shared: list[list[int]] = field(default_factory=list)
    _small_sizes: list[int] = field(default_factory=list)
    _small: list[int] = field(default_factory=list)  # positions in `sets`, by size
    # The sets' fingerprints, stacked as they come: `sets` hold them as views of these rows,
    # so the guard's screens gather them rather than stack them (fingerprint.screened).
    _rows: FingerprintRows = field(default_factory=FingerprintRows)

    def __len__(self) -> int:
        return len(self.sets)

    def __iter__(self) -> Iterator[ReleasedSet]:
        return iter(self.sets)

    def add(self, released: ReleasedSet) -> None:
        position = len(self.sets)
        # Its keys from its table's if it has one (the kept copy has not: the index must
        # not hold every table a set came from).
        keys = _first_cells(released.fingerprint, MAX_WITHIN)
        released = replace(released, fingerprint=self._rows.keep(released.fingerprint))
        self.sets.append(released)
        self._sizes.append(released.size)
        if len(keys) < MAX_WITHIN:
            at = bisect.bisect_right(self._small_sizes, released.size)
            self._small_sizes.insert(at, released.size)
            self._small.insert(at, position)
            return
        if released.measure == PAIRS_MEASURE:
            # Filed under its statistic's keys too: `registered_for` asks for the pair sets
            # of one statistic, and sets of other statistics sharing its cells (every
            # model of the same outcome and regressors over one population) were most of
            # what it was handed and turned away (48 % of test_presence's level-limit test).
            salt = _statistic_salt(released.statistic)
            keys = keys + [key ^ salt for key in keys]
        for key in keys:
            held = self._buckets.get(key)
            if held is None:
                self._buckets[key] = position
            elif held >= 0:
                self._shared.append([held, position])
                self._buckets[key] = -len(self._shared)
            else:
                self._shared[-1 - held].append(position)

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> list[ReleasedSet]:
        """Every released set A with |A Δ B| < `within` for B = `fingerprint` is among the
        sets returned (others may be too: the caller tests them exactly). `pairs_of`: only
        the pair sets (PAIRS_MEASURE) of that statistic, from their own buckets."""
        if within > MAX_WITHIN:
            return [
                s for s in self.sets if abs(s.size - fingerprint.size) < within and _of(s, pairs_of)
            ]
        salt = 0 if pairs_of is None else _statistic_salt(pairs_of)
        # The buckets probed in one pass of C (map, set): most probes miss, and a Python
        # loop over every probe of every cell of a table was a fifth of its guard's cost.
        hits = set(map(self._buckets.get, _first_cells(fingerprint, MAX_WITHIN + within - 1, salt)))
        hits.discard(None)
        found: set[int] = set()
        for held in cast(set[int], hits):
            if held >= 0:
                found.add(held)
            else:
                found.update(self._shared[-1 - held])
        lo = bisect.bisect_left(self._small_sizes, fingerprint.size - within + 1)
        hi = bisect.bisect_right(self._small_sizes, fingerprint.size + within - 1)
        found.update(self._small[lo:hi])
        sets, sizes, size = self.sets, self._sizes, fingerprint.size
        if pairs_of is None:
            return [sets[p] for p in sorted(found) if abs(sizes[p] - size) < within]
        return [
            sets[p]
            for p in sorted(found)
            if abs(sizes[p] - size) < within and _of(sets[p], pairs_of)
        ]


@functools.lru_cache(maxsize=256)
def _statistic_salt(statistic: str) -> int:
    """What a pair set's keys are xored with under its statistic (never 0: the plain keys
    stay the guard's)."""
    digest = hashlib.blake2b(statistic.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") | 1


def _of(released: ReleasedSet, pairs_of: str | None) -> bool:
    return pairs_of is None or (
        released.measure == PAIRS_MEASURE and released.statistic == pairs_of
    )


# --- Holder samples: which registered count sets hold a unit (conformance case 22) -------

# Holders kept per unit (the `SAMPLE` smallest holder hashes): enough that a sunflower of
# `max_sets` petals shows in its kernel's units after any number of petals (kernels.py).
SAMPLE = 16
EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)  # an unused place in a unit's sample (above every hash)
_HOLDER_MASK = np.uint64(0x7FFFFFFFFFFFFFFF)


def holder_hash(key: str) -> int:
    """A registered set's hash as a holder (its `set_key`, a keyed hash of its units, with
    the top bit cleared so that it is below EMPTY)."""
    return int(np.uint64(int(key, 16)) & _HOLDER_MASK)


class _IdSlots:
    """Unit set ids → dense row numbers: open addressing over numpy arrays, every look-up
    of a batch at once (a dictionary of millions of Python integers would cost seconds per
    table). Not thread-safe: callers lock."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._keys = np.zeros(capacity, dtype=np.uint64)  # 0: empty
        self._rows = np.full(capacity, -1, dtype=np.int32)  # 4 bytes a slot: < 2³¹ units
        self.used = 0

    def rows(self, ids: np.ndarray, insert: bool, given: np.ndarray | None = None) -> np.ndarray:
        """Each id's row (distinct ids), −1 for an id never inserted; `insert` gives new
        ids the next rows (or, rehashing, the rows `given`)."""
        ids = np.asarray(ids, dtype=np.uint64)
        ids = np.where(ids == 0, np.uint64(1), ids)  # 0 marks an empty slot
        if insert and 2 * (self.used + len(ids)) > len(self._keys):
            self._grow(2 * (self.used + len(ids)))
        mask = np.uint64(len(self._keys) - 1)
        found = np.full(len(ids), -1, dtype=np.int64)
        slot = (splitmix64(ids) & mask).astype(np.int64)
        waiting = np.arange(len(ids))
        while len(waiting):
            at = slot[waiting]
            held = self._keys[at]
            hit = held == ids[waiting]
            found[waiting[hit]] = self._rows[at[hit]]
            resolved = hit | (held == 0)
            if insert and (held == 0).any():
                claim = waiting[held == 0]
                # One id per empty slot this round; the others probe on.
                _, first = np.unique(slot[claim], return_index=True)
                won = claim[first]
                self._keys[slot[won]] = ids[won]
                new = np.arange(self.used, self.used + len(won)) if given is None else given[won]
                self._rows[slot[won]] = new
                found[won] = self._rows[slot[won]]
                self.used += len(won)
                resolved = hit | np.isin(waiting, won)
            waiting = waiting[~resolved]
            slot[waiting] = (slot[waiting] + 1) & np.int64(mask)
        return found

    def _grow(self, at_least: int) -> None:
        keys, rows = self._keys, self._rows
        capacity = len(keys)
        while capacity < at_least:
            capacity *= 2
        self._keys = np.zeros(capacity, dtype=np.uint64)
        self._rows = np.full(capacity, -1, dtype=np.int32)
        self.used = 0
        kept = np.flatnonzero(keys != 0)
        for lo in range(0, len(kept), 1 << 18):  # a chunk's probes at a time
            at = kept[lo : lo + (1 << 18)]
            self.rows(keys[at], insert=True, given=rows[at])


class HolderSamples:
    """Per unit (its set id), the SAMPLE smallest hashes of the registered count sets that
    hold it (a bottom-k sample of its holders). Why a sample: a unit's holders grow with
    the ledger, the sample does not (case 24), and it is exact where it has to be. A set R
    whose hash is below a unit's largest kept hash (its *bound*) is in the unit's sample if
    and only if it holds the unit, so "R does not hold v" is certain for h(R) < bound(v)
    and R not kept; a unit with fewer than SAMPLE holders keeps them all (bound EMPTY). The
    sample of a set of holders does not depend on the order they came in, so records
    replayed in any order (another process's, after a restart) rebuild the same samples.
    Not thread-safe: callers lock.

    Memory (128 bytes a unit, most of a ledger's): the rows in use are the first `used` of
    a matrix whose places beyond them are never written (nor resident) until a new unit
    takes one. It grows in place where the platform remaps (an anonymous private mapping
    made larger: no copy, so a grown ledger is never held twice, 0.9 + 0.45 GB at 5.5 M
    units before), else by a copy of the rows in use. A record is applied `chunk` units at
    a time and a look-up probes `chunk` ids at a time (their temporaries, ~0.7 GB for a
    record of 5 M units, bounded by the chunk)."""

    def __init__(self, chunk: int = 1 << 18) -> None:
        self._slots = _IdSlots()
        self._chunk = max(1, int(chunk))
        self._map: mmap.mmap | None = None
        self._samples = np.empty((0, SAMPLE), dtype=np.uint64)
        self._sizes: dict[int, int] = {}

    def of(self, ids: np.ndarray) -> np.ndarray:
        """Each unit's sample, ascending (EMPTY-padded), a copy: shape (len(ids), SAMPLE)."""
        # One probe per id (repeats probe alike) and one gather: no sort of the ids.
        ids = np.asarray(ids, dtype=np.uint64).reshape(-1)
        out = np.empty((len(ids), SAMPLE), dtype=np.uint64)
        for lo in range(0, len(ids), self._chunk):
            hi = min(lo + self._chunk, len(ids))
            rows = self._slots.rows(ids[lo:hi], insert=False)
            known = rows >= 0
            out[lo:hi] = EMPTY
            out[lo:hi][known] = self._samples[rows[known]]
        return out

    def sizes(self, hashes: np.ndarray) -> np.ndarray:
        """Each holder's size (−1 for a hash never registered)."""
        return np.array([self._sizes.get(int(h), -1) for h in hashes.tolist()], dtype=np.int64)

    def entering(self, holder: int, ids: np.ndarray) -> np.ndarray:
        """The units among `ids` whose sample a set of this hash would enter (what a record
        of it keeps): those with a bound above it, not holding it already."""
        rows = self.of(ids)
        h = np.uint64(holder)
        return np.asarray(ids, dtype=np.uint64)[(h < rows[:, -1]) & ~(rows == h).any(axis=1)]

    def add(self, holder: int, size: int, ids: np.ndarray) -> None:
        """Registers a set (its hash and size) as a holder of these units."""
        self._sizes[holder] = size
        ids = np.sort(np.asarray(ids, dtype=np.uint64))
        ids = ids[np.r_[True, ids[1:] != ids[:-1]]] if len(ids) else ids
        h = np.uint64(holder)
        for lo in range(0, len(ids), self._chunk):
            part = ids[lo : lo + self._chunk]
            rows = self._slots.rows(part, insert=False)
            new = rows < 0
            if new.any():
                # Only the units never seen take places (the id slots grow for those alone).
                before = self._slots.used
                rows[new] = self._slots.rows(part[new], insert=True)
                self._reserve(self._slots.used)
                self._samples[before : self._slots.used] = EMPTY
            kept = self._samples[rows]
            enter = (h < kept[:, -1]) & ~(kept == h).any(axis=1)
            if enter.any():
                changed = kept[enter]
                changed[:, -1] = h
                changed.sort(axis=1)
                self._samples[rows[enter]] = changed

    def _reserve(self, used: int) -> None:
        """Room for `used` rows: at least a quarter more than asked, or 4,096 rows."""
        if used <= len(self._samples):
            return
        capacity = max(used * 5 // 4 + 1024, 1 << 12)
        nbytes = capacity * SAMPLE * 8
        if self._map is not None:
            self._samples = np.empty((0, SAMPLE), dtype=np.uint64)  # no view left on the map
            try:
                self._map.resize(nbytes)  # mremap: the pages move, nothing is copied
            except (BufferError, OSError, SystemError, TypeError, ValueError):
                pass
            else:
                self._samples = _rows_of(self._map, capacity)
                return
            old = _rows_of(self._map, len(self._map) // (SAMPLE * 8))
        else:
            old = self._samples
        mapped = _private_map(nbytes)
        grown = (
            _rows_of(mapped, capacity)
            if mapped is not None
            else np.empty((capacity, SAMPLE), dtype=np.uint64)  # untouched pages: not resident
        )
        used_before = min(len(old), self._slots.used)
        grown[:used_before] = old[:used_before]
        del old
        self._map, self._samples = mapped, grown


def _private_map(nbytes: int) -> mmap.mmap | None:
    """Anonymous private memory of `nbytes` (zero pages, resident once written), or None
    where the platform has none."""
    try:
        return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except (AttributeError, OSError, ValueError):
        return None


def _rows_of(mapped: mmap.mmap, capacity: int) -> np.ndarray:
    return np.frombuffer(mapped, dtype=np.uint64, count=capacity * SAMPLE).reshape(-1, SAMPLE)
