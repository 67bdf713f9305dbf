"""Each row's units' positions in the key store, found once per generation of rows.

Statistics hand output control key positions, never pseudonyms. Rather than a column joined
onto the rows (a hash join of every row against the whole store, the dearest part of an
import), the positions live here, indexed by DuckDB's `rowid`: a statistic selects
`w.rowid` with its values and reads positions through `RowKeys`. Tables are only ever made
whole (CREATE TABLE AS) and updated in place, never deleted from, so a rowid names one row
for the life of its table; a new table is a new generation with positions of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from .. import db
from ..variables import PROTECT_COLUMN, UNIT_COLUMN
from .lookup import KeySnapshot
from .store import KeyCache


@dataclass(frozen=True, eq=False)
class RowKeys:
    """By rowid: the key store position of each row's workspace unit and of its protected
    unit (the same array when every row's protected unit is its unit)."""

    snapshot: KeySnapshot
    unit_positions: np.ndarray  # int64: what output control takes, converted once
    protected_positions: np.ndarray  # int64
    rowids_are_rows: bool  # rowids 0 … n − 1: a scan in table order gives them unasked

    def units(self, rowids: np.ndarray) -> np.ndarray:
        return _checked(self.unit_positions[np.asarray(rowids, dtype=np.int64)])

    def protected(self, rowids: np.ndarray) -> np.ndarray:
        return _checked(self.protected_positions[np.asarray(rowids, dtype=np.int64)])

    def units_where(
        self, con: duckdb.DuckDBPyConnection, table: str, where: str, params: Sequence[object] = ()
    ) -> np.ndarray:
        """The units (key positions) of the rows of `table` (named w) where `where` holds.
        In table order a true/false per row says it: an eighth of a rowid's bytes."""
        if not self.rowids_are_rows:
            found = db.arrays(con, f'SELECT w.rowid AS r FROM "{table}" AS w WHERE {where}', params)
            return self.units(found["r"])
        sql = f'SELECT COALESCE({where}, FALSE) AS ok FROM "{table}" AS w'
        chosen = np.asarray(_in_table_order(con, sql, params)["ok"], dtype=bool)
        return _checked(self.unit_positions[chosen])


def _checked(found: np.ndarray) -> np.ndarray:
    if len(found) and int(found.min()) < 0:  # a row without a unit: never read as position -1
        raise RuntimeError("a row has no unit key")
    return found


def find_row_keys(con: duckdb.DuckDBPyConnection, table: str, cache: KeyCache) -> RowKeys:
    """Positions of every row's units, adding to the store the units it lacks (in row order,
    which follows the released files: see store.units_in_file_order)."""
    count, top, same = db.one(
        con,
        f'SELECT COUNT(*), COALESCE(MAX(rowid), -1), COALESCE(BOOL_AND("{PROTECT_COLUMN}" = '
        f'"{UNIT_COLUMN}"), TRUE) FROM "{table}"',
    )
    columns = f'"{UNIT_COLUMN}" AS u' + ("" if same else f', "{PROTECT_COLUMN}" AS p')
    if count == top + 1:  # rowids 0 … count − 1: rows read in table order need no rowid
        fetched = _in_table_order(con, f'SELECT {columns} FROM "{table}"')
        rowids = None
    else:
        fetched = db.arrays(con, f'SELECT rowid AS r, {columns} FROM "{table}"')
        rowids = np.asarray(fetched["r"], dtype=np.int64)
    asked = [_pseudonyms(fetched["u"])] + ([] if same else [_pseudonyms(fetched["p"])])
    # Twice at most: a store started again meanwhile (its folder deleted) numbers anew.
    for _ in range(3):
        snapshot = cache.snapshot()
        found = [_positions_of(snapshot, units, valid) for units, valid in asked]
        lacking = [units[(at < 0) & valid] for (units, valid), at in zip(asked, found, strict=True)]
        if any(len(units) for units in lacking):
            grown = cache.add_units(np.concatenate(lacking))
            if grown.store_id != snapshot.store_id:
                continue
            snapshot = grown
            for (units, valid), at in zip(asked, found, strict=True):
                again = np.flatnonzero((at < 0) & valid)
                at[again] = snapshot.locate(units[again])
        by_rowid = [
            at.astype(np.int64) if rowids is None else _by_rowid(rowids, at, int(top) + 1)
            for at in found
        ]
        return RowKeys(snapshot, by_rowid[0], by_rowid[-1], rowids is None)
    raise RuntimeError("the key store kept changing while rows were given their keys")


def _in_table_order(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> dict[str, np.ndarray]:
    """A scan of one table returns its rows in rowid order when insertion order is kept
    (DuckDB's documented guarantee); workspaces otherwise let the engine reorder."""
    (kept,) = db.one(con, "SELECT current_setting('preserve_insertion_order')")
    con.execute("SET preserve_insertion_order = true")
    try:
        return db.arrays(con, sql, params)
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if kept else 'false'}")


def _pseudonyms(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pseudonyms fetched, and which rows have one (not NULL)."""
    if isinstance(column, np.ma.MaskedArray):
        valid = ~np.ma.getmaskarray(column)
        return np.ma.filled(column.astype(np.int64), 0), valid
    units = np.asarray(column, dtype=np.int64)
    return units, np.ones(len(units), dtype=bool)


def _positions_of(snapshot: KeySnapshot, units: np.ndarray, valid: np.ndarray) -> np.ndarray:
    at = snapshot.locate(units)
    at[~valid] = -1  # a row without a unit has no key (reading it is refused)
    return at


def _by_rowid(rowids: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, -1, dtype=np.int64)
    out[rowids] = positions
    return out
