"""collapse and aggregate by a variable.

- collapse: one row per group; the group becomes the workspace's unit. Grouping by a UNIT
  variable (a person's mother) makes the workspace one of those units (mothers, with their
  own pseudonyms, so more of their variables can be imported). Grouping by any other
  variable (a municipality code) makes a workspace of groups; each group's internal
  identifier is a hash of the variable's origin and the value, so the same group always
  has the same identifier (and output control the same noise for it).
- aggregate: every row gets its group's statistic; the unit stays what it was.

Group statistics are new variables whose every output is controlled like any other; the
unit-change rule is not applied to them (a statistic of a one-member group equals that
member's value, which is no different from the value itself)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa

from catalogue.domain.errors import invalid_input

from . import db
from .linking import PERSON, person_link
from .state import State, StepContext
from .steps import Group, GroupStatistic
from .variables import PROTECT_COLUMN, UNIT_COLUMN, Kind, Schema, Variable

NUMERIC = (Kind.NUMBER, Kind.BOOL)
ORDERED = (Kind.NUMBER, Kind.DATE, Kind.STRING, Kind.BOOL)


def _statistic_sql(statistic: str, column: str) -> tuple[str, bool]:
    """SQL of a group statistic of `column`, and whether it needs a number."""
    number = f"CAST({column} AS DOUBLE)"
    return {
        "count": (f"CAST(COUNT({column}) AS DOUBLE)", False),
        "sum": (f"SUM({number})", True),
        "mean": (f"AVG({number})", True),
        "sd": (f"STDDEV_SAMP({number})", True),
        "median": (f"MEDIAN({number})", True),
        "min": (f"MIN({column})", False),
        "max": (f"MAX({column})", False),
    }[statistic]


def _result_kind(statistic: GroupStatistic, source: Variable) -> Kind:
    if statistic.statistic == "count":
        return Kind.NUMBER
    if source.kind == Kind.UNIT:
        raise invalid_input(
            "identifier-variable",
            f"«{source.name}» holder enhetsidentifikatorer; av dem kan bare count beregnes.",
            f"'{source.name}' holds unit identifiers; only count can be computed from them.",
            name=source.name,
        )
    if statistic.statistic in ("min", "max"):
        return source.kind
    if source.kind not in NUMERIC:
        raise invalid_input(
            "group-statistic-needs-number",
            f"{statistic.statistic} krever tall, men «{source.name}» er {source.kind.value}.",
            f"{statistic.statistic} needs numbers, but '{source.name}' is {source.kind.value}.",
            name=source.name,
        )
    return Kind.NUMBER


def apply_group(ctx: StepContext, state: State, step: Group) -> State:
    table = state.require_population()
    by = state.schema.get(step.by)
    planned = []
    seen: set[str] = set()
    for statistic in step.statistics:
        source = state.schema.get(statistic.variable)
        kind = _result_kind(statistic, source)
        if (
            statistic.name.lower() in seen
            or (not step.collapse and statistic.name in state.schema)
            or (
                step.collapse and by.kind != Kind.UNIT and statistic.name.lower() == by.name.lower()
            )
        ):
            raise invalid_input(
                "variable-exists",
                f"Navnet «{statistic.name}» er allerede i bruk.",
                f"The name '{statistic.name}' is already in use.",
                name=statistic.name,
            )
        seen.add(statistic.name.lower())
        planned.append((statistic, source, kind))
    if step.collapse:
        return _collapse(ctx, state, table, by, planned)
    return _aggregate(ctx, state, table, by, planned)


def _aggregate(
    ctx: StepContext, state: State, table: str, by: Variable, planned: list[Any]
) -> State:
    schema = state.schema
    parts = []
    for statistic, source, kind in planned:
        column, schema = schema.fresh_column()
        sql, _ = _statistic_sql(statistic.statistic, f'w."{source.column}"')
        parts.append(
            f'CASE WHEN w."{by.column}" IS NULL THEN NULL ELSE '
            f'CAST({sql} OVER (PARTITION BY w."{by.column}") AS {kind.sql}) END AS "{column}"'
        )
        schema = schema.with_variable(
            Variable(statistic.name, column, kind, _origin(statistic, by, "aggregate"))
        )
    new_table = ctx.create(f'SELECT w.*, {", ".join(parts)} FROM "{table}" AS w')
    return replace(state, schema=schema, table=new_table)


def _origin(statistic: GroupStatistic, by: Variable, verb: str) -> dict[str, Any]:
    return {verb: statistic.statistic, "of": statistic.variable, "by": by.name}


def _collapse(
    ctx: StepContext, state: State, table: str, by: Variable, planned: list[Any]
) -> State:
    schema = Schema()
    selected = []
    if by.kind == Kind.UNIT:
        assert by.unit_type is not None
        unit_type = by.unit_type
        group_key = f'w."{by.column}"'
        source_sql = f'"{table}" AS w'
    else:
        unit_type = f"GROUP:{by.source.get('dataset', by.name)}"
        ctx.con.register("regcat_groups", _group_ids(ctx, table, by, unit_type))
        group_key = "g.unit_id"
        source_sql = f'"{table}" AS w JOIN regcat_groups AS g ON g.value = w."{by.column}"'
        column, schema = schema.fresh_column()
        selected.append(f'ANY_VALUE(w."{by.column}") AS "{column}"')
        schema = schema.with_variable(replace(by, column=column, panel=None))
    for statistic, source, kind in planned:
        column, schema = schema.fresh_column()
        sql, _ = _statistic_sql(statistic.statistic, f'w."{source.column}"')
        selected.append(f'CAST({sql} AS {kind.sql}) AS "{column}"')
        schema = schema.with_variable(
            Variable(statistic.name, column, kind, _origin(statistic, by, "collapse"))
        )
    grouped = (
        f"SELECT {group_key} AS unit_id, {', '.join(selected)} FROM {source_sql} "
        f'WHERE w."{by.column}" IS NOT NULL GROUP BY {group_key}'
    )
    link = person_link(ctx.version, unit_type) if by.kind == Kind.UNIT else None
    if link is not None:
        protect = "COALESCE(person.value, p.unit_id)"
        join = f"LEFT JOIN {ctx.scan(link, None)} AS person ON person.unit_id = p.unit_id"
    else:
        protect, join = "p.unit_id", ""
    columns = ", ".join(f'p."{v.column}"' for v in schema)
    try:
        new_table = ctx.create(
            f'SELECT p.unit_id AS "{UNIT_COLUMN}", {protect} AS "{PROTECT_COLUMN}", {columns} '
            f"FROM ({grouped}) AS p {join}"
        )
    finally:
        if by.kind != Kind.UNIT:
            ctx.con.unregister("regcat_groups")
    schema = replace(schema, unit_type=unit_type)
    unique = True
    if unit_type != PERSON and link is not None:
        total, distinct = ctx.one(
            f'SELECT COUNT(*), COUNT(DISTINCT "{PROTECT_COLUMN}") FROM "{new_table}"'
        )
        unique = total == distinct
    return State(schema, new_table, unique_units=True, unique_protected=unique)


def _group_ids(ctx: StepContext, table: str, by: Variable, unit_type: str) -> pa.Table:
    """Each distinct value of `by` with its group's identifier: the first 8 bytes of a
    hash of the unit type and the value, as a signed integer."""
    values = db.arrow(
        ctx.con,
        f'SELECT DISTINCT w."{by.column}" AS value FROM "{table}" AS w '
        f'WHERE w."{by.column}" IS NOT NULL',
    )
    texts = [str(v) for v in values.column("value").to_pylist()]
    digests = b"".join(
        hashlib.blake2b(f"{unit_type}\x00{t}".encode(), digest_size=8).digest() for t in texts
    )
    ids = np.frombuffer(digests, dtype="<i8").astype(np.int64) if texts else np.zeros(0, np.int64)
    return pa.table({"value": values.column("value"), "unit_id": pa.array(ids, pa.int64())})
