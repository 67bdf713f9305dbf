"""The key store: the keys of every unit seen so far under one secret, append-only and
positional.

Every unit ever keyed has a fixed *position*, and its pseudonym, keys and fingerprint
hashes sit at that position in plain arrays (lookup.py finds positions). On disk (one folder
per secret; its name is a hash of the secret, so a new master key starts a new folder) each
part is a folder `part-<first position>-<count>` of .npy files, mapped into memory rather
than read. A part appears whole (written aside, then renamed), merging parts keeps every
position, and a store folder that is deleted and started again gets a new id, so positions
taken from the old one are never read against the new. The files never leave the server and
are rebuildable: deleting the folder only costs computing the keys again (HMAC, about 1.4 s
per million units on one core)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np

from catalogue.domain.bounded_cache import BoundedCache

from .. import db
from ..output_control import UnitKeys
from ..output_control.cell_key import KeyArrays
from ..output_control.fingerprint import UnitHashes
from .lookup import KeySnapshot, PartIndex, bucket_index
from .record_keys import compute_keys

STORE_FORMAT = b"regcat-key-store-v4:"  # a new format starts a new folder
MAX_PARTS = 16  # more parts than this are merged into one (positions are kept)
_COLUMNS = {
    "pseudonym": np.int64,
    "record_key": np.int16,
    "set_id": np.uint64,
    "slots": np.int32,  # the unit's fingerprint cells, packed (fingerprint.py)
    "check_hash": np.uint64,
}
# Per part, its bucket index (see `bucket_index`): positions within the part, by bucket.
_INDEX_FILES = ("bucket_starts", "bucket_members")
_PART = re.compile(r"^part-(\d{12})-(\d{12})$")


def _snapshot(
    store_id: str, columns: dict[str, np.ndarray], indexes: tuple[PartIndex, ...] | None = None
) -> KeySnapshot:
    keys = UnitKeys(columns["record_key"], columns["set_id"])
    hashes = UnitHashes(columns["slots"], columns["check_hash"])
    if indexes is None:
        indexes = (bucket_index(columns["pseudonym"]),)
    return KeySnapshot(store_id, columns["pseudonym"], KeyArrays(keys, hashes), indexes)


def _empty_columns() -> dict[str, np.ndarray]:
    return {name: np.zeros(0, dtype=dtype) for name, dtype in _COLUMNS.items()}


def _joined(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Parts one after the other (a single part is used as it is: mapped, not copied)."""
    if not parts:
        return _empty_columns()
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in _COLUMNS}


# Snapshots loaded, by store folder, with the parts they were loaded from: mapped files are
# shared by every workspace of a catalogue. The runtime (services/runtime.py) owns one and
# gives it to every key cache of its catalogue; a key cache made without one loads alone.
LoadedSnapshots = BoundedCache[Path, tuple[tuple[str, ...], KeySnapshot]]


def loaded_snapshots(max_stores: int) -> LoadedSnapshots:
    return BoundedCache("loaded key stores", max_stores)


