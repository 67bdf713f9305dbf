"""Record keys for output control, per unit.

The output-control secret of a datastore is HMAC-SHA256(master key, "regcat-record-key:" +
datastore): derived from the pseudonymisation master key but distinct from every unit-type
key, so record keys tell nothing about pseudonyms and vice versa. A unit's record key and
set id are the ones `output_control.cell_key.derive_keys` defines (a test checks that they
are equal); this module only computes them faster (the store remembers them)."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np

from ..output_control import UnitKeys
from ..output_control.cell_key import RECORD_KEY_MODULUS

SECRET_CONTEXT = b"regcat-record-key:"


def record_key_secret(master_key: bytes, datastore: str) -> bytes:
    return hmac.digest(master_key, SECRET_CONTEXT + datastore.encode(), "sha256")


def compute_keys(secret: bytes, pseudonyms: np.ndarray) -> UnitKeys:
    """HMAC-SHA256(secret, pseudonym as 8-byte little-endian) per pseudonym, written out as
    RFC 2104 with the padded key blocks hashed once (hmac.digest pads them on every call)."""
    padded = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
    inner_start = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer_start = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    messages = memoryview(np.ascontiguousarray(pseudonyms, dtype="<i8").tobytes())
    digests = bytearray(32 * len(pseudonyms))
    inner_copy, outer_copy = inner_start.copy, outer_start.copy
    for i in range(len(pseudonyms)):
        inner = inner_copy()
        inner.update(messages[8 * i : 8 * i + 8])
        outer = outer_copy()
        outer.update(inner.digest())
        digests[32 * i : 32 * i + 32] = outer.digest()
    raw = np.frombuffer(bytes(digests), dtype=np.uint8).reshape(len(pseudonyms), 32)
    record_keys = ((raw[:, 30].astype(np.int64) << 8) | raw[:, 31]) % RECORD_KEY_MODULUS
    set_ids = np.ascontiguousarray(raw[:, :8]).view("<u8").reshape(-1).astype(np.uint64)
    return UnitKeys(record_keys, set_ids)
