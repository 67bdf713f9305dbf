"""The key store: each unit's keys computed once, at a position that never changes (not by
later units, not by merging parts), found again fast (the compiled lookup finds what sorting
finds), shared safely between writers, and forgotten whole when its folder is deleted."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from catalogue.analysis.output_control import KeyTable, UnitKeys
from catalogue.analysis.output_control.cell_key import derive_keys
from catalogue.analysis.output_control.fingerprint import UnitHashes
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys import lookup as lookup_module
from catalogue.analysis.unit_keys.lookup import locate_by_sorting
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_support as support
from tests.test_output_control_helpers import SECRET, pseudonyms


def _con(units: np.ndarray) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("units", pa.table({"u": units, "i": np.arange(len(units))}))
    return con


def _key_table(cache: KeyCache, con: duckdb.DuckDBPyConnection, units_sql: str) -> KeyTable:
    """The keys of the units asked for (and of every unit stored before them)."""
    store, _ = cache.add(con, units_sql)
    arrays = store.arrays
    return KeyTable(np.asarray(store.pseudonyms), UnitKeys(arrays.record_keys, arrays.set_ids))


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.rglob("part-*"))


def _assert_keys_right(store: Any) -> None:
    expected = derive_keys(SECRET, np.asarray(store.pseudonyms))
    assert np.array_equal(store.arrays.record_keys, expected.record_keys)
    assert np.array_equal(store.arrays.set_ids, expected.set_ids)
    hashes = UnitHashes.of(expected.set_ids)
    assert np.array_equal(store.arrays.hashes().packed_slots, hashes.packed_slots)
    assert np.array_equal(store.arrays.hashes().checks, hashes.checks)


def test_each_unit_is_computed_once(tmp_path: Path) -> None:
    units = np.arange(-500, 1500, dtype=np.int64) * 7919
    con = _con(units)
    cache = KeyCache(SECRET, tmp_path)
    table = _key_table(cache, con, "SELECT u FROM units WHERE u < 0")
    assert len(_parts(tmp_path)) == 1
    parts = _parts(tmp_path)
    again = _key_table(KeyCache(SECRET, tmp_path), con, "SELECT u FROM units WHERE u < 0")
    assert _parts(tmp_path) == parts  # nothing new to compute
    everything = _key_table(cache, con, "SELECT u FROM units")
    assert len(_parts(tmp_path)) == 2
    expected = derive_keys(SECRET, units)
    found = everything.keys(units)
    assert np.array_equal(found.record_keys, expected.record_keys)
    assert np.array_equal(found.set_ids, expected.set_ids)
    negative = units[units < 0]
    assert np.array_equal(table.keys(negative).set_ids, again.keys(negative).set_ids)
    store = KeyCache(SECRET, tmp_path).snapshot()
    assert len(store) == len(units) == len(set(np.asarray(store.pseudonyms).tolist()))
    _assert_keys_right(store)
    KeyCache(b"another-secret-of-enough-bytes!!", tmp_path).add(con, "SELECT u FROM units")
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2  # a folder per secret


def test_positions_never_move_as_units_are_added_and_parts_merged(tmp_path: Path) -> None:
    units = pseudonyms(3000, seed=21)
    con = _con(units)
    cache = KeyCache(SECRET, tmp_path, max_parts=3)
    seen: dict[int, int] = {}
    for batch in range(6):  # six parts: merged into one on the way
        store, asked = cache.add(con, f"SELECT u FROM units WHERE i // 500 = {batch}")
        assert asked == 500
        at = {int(p): i for i, p in enumerate(np.asarray(store.pseudonyms))}
        assert all(at[p] == i for p, i in seen.items())  # nothing moved
        seen = at
    assert len(_parts(tmp_path)) < 6  # merged
    store = KeyCache(SECRET, tmp_path).snapshot()
    batches = [np.sort(units[i : i + 500]) for i in range(0, 3000, 500)]
    assert np.array_equal(np.asarray(store.pseudonyms), np.concatenate(batches))
    _assert_keys_right(store)


def test_writers_at_once_store_each_unit_once(tmp_path: Path) -> None:
    units = pseudonyms(4000, seed=22)
    con_units = [_con(units) for _ in range(4)]
    errors: list[BaseException] = []

    def add(con: duckdb.DuckDBPyConnection, offset: int) -> None:
        try:  # overlapping halves of the units, from separate caches (as processes would)
            KeyCache(SECRET, tmp_path).add(
                con, f"SELECT u FROM units WHERE i >= {offset} AND i < {offset + 2000}"
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(c, 500 * i)) for i, c in enumerate(con_units)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    store = KeyCache(SECRET, tmp_path).snapshot()
    stored = np.asarray(store.pseudonyms)
    assert len(stored) == len(set(stored.tolist())) == 3500
    _assert_keys_right(store)


def test_a_store_in_memory_keeps_positions_too() -> None:
    units = pseudonyms(1000, seed=23)
    con = _con(units)
    cache = KeyCache(SECRET, None)
    first, _ = cache.add(con, "SELECT u FROM units WHERE i < 400")
    second, asked = cache.add(con, "SELECT u FROM units")
    assert asked == 1000 and len(second) == 1000
    assert np.array_equal(np.asarray(second.pseudonyms)[:400], np.asarray(first.pseudonyms))
    _assert_keys_right(second)


def _table(ws: Workspace) -> Any:
    plan = ws.prepare("tabulate", {"vars": ["kjonn", "utdanning"]})
    return [item.result.rows for item in plan.release(support.control_context(ws))]


def test_a_store_started_again_is_never_read_with_old_positions(
    pinned: Any, tmp_path: Path
) -> None:
    """Deleting the store while a workspace lives: its next rows find their keys in the
    new store, so its tables stay those of a fresh workspace."""
    folder = tmp_path / "keys"
    steps = parse_steps(support.ISSUE_STEPS)
    living = Workspace(pinned, key_cache=KeyCache(support.SECRET, folder))
    fresh = Workspace(pinned, key_cache=KeyCache(support.SECRET, tmp_path / "other"))
    try:
        # Fill the store in an order unlike the rows', so old and new positions differ.
        con = _con(pseudonyms(5000, seed=24))
        KeyCache(support.SECRET, folder).add(con, "SELECT u FROM units")
        living.apply(steps)
        before = _table(living)
        shutil.rmtree(folder)
        living.apply(parse_steps([{"keep_if": "alder >= 0"}]))
        fresh.apply([*steps, *parse_steps([{"keep_if": "alder >= 0"}])])
        assert _table(living) == _table(fresh)
        assert before == _table(fresh)
        assert len(KeyCache(support.SECRET, folder).snapshot()) > 0  # computed again
    finally:
        living.close()
        fresh.close()


def _queries(stored: np.ndarray, kind: str) -> np.ndarray:
    rng = np.random.default_rng(17)
    strangers = np.arange(1, 301, dtype=np.int64)  # pseudonyms() are all ≥ 10^12
    if kind == "store order, some skipped":
        return stored[rng.random(len(stored)) < 0.9]
    if kind == "shuffled":
        return rng.permutation(stored)
    if kind == "each unit on several rows":
        return np.repeat(stored[::3], 3)
    return np.concatenate([stored[:100], strangers, stored[100:5000], strangers[::-1]])


@pytest.mark.parametrize(
    "kind",
    ["store order, some skipped", "shuffled", "each unit on several rows", "with units not stored"],
)
def test_the_compiled_lookup_finds_what_sorting_finds(tmp_path: Path, kind: str) -> None:
    assert lookup_module._locate is not None, "the C extension was not built"
    stored = pseudonyms(20_000, seed=31)
    cache = KeyCache(SECRET, tmp_path)
    for chunk in np.array_split(stored, 3):  # three parts, each with its own index
        cache.add_units(chunk)
    snapshot = cache.snapshot()
    assert len(snapshot.indexes) == 3
    queries = _queries(stored, kind)
    found = snapshot.locate(queries)
    assert np.array_equal(found, locate_by_sorting(queries, np.asarray(snapshot.pseudonyms)))
    known = found >= 0
    assert np.array_equal(np.asarray(snapshot.pseudonyms)[found[known]], queries[known])
    assert int((~known).sum()) == (600 if kind == "with units not stored" else 0)


def test_a_damaged_part_is_refused_with_its_name(tmp_path: Path) -> None:
    cache = KeyCache(SECRET, tmp_path)
    cache.add_units(pseudonyms(1000, seed=32))
    (part,) = _parts(tmp_path)
    np.save(part / "bucket_members.npy", np.zeros(10, dtype=np.int32))
    with pytest.raises(RuntimeError, match=part.name):
        KeyCache(SECRET, tmp_path).snapshot()  # its own loaded snapshots: as a new process