class KeyCache:
    """Keys of every unit seen so far under one secret, in a store in `folder` (None keeps
    them in this object only: for tests and throw-away workspaces)."""

    def __init__(
        self,
        secret: bytes,
        folder: Path | None,
        max_parts: int = MAX_PARTS,
        loaded: LoadedSnapshots | None = None,
    ) -> None:
        self._secret = secret
        self._loaded = loaded if loaded is not None else loaded_snapshots(1)
        self._max_parts = max_parts
        name = hashlib.sha256(STORE_FORMAT + secret).hexdigest()[:16]
        self._folder = folder / name if folder is not None else None
        self._memory: KeySnapshot | None = None  # the store when there is no folder

    def __repr__(self) -> str:  # never show the secret
        return f"KeyCache({self._folder})"

    def snapshot(self) -> KeySnapshot:
        new_store = self._folder is not None and not (self._folder / "store-id").exists()
        with self._lock(fcntl.LOCK_EX if new_store else fcntl.LOCK_SH):
            return self._load()

    def add(
        self, con: duckdb.DuckDBPyConnection, units_sql: str, ordered: bool = False
    ) -> tuple[KeySnapshot, int]:
        """Computes and stores the keys of the distinct non-null pseudonyms `units_sql`
        yields (its first column) that the store lacks. With `ordered`, its second column
        orders them: new units are stored in the order of their first appearance (see
        `units_in_file_order`), else by pseudonym. Returns the store with them and how
        many distinct units were asked for."""
        order = "MIN(q.o)" if ordered else "0"
        columns = "q(p, o)" if ordered else "q(p)"
        found = db.arrays(
            con,
            f"SELECT CAST(q.p AS BIGINT) AS p, {order} AS o FROM ({units_sql}) AS {columns} "
            "WHERE q.p IS NOT NULL GROUP BY 1",
        )
        asked = np.asarray(found["p"], dtype=np.int64)
        first_seen = np.asarray(found["o"], dtype=np.int64)
        return self.add_units(asked[np.lexsort((asked, first_seen))]), len(asked)

    def add_units(self, pseudonyms: np.ndarray) -> KeySnapshot:
        """Stores the keys of the distinct `pseudonyms` the store lacks, in the order they
        first appear; returns the store with them."""
        with self._lock(fcntl.LOCK_EX):
            current = self._load()
            asked = np.asarray(pseudonyms, dtype=np.int64)
            fresh = asked[current.locate(asked) < 0]
            if len(fresh) == 0:
                return current
            distinct, first = np.unique(fresh, return_index=True)
            return self._append(current, _fresh(self._secret, distinct[np.argsort(first)]))

    # --- the store ------------------------------------------------------------------

    def _load(self) -> KeySnapshot:
        if self._folder is None:
            if self._memory is None:
                self._memory = _snapshot(uuid.uuid4().hex, _empty_columns())
            return self._memory
        store_id = self._store_id()
        chain = self._chain()
        names = (store_id, *[path.name for path in chain])
        known = self._loaded.get(self._folder)
        if known is not None and known[0] == names:
            return known[1]
        parts = [_read_part(path) for path in chain]
        indexes = tuple(index for _, index in parts)
        snapshot = _snapshot(store_id, _joined([columns for columns, _ in parts]), indexes)
        self._loaded.put(self._folder, (names, snapshot))
        return snapshot

    def _append(self, current: KeySnapshot, fresh: dict[str, np.ndarray]) -> KeySnapshot:
        if len(current) + len(fresh["pseudonym"]) > np.iinfo(np.int32).max:
            raise RuntimeError("the key store is full: positions are 32-bit")  # 2 billion units
        if self._folder is None:
            self._memory = _snapshot(current.store_id, _joined([_columns_of(current), fresh]))
            return self._memory
        if self._store_id() != current.store_id:  # deleted and started again meanwhile
            raise RuntimeError("the key store was replaced while keys were added; try again")
        _write_part(self._folder, len(current), fresh)
        chain = self._chain()
        if len(chain) > self._max_parts:
            _write_part(self._folder, 0, _joined([_read_part(p)[0] for p in chain]))
        self._remove_leftovers()
        return self._load()

    def _remove_leftovers(self) -> None:
        """Parts a merge superseded and parts a crash left half written (writers only:
        readers hold the shared lock, so none is reading them)."""
        assert self._folder is not None
        kept = set(self._chain())
        for path in self._folder.iterdir():
            ours = _PART.match(path.name) or path.name.startswith(".partial-")
            if ours and path.is_dir() and path not in kept:
                shutil.rmtree(path, ignore_errors=True)

    def _chain(self) -> list[Path]:
        """The parts that make the store: from position 0, at each start the longest part
        (a merged part supersedes the parts it was made of)."""
        assert self._folder is not None
        by_start: dict[int, tuple[int, Path]] = {}
        if self._folder.exists():
            for path in self._folder.iterdir():
                match = _PART.match(path.name)
                if match:
                    start, count = int(match[1]), int(match[2])
                    if count > by_start.get(start, (-1, path))[0]:
                        by_start[start] = (count, path)
        chain, at = [], 0
        while at in by_start and by_start[at][0] > 0:
            count, path = by_start[at]
            chain.append(path)
            at += count
        return chain

    def _store_id(self) -> str:
        assert self._folder is not None
        path = self._folder / "store-id"
        if not path.exists():
            self._folder.mkdir(parents=True, exist_ok=True)
            partial = self._folder / f".store-id.{uuid.uuid4().hex}"
            partial.write_text(uuid.uuid4().hex)
            os.replace(partial, path)
        return path.read_text().strip()

    @contextmanager
    def _lock(self, kind: int) -> Iterator[None]:
        """Writers one at a time, so no unit is stored twice; readers never see a merge
        half done. A lock taken on the lock file of a store deleted meanwhile is no lock
        on the store that replaced it: it is taken again."""
        if self._folder is None:
            yield
            return
        path = self._folder / ".lock"
        while True:
            self._folder.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")  # noqa: SIM115 - closed below, or by the with
            fcntl.flock(handle, kind)
            try:
                current = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                current = False
            if current:
                break
            handle.close()  # closing releases the lock
        with handle:
            try:
                if kind == fcntl.LOCK_EX:
                    self._store_id()  # created under the writers' lock only
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def units_in_file_order(paths: list[list[str]]) -> str:
    """SQL of (unit, order) over released Parquet files, `paths` grouped by dataset: the
    order is the unit's place in the files, dataset by dataset. Registers extracted from one
    source list their units in one order, so a store filled in this order numbers a
    dataset's units ascending in its file order; a workspace's rows, which follow that order,
    then read their keys nearly in sequence (several times faster than at random).

    One scan of all the files, each row's file numbered by a join on its name: a UNION ALL
    of one scan per file cost DuckDB 3.0 s of CPU for the 2,254 files of the microdata.no-
    shaped datastore of the tests (722 datasets), this 0.8 s, with the same units and order.
    `union_by_name` gives the files' unit columns one type as a UNION ALL does."""
    flat = [path for dataset_paths in paths for path in dataset_paths]
    if not flat:
        return "SELECT NULL::BIGINT, 0 WHERE false"
    files = "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in flat) + "]"
    return (
        "SELECT r.unit_id, f.number * 4294967296 + r.file_row_number "
        f"FROM read_parquet({files}, file_row_number = true, filename = true, "
        "union_by_name = true) AS r "
        f"JOIN (SELECT UNNEST({files}) AS filename, "
        f"UNNEST(range({len(flat)})) AS number) AS f ON r.filename = f.filename"
    )


