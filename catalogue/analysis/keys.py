"""Record keys for output control, computed once per unit and kept with its pseudonym.

The output-control secret of a datastore is HMAC-SHA256(master key, "regcat-record-key:" +
datastore): derived from the pseudonymisation master key but distinct from every unit-type
key, so record keys tell nothing about pseudonyms and vice versa. A unit's record key and
set id are the ones `output_control.cell_key.derive_keys` defines (a test checks that they
are equal); this module only computes them faster and remembers them.

Keys are remembered in Parquet files in a local folder per secret (its name is a hash of the
secret, so a new master key starts a new folder). The files never leave the server and are
rebuildable: deleting the folder only costs the time to compute the keys again. Computing
is HMAC per distinct pseudonym (about 1.4 s per million units on one core); with the cache,
a workspace on a population seen before only joins its units against the files."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import db
from .output_control import KeyTable, UnitKeys
from .output_control.cell_key import RECORD_KEY_MODULUS, KeyArrays
from .output_control.fingerprint import UnitHashes

SECRET_CONTEXT = b"regcat-record-key:"
MAX_PARTS = 24  # more parts than this are merged into one


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


SCHEMA = pa.schema(
    [
        ("pseudonym", pa.int64()),
        ("record_key", pa.int16()),
        ("set_id", pa.uint64()),
        ("slots", pa.int32()),  # the unit's fingerprint slots, packed (fingerprint.py)
        ("check_hash", pa.uint64()),
    ]
)
CACHE_FORMAT = b"regcat-key-cache-v2:"  # a new format starts a new folder


class KeyCache:
    """Keys of every unit seen so far under one secret, in Parquet files in `folder`
    (None keeps nothing: every call computes what it needs)."""

    def __init__(self, secret: bytes, folder: Path | None) -> None:
        self._secret = secret
        name = hashlib.sha256(CACHE_FORMAT + secret).hexdigest()[:16]
        self._folder = folder / name if folder is not None else None

    def __repr__(self) -> str:  # never show the secret
        return f"KeyCache({self._folder})"

    def keys_at(
        self, con: duckdb.DuckDBPyConnection, positions_sql: str
    ) -> tuple[np.ndarray, KeyArrays]:
        """Keys for the units `positions_sql` yields as (k, p): each distinct pseudonym p
        with its position k, the positions being 0, 1, … without gaps. Returns the
        pseudonyms and their keys, both in position order, computing and storing the
        keys of units not seen before."""
        with self._lock():
            known = self._parts()
            cached = f"{_scan(known)} AS c" if known else f"(SELECT {_EMPTY}) AS c"
            found = db.arrow(
                con,
                "SELECT w.k, w.p, c.record_key, c.set_id, c.slots, c.check_hash "
                f"FROM ({positions_sql}) AS w(k, p) LEFT JOIN {cached} ON c.pseudonym = w.p "
                "ORDER BY w.k",  # DuckDB sorts in parallel; cheaper than scattering here
            )
            size = found.num_rows
            if not np.array_equal(_numbers(found, "k", np.int64), np.arange(size)):
                raise ValueError("positions must number the units 0, 1, … without gaps")
            pseudonyms = _numbers(found, "p", np.int64)
            columns = {name: _numbers(found, name, dtype) for name, dtype in _COLUMNS.items()}
            missing = found.column("record_key").is_null().to_numpy(zero_copy_only=False)
            if missing.any():
                fresh = _fresh(self._secret, pseudonyms[missing])
                for name in _COLUMNS:
                    columns[name][missing] = fresh.column(name).to_numpy()
                if self._folder is not None:
                    known = [*known, self._write(fresh)]
                    if len(known) > MAX_PARTS:
                        self._merge(con, known)
        hashes = UnitHashes(columns["slots"], columns["check_hash"])
        keys = UnitKeys(columns["record_key"].astype(np.int64), columns["set_id"])
        return pseudonyms, KeyArrays(keys, hashes)

    def key_table(self, con: duckdb.DuckDBPyConnection, units_sql: str) -> KeyTable:
        """A KeyTable for the distinct non-null pseudonyms `units_sql` yields (its only
        column)."""
        positions = (
            "SELECT (row_number() OVER () - 1)::BIGINT, p FROM "
            f"(SELECT DISTINCT CAST(u.p AS BIGINT) AS p FROM ({units_sql}) AS u(p) "
            "WHERE u.p IS NOT NULL)"
        )
        pseudonyms, arrays = self.keys_at(con, positions)
        return KeyTable(pseudonyms, UnitKeys(arrays.record_keys, arrays.set_ids))

    # --- files ----------------------------------------------------------------------

    def _parts(self) -> list[str]:
        if self._folder is None or not self._folder.exists():
            return []
        return sorted(str(p) for p in self._folder.glob("part-*.parquet"))

    def _write(self, table: pa.Table) -> str:
        assert self._folder is not None
        self._folder.mkdir(parents=True, exist_ok=True)
        final = self._folder / f"part-{uuid.uuid4().hex}.parquet"
        partial = self._folder / f".{final.name}.partial"
        pq.write_table(table, partial, compression="zstd")
        os.replace(partial, final)  # readers never see half a file
        return str(final)

    def _merge(self, con: duckdb.DuckDBPyConnection, parts: list[str]) -> str:
        merged = db.arrow(con, f"SELECT * FROM {_scan(parts)}")
        path = self._write(merged.cast(SCHEMA))
        for part in parts:
            Path(part).unlink(missing_ok=True)
        return path

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One process at a time adds keys, so no unit's keys are written twice."""
        if self._folder is None:
            yield
            return
        self._folder.mkdir(parents=True, exist_ok=True)
        with open(self._folder / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_COLUMNS = {"record_key": np.int16, "set_id": np.uint64, "slots": np.int32, "check_hash": np.uint64}
_EMPTY = (
    "NULL::BIGINT AS pseudonym, NULL::SMALLINT AS record_key, NULL::UBIGINT AS set_id, "
    "NULL::INTEGER AS slots, NULL::UBIGINT AS check_hash LIMIT 0"
)


def _numbers(table: pa.Table, name: str, dtype: type) -> np.ndarray:
    """A column as numbers, nulls (units not cached yet) as 0."""
    column = pc.fill_null(table.column(name), 0).combine_chunks()
    return np.array(column.to_numpy(zero_copy_only=False), dtype=dtype)  # writable


def _fresh(secret: bytes, pseudonyms: np.ndarray) -> pa.Table:
    """The cache rows of units not seen before: keys and fingerprint hashes."""
    keys = compute_keys(secret, pseudonyms)
    hashes = UnitHashes.of(keys.set_ids)
    return pa.table(
        {
            "pseudonym": pa.array(pseudonyms, pa.int64()),
            "record_key": pa.array(keys.record_keys.astype(np.int16), pa.int16()),
            "set_id": pa.array(keys.set_ids, pa.uint64()),
            "slots": pa.array(hashes.packed_slots, pa.int32()),
            "check_hash": pa.array(hashes.checks, pa.uint64()),
        },
        schema=SCHEMA,
    )


def _scan(paths: list[str]) -> str:
    listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listed}])"
