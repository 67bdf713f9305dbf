"""The complete cases of a time-to-event model grouped by (time, event, pattern) in DuckDB:
the sufficient statistics Cox (Efron's likelihood) and Weibull fit from. One query for both,
so that the two models of one question read the same cells."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from ... import db
from ...variables import Variable
from .common import DataView, number_sql
from .cox import Cells
from .design import Patterns, encode_factors, grouped_sql


def event_cells(view: DataView, time: Variable, event: Variable, patterns: Patterns) -> Cells:
    """Per (time, event, pattern): the time, whether the event happened, the rows and the
    design row."""
    leading = [number_sql(time), f"CAST({number_sql(event)} <> 0 AS DOUBLE)"]
    table = db.arrow(
        view.con, grouped_sql(view, patterns.factors, time, patterns.where, leading=leading)
    )
    view.check_memory(table.num_rows, len(patterns.columns) + len(patterns.factors) + 4)
    raw, levels = encode_factors(view, table, patterns.factors, patterns.levels)
    n = _floats(table, "n")
    rows = dataclasses.replace(patterns, raw=raw, levels=levels, n=n)
    x = rows.every_design()
    return Cells(_floats(table, "g0"), _floats(table, "g1"), n, x)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
