"""The rows of a model as output control's evidence needs them (output_control/
model_support.py): each complete case's protected unit, outcome and regressor pattern.

The fit itself runs on the patterns (design.py); the evidence needs the rows too, to count
the distinct units behind every regressor value and cell and to key the model's noise by
every unit's values. One query reads them: each row's pattern is found by joining the rows
to the few patterns on the factors' values (a hash join against a small table), and read
with the row's id and its outcome. (Reading every row in table order instead, with DuckDB's
hash of its factors to find its pattern, saves reading the ids but measured slower: the
scan must then keep its order and read the rows outside the model too.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from ... import db
from ...output_control import ModelEvidence, PositionKeys, Term, model_evidence
from ...output_control.model_support import majority_value
from ...variables import Variable
from .common import DataView, col, number_sql
from .design import Patterns, factor_sql

PATTERNS_TABLE = "regcat_model_patterns"
# Above this many rows the outcome's most common value is looked for at its median only.
EXACT_MODE_ROWS = 100_000


def _rows(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    cluster: Variable | None,
    also: Variable | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per complete case: its protected unit's key position, and its pattern (g), outcome
    (y) and, with a cluster variable, a hash of its cluster (c), with `also` its value (a)."""
    rows = _rows_joined(view, y, patterns, cluster, also)
    return view.rows.protected(rows.pop("r")), rows


def _rows_joined(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    cluster: Variable | None,
    also: Variable | None = None,
) -> dict[str, np.ndarray]:
    # The cluster's MD5 (its text's): the same value hashes alike in every process and
    # DuckDB version, as a registered model's pairs must (output_control/pair_sets.py).
    outcome = f"{number_sql(y)} AS y" + (
        "" if cluster is None else f", md5_number_lower(CAST({col(cluster)} AS VARCHAR)) AS c"
    )
    if also is not None:
        outcome += f", {number_sql(also)} AS a"
    if not patterns.factors:
        return db.arrays(
            view.con,
            f'SELECT w.rowid AS r, 0 AS g, {outcome} FROM "{view.table}" AS w '
            f"WHERE {patterns.where}",
        )
    assert patterns.grouped is not None
    keyed = patterns.grouped.append_column("g", pa.array(np.arange(patterns.grouped.num_rows)))
    on = " AND ".join(f"{factor_sql(factor)} = p.x{k}" for k, factor in enumerate(patterns.factors))
    with db.registered(view.con, {PATTERNS_TABLE: keyed}):
        return db.arrays(
            view.con,
            f'SELECT w.rowid AS r, p.g AS g, {outcome} FROM "{view.table}" AS w '
            f"JOIN {PATTERNS_TABLE} AS p ON {on} WHERE {patterns.where}",
        )


def _groupings(patterns: Patterns) -> list[tuple[str, np.ndarray]]:
    """Per pattern the level of each categorical factor, and the combination of levels of
    each set of categorical factors that interact in a term."""
    found: list[tuple[str, np.ndarray]] = []
    categorical = [f for f in patterns.factors if f.categorical]
    for factor in categorical:
        found.append((factor.key, patterns.raw[factor.key].astype(np.int64)))
    together = {
        tuple(sorted({f.key for f, level in column.parts if level is not None}))
        for column in patterns.columns
    }
    for keys in sorted(k for k in together if len(k) >= 2):
        combined = np.zeros(len(patterns.n), dtype=np.int64)
        for key in keys:
            combined = combined * (len(patterns.levels[key]) + 1) + patterns.raw[key].astype(
                np.int64
            )
        found.append(("#".join(keys), combined))
    return found


def outcome_mode(values: np.ndarray) -> float | None:
    """The most common outcome value, exactly for few rows. For many rows, the value held
    by more than half of them if there is one (a majority vote, one compiled pass; numpy
    takes the median, which is that value too): when no value holds half the rows, more
    than half lie away from the most common value, far more than any minimum the check
    could ask of them, whichever value is taken for it."""
    if len(values) == 0:
        return None
    if len(values) <= EXACT_MODE_ROWS:
        distinct, counts = np.unique(values, return_counts=True)
        return float(distinct[int(np.argmax(counts))])
    return majority_value(np.ascontiguousarray(values, dtype=np.float64))


