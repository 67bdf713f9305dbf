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

from .ptable import PerturbationTable

RECORD_KEY_MODULUS = 4096


@dataclass(frozen=True)
class UnitKeys:
    """Secret per-unit keys, aligned with the pseudonyms they were asked for."""

    record_keys: np.ndarray  # int64 in [0, RECORD_KEY_MODULUS)
    set_ids: np.ndarray  # uint64


class KeySource(Protocol):
    """Turns pseudonyms into their keys. The engine may precompute a KeyTable once per
    workspace (the keys are stored with the pseudonyms and never leave the server)."""

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys: ...


def derive_keys(secret: bytes, pseudonyms: np.ndarray) -> UnitKeys:
    pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
    digests = b"".join(hmac.digest(secret, struct.pack("<q", int(p)), "sha256") for p in pseudonyms)
    raw = np.frombuffer(digests, dtype=np.uint8).reshape(len(pseudonyms), 32)
    # The digest read as a big-endian integer, mod 4096, is its last 12 bits.
    record_keys = ((raw[:, 30].astype(np.int64) << 8) | raw[:, 31]) % RECORD_KEY_MODULUS
    set_ids = np.ascontiguousarray(raw[:, :8]).view("<u8").reshape(-1).astype(np.uint64)
    return UnitKeys(record_keys, set_ids)


class HmacKeySource:
    """Derives keys on demand (one HMAC per distinct pseudonym asked for)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the datastore secret must be at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:  # never show the secret
        return "HmacKeySource(<secret>)"

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys:
        unique, position = np.unique(np.asarray(pseudonyms, dtype=np.int64), return_inverse=True)
        found = derive_keys(self._secret, unique)
        return UnitKeys(found.record_keys[position], found.set_ids[position])


class KeyTable:
    """Keys precomputed for a whole population, looked up by binary search."""

    def __init__(self, pseudonyms: np.ndarray, keys: UnitKeys) -> None:
        order = np.argsort(pseudonyms, kind="stable")
        self._pseudonyms = np.asarray(pseudonyms, dtype=np.int64)[order]
        if np.any(self._pseudonyms[1:] == self._pseudonyms[:-1]):
            raise ValueError("a key table needs distinct pseudonyms")
        self._record_keys = keys.record_keys[order]
        self._set_ids = keys.set_ids[order]

    @classmethod
    def build(cls, secret: bytes, pseudonyms: np.ndarray) -> KeyTable:
        unique = np.unique(np.asarray(pseudonyms, dtype=np.int64))
        return cls(unique, HmacKeySource(secret).keys(unique))

    def __repr__(self) -> str:
        return f"KeyTable({len(self._pseudonyms)} units)"

    def keys(self, pseudonyms: np.ndarray) -> UnitKeys:
        pseudonyms = np.asarray(pseudonyms, dtype=np.int64)
        at = np.searchsorted(self._pseudonyms, pseudonyms)
        at_clipped = np.minimum(at, len(self._pseudonyms) - 1)
        if len(pseudonyms) and (
            len(self._pseudonyms) == 0 or np.any(self._pseudonyms[at_clipped] != pseudonyms)
        ):
            raise KeyError("a unit outside the key table's population")
        return UnitKeys(self._record_keys[at_clipped], self._set_ids[at_clipped])


def cell_keys(record_key_sums: np.ndarray) -> np.ndarray:
    """Cell keys in [0, 1) from each cell's sum of record keys (exact: 4096 is a power of 2)."""
    sums = np.asarray(record_key_sums, dtype=np.int64)
    return (sums % RECORD_KEY_MODULUS).astype(np.float64) / RECORD_KEY_MODULUS


def perturbed_counts(
    counts: np.ndarray, record_key_sums: np.ndarray, table: PerturbationTable
) -> np.ndarray:
    return table.perturb(counts, cell_keys(record_key_sums))
