"""What the event-time verbs share (age_month, months_since, birth_cohort): reading a date
variable and numbering calendar months.

Months are counted as year * 12 + month - 1, so that the difference of two such numbers is
the number of calendar months between them whatever the days: an event-time design lines
persons up by the month something happened, as monthly registers report (docs/MONTHLY.md).
Every verb here is a function of each row's own values: nothing depends on how many rows
or units there are (docs/OUTPUT_CONTROL.md: no step decides on counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from catalogue.domain.errors import invalid_input

from ...state import State, StepContext
from ...step import step_error
from ...variables import Kind, Schema, Variable
from .columns import add_columns, col


def date_variable(schema: Schema, name: str, field: str) -> Variable:
    variable = schema.get(name)
    if variable.kind is not Kind.DATE:
        raise invalid_input(
            "date-variable-needed",
            f"«{name}» ({field}) er ikke en datovariabel; stegene for hendelsestid regner med "
            "datoer (importer en dato, eller lag en med generate).",
            f"'{name}' ({field}) is not a date variable; the event-time steps count with dates "
            "(import one, or make one with generate).",
            name=name,
            field=field,
        )
    return variable


def month_number(variable: Variable) -> str:
    """SQL: the calendar month of a date variable as year * 12 + month - 1."""
    return f"(year({col(variable)}) * 12 + month({col(variable)}) - 1)"


def whole_number(
    item: Mapping[str, Any], key: str, low: int, high: int, default: int | None
) -> int:
    """An integer key within [low, high] (JSON true/false are not numbers here)."""
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise step_error(
            "invalid-step",
            f"«{key}» må være et helt tall fra {low} til {high}, fikk «{value}».",
            f"'{key}' must be a whole number from {low} to {high}, got '{value}'.",
            field=key,
            value=str(value),
        )
    return value


def with_derived_variable(
    ctx: StepContext,
    state: State,
    name: str,
    kind: Kind,
    value_sql: str,
    params: list[object],
    lineage: dict[str, Any],
    sources: Sequence[Variable],
) -> State:
    """The state with one new variable `name`, computed row by row by `value_sql` (a
    function of the row's own values) and grouped as the variables it is made from."""
    table = state.require_population()
    column, schema = state.schema.fresh_column()
    new_table = add_columns(ctx, table, [(column, kind.sql, value_sql)], params)
    groups = tuple(dict.fromkeys(group for source in sources for group in source.groups))
    variable = Variable(name, column, kind, lineage, groups=groups)
    return replace(state, schema=schema.with_variable(variable), table=new_table)
