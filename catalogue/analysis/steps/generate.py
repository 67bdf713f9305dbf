"""generate and replace: a variable computed from an expression, for every row or (with
`if`) the rows where a condition holds. generate makes a new variable; replace changes one
the workspace has. The workspace also runs apply_generate in the pass that joins the
imports before it (importing.join_pending)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from catalogue.domain.errors import invalid_input

from ..expressions import ValueType, limits
from ..state import State, StepContext
from ..step import StepField, Takes, Verb, canonical, required_text, text
from ..variables import Kind, Schema, Variable, check_name
from .shared.columns import add_columns, col, identifier_variable, replace_column
from .shared.expression_bridge import compile_in
from .shared.importing import PendingJoin, join_pending


@dataclass(frozen=True)
class Generate:
    name: str
    expr: str
    condition: str | None = None
    replace: bool = False

    def to_json(self) -> dict[str, Any]:
        verb = "replace" if self.replace else "generate"
        return canonical((verb, self.name), ("expr", self.expr), ("if", self.condition))

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_generate(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Generate:
    name = check_name(item.get(verb), verb)
    expr = required_text(item, "expr")
    return Generate(name, expr, text(item, "if", required=False), replace=verb == "replace")


# expressions/limits.py: larger than any register magnitude, small enough for sums and squares.
LARGEST_NUMBER = limits.LARGEST_NUMBER


def apply_generate(
    ctx: StepContext, state: State, step: Generate, pending: Sequence[PendingJoin] = ()
) -> State:
    """`pending`: imports not yet joined (their variables already in the schema); a new
    variable is then computed in the same pass that joins them (a replaced one needs the
    joined table: the workspace joins first)."""
    assert not (pending and step.replace), "replace reads the joined table"
    table = state.require_population()
    schema = state.schema
    old: Variable | None = None
    if step.replace:
        old = schema.get(step.name)
        if old.kind == Kind.UNIT:
            raise identifier_variable(old.name)
    elif step.name in schema:
        raise invalid_input(
            "variable-exists",
            f"Arbeidsområdet har allerede en variabel «{step.name}»; bruk replace for å endre den.",
            f"The workspace already has a variable '{step.name}'; use replace to change it.",
            name=step.name,
        )
    expected = old.kind.value_type if old is not None else None
    expr = compile_in(step.expr, schema, "w", expected=expected)
    kind = Kind.of(expr.type)
    column, schema = schema.fresh_column()
    value, params = f"CAST(({expr.sql}) AS {kind.sql})", list(expr.params)
    if kind is Kind.NUMBER:
        # A number beyond ±LARGEST_NUMBER, infinite or not-a-number is missing, unit by unit:
        # sums and X'X of such values would overflow to inf (a server error, or inf published).
        # Made missing rather than refused, since a refusal would say whether any unit had one.
        value = f"(CASE WHEN abs({value}) <= {LARGEST_NUMBER!r} THEN {value} END)"
        params = params * 2  # the expression's placeholders appear twice now
    if step.condition is not None:
        condition = compile_in(step.condition, schema, "w", expected=ValueType.BOOL)
        otherwise = col(old) if old is not None else "NULL"
        value = f"CASE WHEN {condition.condition} THEN {value} ELSE {otherwise} END"
        params = list(condition.params) + params
    if pending:
        new_table = join_pending(ctx, state, pending, [(column, value)], params).table
        assert new_table is not None
    else:
        new_table = add_columns(ctx, table, [(column, kind.sql, value)], params)
    source: dict[str, Any] = {"expr": step.expr}
    if step.condition is not None:
        source["if"] = step.condition
    used = set(expr.variables) | (set(condition.variables) if step.condition is not None else set())
    if old is not None:
        used.add(old.name)
    variable = Variable(step.name, column, kind, source, groups=carried_groups(schema, used))
    if old is not None:
        replace_column(ctx, table, old)
        schema = schema.replacing(variable)
    else:
        schema = schema.with_variable(variable)
    return replace(state, schema=schema, table=new_table)


def carried_groups(schema: Schema, names: set[str]) -> tuple[str, ...]:
    """The groups of the variables a new one is computed from (grouping.py): a variable
    derived from a group statistic carries its groups, so that a release of anything
    computed from it registers them too."""
    found: dict[str, None] = {}
    for name in sorted(names):
        if name in schema:
            found.update(dict.fromkeys(schema.get(name).groups))
    return tuple(found)


_FIELDS = (
    StepField("expr", Takes.TEXT, "An expression.", required=True),
    StepField("if", Takes.TEXT, "A condition."),
)

_GENERATE = partial(Verb, takes=Takes.TEXT, fields=_FIELDS, parse=parse)

VERBS = (
    _GENERATE(
        name="generate",
        description="Name of the new variable.",
        nb="Lager en ny variabel av et uttrykk (expr), for alle rader eller bare der en "
        "betingelse (if) holder; de andre radene får manglende verdi.",
        en="Makes a new variable from an expression (expr), for every row or only where a "
        "condition (if) holds; the other rows get a missing value.",
        example={"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "alder > 0"},
    ),
    _GENERATE(
        name="replace",
        description="Name of the variable to change.",
        nb="Endrer en variabel arbeidsområdet har til verdien av et uttrykk (expr), for alle "
        "rader eller bare der en betingelse (if) holder.",
        en="Changes a variable the workspace has to the value of an expression (expr), for "
        "every row or only where a condition (if) holds.",
        example={"replace": "alder", "expr": "alder + 1"},
    ),
)
