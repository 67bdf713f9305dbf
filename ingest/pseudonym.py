"""Pseudonyms: identifiers are replaced by keyed hashes, per unit type (docs/ARCHITECTURE.md §4).

unit-type key = HMAC-SHA256(master key, b"regcat-unit-type:" + unit type name)
pseudonym     = first 8 bytes of HMAC-SHA256(unit-type key, identifier as UTF-8),
                read as a signed little-endian int64.

The same identifier gets the same pseudonym in every register, so data link up; a
different unit type or master key gives unrelated pseudonyms. The master key lives in a
file outside the datastore.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalogue.domain.errors import RegcatError, conflict, invalid_input

KEY_BYTES = 32
_UNIT_TYPE_CONTEXT = b"regcat-unit-type:"
_SHA256_BLOCK = 64


class IdHasher:
    """HMAC-SHA256 under one key, fast: the key's inner and outer padded blocks are hashed
    once, and each identifier continues from copies of those two states. This is the
    HMAC construction of RFC 2104 written out, and 2–3 times faster per short identifier
    than hmac.digest, which pads the key again on every call."""

    def __init__(self, key: bytes) -> None:
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def digests(self, ids: list[str]) -> np.ndarray:
        """The int64 pseudonym of each identifier."""
        out = bytearray()
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        for text in ids:
            inner = inner_copy()
            inner.update(text.encode())
            outer = outer_copy()
            outer.update(inner.digest())
            out += outer.digest()[:8]
        return np.frombuffer(bytes(out), dtype="<i8").astype(np.int64, copy=False)


class PseudonymKeys:
    """The master key and the per-unit-type keys derived from it."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"a master key has {KEY_BYTES} bytes")
        self._master = master_key
        self._hashers: dict[str, IdHasher] = {}

    def __repr__(self) -> str:  # never show the key in logs or tracebacks
        return "PseudonymKeys(<hidden>)"

    def unit_type_key(self, unit_type: str) -> bytes:
        return hmac.digest(self._master, _UNIT_TYPE_CONTEXT + unit_type.encode(), "sha256")

    def hasher(self, unit_type: str) -> IdHasher:
        if unit_type not in self._hashers:
            self._hashers[unit_type] = IdHasher(self.unit_type_key(unit_type))
        return self._hashers[unit_type]

    def pseudonymise(self, unit_type: str, ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        """int64 pseudonyms of string identifiers of `unit_type`; nulls stay null. Each
        distinct identifier is hashed once. (A conversion uses ingest.id_cache instead,
        which also remembers identifiers from one batch to the next.)"""
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        encoded = pc.dictionary_encode(ids.cast(pa.string()))
        per_distinct = self.hasher(unit_type).digests(encoded.dictionary.to_pylist())
        return pc.take(pa.array(per_distinct, pa.int64()), encoded.indices)


def create_key_file(path: Path) -> None:
    """Write a new random master key (hex) readable by the owner only. Never overwrites:
    a lost key changes every pseudonym, so replacing one must be a deliberate act."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise conflict(
            "key-file-exists",
            f"Nøkkelfilen {path} finnes allerede og blir ikke overskrevet; en ny nøkkel ville"
            " gitt alle enheter nye pseudonymer.",
            f"The key file {path} already exists and is not overwritten; a new key would give"
            " every unit new pseudonyms.",
            path=str(path),
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(KEY_BYTES) + "\n")


def load_keys(path: Path) -> PseudonymKeys:
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise _missing_key(path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise _bad_key(path, str(e)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise _bad_key(path, "not hexadecimal") from None
    if len(key) != KEY_BYTES:
        raise _bad_key(path, f"{len(key)} bytes instead of {KEY_BYTES}")
    return PseudonymKeys(key)


def _missing_key(path: Path) -> RegcatError:
    return invalid_input(
        "key-file-missing",
        f"Pseudonymiseringsnøkkelen {path} finnes ikke. Kjør `regcat init` for å lage den"
        " (eller sett REGCAT_KEY_FILE til nøkkelfilen du har).",
        f"The pseudonymisation key {path} does not exist. Run `regcat init` to create it"
        " (or set REGCAT_KEY_FILE to the key file you have).",
        path=str(path),
    )


def _bad_key(path: Path, why: str) -> RegcatError:
    # Not "run regcat init": a new key would silently give every unit new pseudonyms.
    return invalid_input(
        "key-file-invalid",
        f"Pseudonymiseringsnøkkelen {path} er ødelagt ({why}); den skal inneholde"
        f" {KEY_BYTES} byte som heksadesimale tegn. Hent nøkkelen fra sikkerhetskopien.",
        f"The pseudonymisation key {path} is damaged ({why}); it must hold {KEY_BYTES}"
        " bytes as hexadecimal characters. Restore the key from its backup.",
        path=str(path),
    )
