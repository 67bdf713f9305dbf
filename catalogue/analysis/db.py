"""Reading from DuckDB. Queries that return rows go through relations (`con.sql`), which
hold no result on the connection between calls; statements that change the database go
through `con.execute`. Mixing the two ways of reading makes DuckDB refuse the next query."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa


def _params(params: Sequence[object]) -> list[object] | None:
    return list(params) if params else None


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> list[tuple[Any, ...]]:
    return con.sql(sql, params=_params(params)).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
    found = rows(con, sql, params)
    if len(found) != 1:
        raise RuntimeError(f"expected one row, got {len(found)}")
    return tuple(found[0])


def arrays(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> dict[str, np.ndarray]:
    return con.sql(sql, params=_params(params)).fetchnumpy()


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> pa.Table:
    return con.sql(sql, params=_params(params)).to_arrow_table()


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Any]) -> Iterator[None]:
    """The tables (Arrow tables or datasets) visible to `con` under their names for the
    block, and unregistered after it however it ends: a registered table keeps its memory
    and its name, and the next registration under that name would meet it."""
    done: list[str] = []
    try:
        for name, table in tables.items():
            con.register(name, table)
            done.append(name)
        yield
    finally:
        for name in done:
            con.unregister(name)