def _columns_of(snapshot: KeySnapshot) -> dict[str, np.ndarray]:
    hashes = snapshot.arrays.hashes()
    return {
        "pseudonym": snapshot.pseudonyms,
        "record_key": snapshot.arrays.record_keys.astype(np.int16),
        "set_id": snapshot.arrays.set_ids,
        "slots": hashes.packed_slots,
        "check_hash": hashes.checks,
    }


def _fresh(secret: bytes, pseudonyms: np.ndarray) -> dict[str, np.ndarray]:
    """The store columns of units not seen before: keys and fingerprint hashes."""
    keys = compute_keys(secret, pseudonyms)
    hashes = UnitHashes.of(keys.set_ids)
    return {
        "pseudonym": pseudonyms.astype(np.int64),
        "record_key": keys.record_keys.astype(np.int16),
        "set_id": keys.set_ids.astype(np.uint64),
        "slots": hashes.packed_slots.astype(np.int32),
        "check_hash": hashes.checks.astype(np.uint64),
    }


def _write_part(folder: Path, start: int, columns: dict[str, np.ndarray]) -> Path:
    count = len(columns["pseudonym"])
    final = folder / f"part-{start:012d}-{count:012d}"
    partial = folder / f".partial-{uuid.uuid4().hex}"
    partial.mkdir()  # never makes a deleted store's folder again
    for name, dtype in _COLUMNS.items():
        np.save(partial / f"{name}.npy", np.ascontiguousarray(columns[name], dtype=dtype))
    index = bucket_index(columns["pseudonym"])
    for name, array in zip(_INDEX_FILES, (index.starts, index.members), strict=True):
        np.save(partial / f"{name}.npy", array)
    os.rename(partial, final)  # readers see the whole part or none of it
    return final


def _read_part(path: Path) -> tuple[dict[str, np.ndarray], PartIndex]:
    columns = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in _COLUMNS}
    starts, members = (np.load(path / f"{name}.npy", mmap_mode="r") for name in _INDEX_FILES)
    match = _PART.match(path.name)
    start, count = (int(match[1]), int(match[2])) if match else (0, -1)
    bits = max(len(starts) - 2, 0).bit_length()
    if (
        any(len(column) != count for column in columns.values())
        or len(members) != count
        or len(starts) != (1 << bits) + 1
        or starts.dtype != np.int32
        or members.dtype != np.int32
        or int(starts[-1]) != count
    ):
        raise RuntimeError(
            f"The key store part {path} is damaged (not {count} units in every array). "
            "Delete the key store folder: the keys are computed again when next needed."
        )
    return columns, PartIndex(start, bits, starts, members)
