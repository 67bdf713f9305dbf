"""Record keys, cell keys and the noise they select (OUTPUT_CONTROL.md §2, cell key method).

A unit's record key is HMAC-SHA256(datastore secret, pseudonym as 8-byte little-endian
signed integer) mod 4096. The same digest also yields the unit's 64-bit *set id*, used
only inside the differencing fingerprints (fingerprint.py): the two are disjoint bits of
one keyed hash, so neither reveals the other and neither can be linked to a pseudonym
without the secret. Both stay on the server.

A cell's key is (sum of its distinct units' record keys mod 4096) / 4096: it depends only
on which units are in the cell, never on row order, query text or the table around it.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .fingerprint import SetFingerprint, UnitHashes, fingerprint_table

try:
    from ..native import _loops
except ImportError:  # not compiled here: numpy counts or sorts instead
    _loops = None  # type: ignore[assignment]
from .ptable import PerturbationTable

RECORD_KEY_MODULUS = 4096


@dataclass(frozen=True)
class UnitKeys:
    """Secret per-unit keys, aligned with the pseudonyms they were asked for."""

    record_keys: np.ndarray  # int64 in [0, RECORD_KEY_MODULUS)
    set_ids: np.ndarray  # uint64


class KeyArrays:
    """The keys of distinct units, with their fingerprint hashes computed on first use and
    kept (a key table lives as long as its workspace's rows, and is asked many times)."""

    def __init__(self, keys: UnitKeys, hashes: UnitHashes | None = None) -> None:
        # Any integer type as given: a store maps 16-bit keys from disk, and a 64-bit copy
        # of millions of them is only paid for the units a statistic reads (`Located.keys`).
        self.record_keys = np.asarray(keys.record_keys)
        if self.record_keys.dtype.kind not in "iu":
            raise TypeError("record keys must be integers")
        self.set_ids = np.asarray(keys.set_ids, dtype=np.uint64)
        self._hashes = hashes

    def __len__(self) -> int:
        return len(self.record_keys)

    def hashes(self) -> UnitHashes:
        if self._hashes is None:
            self._hashes = UnitHashes.of(self.set_ids)
        return self._hashes


@dataclass(frozen=True, eq=False)
class Located:
    """Pseudonyms found in a set of key arrays: `positions[i]` is where the i-th
    pseudonym asked for sits. Equal pseudonyms get equal positions, so positions stand in
    for pseudonyms (distinctness, grouping) without keeping the pseudonyms."""

    positions: np.ndarray  # int64
    arrays: KeyArrays

    def keys(self) -> UnitKeys:
        return UnitKeys(
            self.arrays.record_keys[self.positions].astype(np.int64),
            self.arrays.set_ids[self.positions],
        )

    def distinct(self) -> bool:
        return all_distinct(self.positions)

    def fingerprint(self) -> SetFingerprint:
        """The fingerprint of the units located (each counted once per time it was asked)."""
        cell = np.zeros(len(self.positions), dtype=np.int64)
        arrays = self.arrays
        return fingerprint_table(cell, arrays.set_ids, 1, self.positions, arrays.hashes())[0]


class KeySource(Protocol):
    """Turns pseudonyms into their keys. The engine may precompute a KeyTable once per
    workspace (the keys are stored with the pseudonyms and never leave the server)."""

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys: ...

    def locate(self, pseudonyms: np.ndarray) -> Located: ...


def derive_keys(secret: bytes, pseudonyms: np.ndarray) -> UnitKeys:
    pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
    digests = b"".join(hmac.digest(secret, struct.pack("<q", int(p)), "sha256") for p in pseudonyms)
    raw = np.frombuffer(digests, dtype=np.uint8).reshape(len(pseudonyms), 32)
    # The digest read as a big-endian integer, mod 4096, is its last 12 bits.
    record_keys = ((raw[:, 30].astype(np.int64) << 8) | raw[:, 31]) % RECORD_KEY_MODULUS
    set_ids = np.ascontiguousarray(raw[:, :8]).view("<u8").reshape(-1).astype(np.uint64)
    return UnitKeys(record_keys, set_ids)


def all_distinct(ids: np.ndarray) -> bool:
    """Whether no id repeats. Ids of a narrow range (positions) go through a bitmap,
    compiled; others are sorted (numpy's hash-based np.unique is far slower on millions of
    random 64-bit ids)."""
    ids = np.asarray(ids)
    if len(ids) < 2:
        return True
    if _loops is not None and ids.dtype.kind in "iu":
        found = _loops.all_distinct(np.ascontiguousarray(ids, dtype=np.int64), 64 * len(ids))
        if found is not None:
            return found
    elif int(ids.min()) >= 0 and int(ids.max()) < 4 * len(ids) + 1024:
        return int(np.bincount(ids).max()) <= 1
    ordered = np.sort(ids)
    return not bool(np.any(ordered[1:] == ordered[:-1]))


def distinct_sorted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, each value's index among them). By sorting: numpy's
    hash-based np.unique is many times slower on millions of random 64-bit pseudonyms."""
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


class HmacKeySource:
    """Derives keys on demand (one HMAC per distinct pseudonym asked for)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the datastore secret must be at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:  # never show the secret
        return "HmacKeySource(<secret>)"

    def locate(self, pseudonyms: np.ndarray) -> Located:
        unique, position = distinct_sorted(np.asarray(pseudonyms, dtype=np.int64))
        return Located(position, KeyArrays(derive_keys(self._secret, unique)))

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys:
        return self.locate(pseudonyms).keys()


class KeyTable:
    """Keys precomputed for a whole population, looked up by binary search. (A workspace
    hands output control positions instead, see PositionKeys: no search at all.)"""

    def __init__(self, pseudonyms: np.ndarray, keys: UnitKeys) -> None:
        pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
        record_keys, set_ids = keys.record_keys, keys.set_ids
        if len(pseudonyms) > 1 and not np.all(pseudonyms[1:] > pseudonyms[:-1]):
            order = np.argsort(pseudonyms, kind="stable")
            pseudonyms, record_keys, set_ids = pseudonyms[order], record_keys[order], set_ids[order]
            if np.any(pseudonyms[1:] == pseudonyms[:-1]):
                raise ValueError("a key table needs distinct pseudonyms")
        self._pseudonyms = pseudonyms
        self._arrays = KeyArrays(UnitKeys(record_keys, set_ids))

    @classmethod
    def build(cls, secret: bytes, pseudonyms: np.ndarray) -> KeyTable:
        unique, _ = distinct_sorted(np.asarray(pseudonyms, dtype=np.int64))
        return cls(unique, derive_keys(secret, unique))

    def __repr__(self) -> str:
        return f"KeyTable({len(self._pseudonyms)} units)"

    def locate(self, pseudonyms: np.ndarray) -> Located:
        pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
        table = self._pseudonyms
        at = np.minimum(np.searchsorted(table, pseudonyms), max(len(table) - 1, 0))
        if len(pseudonyms) and (len(table) == 0 or np.any(table[at] != pseudonyms)):
            raise KeyError("a unit outside the key table's population")
        return Located(at, self._arrays)

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys:
        return self.locate(pseudonyms).keys()


class PositionKeys:
    """Keys asked for by position: the engine finds each row's units' positions in its key
    store once per generation of rows (analysis/unit_keys/rows.py). Output control then gets
    positions instead of pseudonyms, and finding their keys is a plain array read."""

    def __init__(self, arrays: KeyArrays) -> None:
        self._arrays = arrays

    def __repr__(self) -> str:
        return f"PositionKeys({len(self._arrays)} units)"

    def locate(self, positions: np.ndarray) -> Located:
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) and (positions.min() < 0 or positions.max() >= len(self._arrays)):
            raise KeyError("a unit outside the key table's population")
        return Located(positions, self._arrays)

    def keys(self, positions: np.ndarray) -> UnitKeys:
        return self.locate(positions).keys()


def cell_keys(record_key_sums: np.ndarray) -> np.ndarray:
    """Cell keys in [0, 1) from each cell's sum of record keys (exact: 4096 is a power of 2)."""
    sums = np.asarray(record_key_sums, dtype=np.int64)
    return (sums % RECORD_KEY_MODULUS).astype(np.float64) / RECORD_KEY_MODULUS


def perturbed_counts(
    counts: np.ndarray, record_key_sums: np.ndarray, table: PerturbationTable
) -> np.ndarray:
    return table.perturb(counts, cell_keys(record_key_sums))
