"""Finding units' positions in the key store: a snapshot of the store and its lookup.

Once per generation of a workspace's rows, `KeySnapshot.locate` finds each row's units'
positions, and output control then reads keys by position: no lookup per statistic. Rows
follow the released files and the store is filled in the same order
(store.units_in_file_order), so the position of a row's unit is nearly always the previous
row's plus one; any other unit is found through its part's bucket index (the compiled
`native._locate`), never by a join of every row against the store. `locate_by_sorting` is
the numpy reference the compiled lookup is held to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..output_control.cell_key import KeyArrays
from ..output_control.fingerprint import splitmix64

try:
    from ..native import _locate
except ImportError:  # not compiled here: numpy finds the same positions by sorting, slower
    _locate = None  # type: ignore[assignment]


@dataclass(frozen=True)
class PartIndex:
    """One part's bucket index: its positions (from `offset`) grouped by the top `bits`
    bits of splitmix64(pseudonym), bucket b's in members[starts[b] : starts[b + 1]]."""

    offset: int
    bits: int
    starts: np.ndarray  # int32, 2**bits + 1
    members: np.ndarray  # int32, positions within the part


def bucket_index(pseudonyms: np.ndarray) -> PartIndex:
    """The index of a part holding `pseudonyms` from position 0: about one position per
    bucket, so a lookup reads one or two entries."""
    count = len(pseudonyms)
    bits = (count - 1).bit_length() if count > 1 else 0
    if bits:
        buckets = splitmix64(np.asarray(pseudonyms, dtype=np.int64).view(np.uint64))
        buckets >>= np.uint64(64 - bits)
    else:
        buckets = np.zeros(count, dtype=np.uint64)
    members = np.argsort(buckets, kind="stable").astype(np.int32)
    starts = np.zeros((1 << bits) + 1, dtype=np.int32)
    np.cumsum(np.bincount(buckets.astype(np.int64), minlength=1 << bits), out=starts[1:])
    return PartIndex(0, bits, starts, members)


@dataclass(frozen=True, eq=False)
class KeySnapshot:
    """The store as it was at one moment: unit `i` has pseudonym `pseudonyms[i]` and keys
    `arrays` at position `i`. A later snapshot of the same store (same `store_id`) extends
    it and keeps every position."""

    store_id: str
    pseudonyms: np.ndarray  # int64
    arrays: KeyArrays
    indexes: tuple[PartIndex, ...]

    def __len__(self) -> int:
        return len(self.pseudonyms)

    def locate(self, pseudonyms: np.ndarray) -> np.ndarray:
        """Each pseudonym's position (int32), -1 for a unit the store lacks. Fast when
        consecutive pseudonyms mostly sit at consecutive positions (see the module doc)."""
        queries = np.ascontiguousarray(pseudonyms, dtype=np.int64)
        found = np.full(len(queries), -1, dtype=np.int32)
        if not len(queries) or not len(self):
            return found
        if _locate is None:
            return locate_by_sorting(queries, self.pseudonyms)
        for index in self.indexes:
            missing = _locate.locate(
                queries,
                self.pseudonyms,
                index.starts,
                index.members,
                index.offset,
                index.bits,
                found,
            )
            if not missing:
                break
        return found


def locate_by_sorting(queries: np.ndarray, pseudonyms: np.ndarray) -> np.ndarray:
    """What the compiled `_locate.locate` finds, by sorting (for a machine that could not
    build it, and to test it against)."""
    order = np.argsort(pseudonyms, kind="stable")
    ordered = np.asarray(pseudonyms, dtype=np.int64)[order]
    at = np.minimum(np.searchsorted(ordered, queries), max(len(ordered) - 1, 0))
    hit = ordered[at] == queries if len(ordered) else np.zeros(len(queries), dtype=bool)
    return np.where(hit, order[at], -1).astype(np.int32)
