"""dummies: one 0/1 variable per category of a categorical variable, named prefix_code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import StepField, Takes, Verb
from ..variables import Kind, Variable, check_name
from .shared.columns import add_columns, col, identifier_variable, level_text


@dataclass(frozen=True)
class Dummies:
    name: str
    prefix: str

    def to_json(self) -> dict[str, Any]:
        return {"dummies": self.name, "prefix": self.prefix}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_dummies(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Dummies:
    name = check_name(item.get(verb), verb)
    prefix = check_name(item.get("prefix", name), "prefix")
    return Dummies(name, prefix)


def apply_dummies(ctx: StepContext, state: State, step: Dummies) -> State:
    table = state.require_population()
    source = state.schema.get(step.name)
    if source.kind == Kind.UNIT:
        raise identifier_variable(source.name)
    if source.kind == Kind.DATE:
        raise invalid_input(
            "dummies-need-categories",
            f"«{source.name}» er en dato; dummyvariabler lages av kategorier.",
            f"'{source.name}' is a date; dummy variables are made from categories.",
            name=source.name,
        )
    schema = state.schema
    parts: list[tuple[str, str, str]] = []
    params: list[object] = []
    variables = []
    taken: set[str] = set()
    for level in _levels(source):
        base = f"{step.prefix}_{re.sub(r'[^A-Za-z0-9]', '_', level_text(level))}"
        name, n = base, 2
        while name.lower() in taken or name in schema:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        column, schema = schema.fresh_column()
        parts.append(
            (
                column,
                "DOUBLE",
                f"CASE WHEN {col(source)} IS NULL THEN NULL WHEN {col(source)} = ? THEN 1.0 "
                "ELSE 0.0 END",
            )
        )
        params.append(level)
        variables.append(
            Variable(
                name,
                column,
                Kind.NUMBER,
                {"dummy_of": source.name, "level": level_text(level)},
                groups=source.groups,
            )
        )
    if not variables:
        return state
    new_table = add_columns(ctx, table, parts, params)
    for variable in variables:
        schema = schema.with_variable(variable)
    return replace(state, schema=schema, table=new_table)


def _levels(source: Variable) -> list[Any]:
    """The levels to make dummies of: the variable's code list, never the values found in
    the data (their names would show values held by a few units, and how many there are,
    whether some unit holds a value no other does)."""
    if not source.codes:
        raise invalid_input(
            "dummies-need-codes",
            f"«{source.name}» har ingen kodeliste, så dummyvariabler kan ikke lages av den. "
            f"Bruk i.{source.name} i en modell, eller recode den med en «else»-regel først "
            "(da blir målverdiene kodelisten).",
            f"'{source.name}' has no code list, so dummy variables cannot be made from it. Use "
            f"i.{source.name} in a model, or recode it with an 'else' rule first (its targets "
            "then make the code list).",
            name=source.name,
        )
    if source.kind == Kind.NUMBER:
        return [_as_number(code) for code in source.codes]
    return list(source.codes)


def _as_number(code: str) -> float | str:
    try:
        return float(code)
    except ValueError:
        return code


VERBS = (
    Verb(
        name="dummies",
        takes=Takes.TEXT,
        description="A categorical variable.",
        fields=(StepField("prefix", Takes.TEXT, "Prefix of the new variables' names."),),
        parse=parse,
        nb="Lager én 0/1-variabel per kategori av en kategorisk variabel, med navnet "
        "prefiks_kode (prefix, ellers variabelens navn).",
        en="Makes one 0/1 variable per category of a categorical variable, named prefix_code "
        "(prefix, or else the variable's name).",
        example={"dummies": "utdanning", "prefix": "utd"},
    ),
)