@dataclass(frozen=True, eq=False)
class ModelRows:
    """A model's complete cases: per row its protected unit's key position, its pattern and
    its outcome, and a hash of its cluster when the standard errors are clustered by a
    variable (the model's pairs hold it: the clusters are part of what it answers); `also`:
    a second per-row value a family needs besides its outcome (Cox: the event indicator
    beside the time), read with the row so the two stay aligned."""

    units: np.ndarray
    pattern: np.ndarray
    y: np.ndarray
    cluster: np.ndarray | None = None
    also: np.ndarray | None = None


def model_rows(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    cluster: Variable | None = None,
    also: Variable | None = None,
) -> ModelRows:
    """The model's rows, read once for its evidence and its fit statistics."""
    view.check_memory(int(patterns.n.sum()), 4 + (cluster is not None) + (also is not None))
    units, found = _rows(view, y, patterns, cluster, also)
    return ModelRows(
        units,
        np.asarray(found["g"], dtype=np.int64),
        np.asarray(found["y"], dtype=np.float64),
        None if cluster is None else np.asarray(found["c"], dtype=np.uint64),
        None if also is None else np.asarray(found["a"], dtype=np.float64),
    )


def rows_evidence(
    view: DataView,
    rows: ModelRows,
    design: np.ndarray,
    terms: Sequence[Term],
    patterns: Patterns,
    weights: np.ndarray | None = None,
    *,
    outcome: np.ndarray | None = None,
    **options: Any,
) -> ModelEvidence:
    """output_control's model_evidence of a model read by model_rows: each row's unit,
    outcome (`outcome`, else its y) and pattern, `design` (one row per pattern of
    `patterns`, one column per term of `terms`) and the cells of `patterns`' categorical
    factors; `options` as model_evidence takes them."""
    return model_evidence(
        PositionKeys(view.rows.snapshot.arrays),
        rows.units,
        rows.y if outcome is None else outcome,
        rows.pattern,
        design,
        terms,
        _groupings(patterns),
        weights,
        **options,
    )


def survival_evidence(
    view: DataView,
    rows: ModelRows,
    patterns: Patterns,
    fitted_design: np.ndarray,
    design: np.ndarray,
    weights: np.ndarray | None,
    residuals: np.ndarray | None,
    estimable: bool,
    **options: Any,
) -> ModelEvidence:
    """The evidence of a time-to-event model (cox, weibull) over rows read with the event as
    `also`: each row's time and event in one outcome (2·time + event), `fitted_design` the
    design the fit scores (one row per pattern), asked about the `design` as given; the
    residuals are the model's own (its fitted per pattern is 0); the events are an outcome
    class of their own, overall and per cell (`events`, for every family); `options` as
    model_evidence takes them."""
    assert rows.also is not None
    outcome = 2.0 * rows.y + (rows.also != 0)
    options.setdefault("events", rows.also != 0)
    return rows_evidence(
        view,
        rows,
        fitted_design,
        patterns.terms(),
        patterns,
        weights,
        outcome=outcome,
        fitted=None if residuals is None else np.zeros(len(patterns.n)),
        dispersion=1.0,
        estimable=estimable,
        asked=(outcome, design),
        residuals=residuals,
        **options,
    )


def evidence_of(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    *,
    fitted: np.ndarray | None,
    weights: np.ndarray | None = None,
    dispersion: float | None = None,
    binary: bool = False,
    estimable: bool = True,
    rows: ModelRows | None = None,
    score_scale: np.ndarray | None = None,
    linear: bool = False,
    flips: bool = False,
) -> ModelEvidence:
    """The evidence of a model fitted on `patterns` (`fitted`: the fitted mean per pattern,
    None if it could not be estimated; `weights`: the fit's per pattern; `dispersion`: the
    family's known one, None to estimate it; `rows`: the model's rows if already read;
    `score_scale`: per pattern dℓ/dη over y − μ when the link is not canonical; `linear`:
    the model is linear in its outcome, whose affine images are then the same model;
    `flips`: a 0/1 outcome under a symmetric link, 1 − y the same model negated)."""
    view.check_memory(len(patterns.n), len(patterns.columns) + 4)
    if rows is None:
        rows = model_rows(view, y, patterns)
    design = patterns.every_design()
    return rows_evidence(
        view,
        rows,
        design,
        patterns.terms(),
        patterns,
        weights,
        fitted=fitted,
        dispersion=dispersion,
        binary_outcome=binary,
        outcome_mode=None if binary else outcome_mode(rows.y),
        estimable=estimable,
        clusters=rows.cluster,
        score_scale=score_scale,
        linear_outcome=linear,
        flips=flips,
    )
