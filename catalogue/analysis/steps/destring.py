"""destring: text variables become numbers, in place. `ignore` lists characters removed
first (a thousands separator, a currency sign), `dpcomma` reads a comma as the decimal
mark.

A text that does not read as a number becomes missing, unit by unit: the step never
refuses because some unit's text is not a number (microdata.no's default without `force`),
since that refusal would say whether any unit has such a text. `force` is accepted and
means what the step always does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, canonical, names, step_error, text
from ..variables import Kind, Variable
from .generate import LARGEST_NUMBER
from .shared.columns import add_columns, col, replace_column


@dataclass(frozen=True)
class Destring:
    names: tuple[str, ...]
    ignore: str = ""
    dpcomma: bool = False

    def to_json(self) -> dict[str, Any]:
        return canonical(
            ("destring", list(self.names)),
            ("ignore", self.ignore or None),
            ("dpcomma", True if self.dpcomma else None),
        )

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_destring(ctx, state, self)


def _truth(item: Mapping[str, Any], key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise step_error(
            "invalid-step", f"«{key}» må være true eller false.", f"'{key}' must be true or false."
        )
    return value


def parse(verb: str, item: Mapping[str, Any]) -> Destring:
    _truth(item, "force")  # always what the step does
    return Destring(
        names(item[verb], verb), text(item, "ignore", required=False) or "", _truth(item, "dpcomma")
    )


def _number_of(value: str, step: Destring) -> tuple[str, list[object]]:
    params: list[object] = []
    if step.ignore:
        # Every character of `ignore` goes (translate with an empty target deletes them).
        value = f"translate({value}, ?, '')"
        params.append(step.ignore)
    value = f"trim({value})"
    if step.dpcomma:
        value = f"replace(replace({value}, '.', ''), ',', '.')"
    number = f"TRY_CAST({value} AS DOUBLE)"
    # As generate: beyond ±LARGEST_NUMBER (or not finite) is missing.
    return f"(CASE WHEN abs({number}) <= {LARGEST_NUMBER!r} THEN {number} END)", params * 2


def apply_destring(ctx: StepContext, state: State, step: Destring) -> State:
    table = state.require_population()
    schema = state.schema
    for name in step.names:
        old = schema.get(name)
        if old.kind is not Kind.STRING:
            raise invalid_input(
                "destring-needs-text",
                f"«{old.name}» er ikke en tekstvariabel (den er {old.kind.value}); destring "
                "gjør tekst om til tall.",
                f"'{old.name}' is not a text variable (it is {old.kind.value}); destring turns "
                "text into numbers.",
                name=old.name,
            )
        column, schema = schema.fresh_column()
        value, params = _number_of(col(old), step)
        add_columns(ctx, table, [(column, Kind.NUMBER.sql, value)], params)
        replace_column(ctx, table, old)
        made = Variable(old.name, column, Kind.NUMBER, {"destring": old.name}, groups=old.groups)
        schema = schema.replacing(made)
    return replace(state, schema=schema)


VERBS = (
    Verb(
        name="destring",
        takes=Takes.NAMES,
        description="Text variable(s) to turn into numbers.",
        fields=(
            StepField("ignore", Takes.TEXT, "Characters removed before reading the number."),
            StepField("dpcomma", Takes.TRUTH, "A comma is the decimal mark."),
            StepField("force", Takes.TRUTH, "Accepted; a text that is no number is missing."),
        ),
        parse=parse,
        nb="Gjør tekstvariabler om til tall; en tekst som ikke er et tall blir manglende. "
        "ignore: tegn som fjernes først; dpcomma: komma er desimaltegn.",
        en="Turns text variables into numbers; a text that is not a number becomes missing. "
        "ignore: characters removed first; dpcomma: a comma is the decimal mark.",
        example={"destring": ["belop"], "ignore": " kr", "dpcomma": True},
    ),
)
