"""keep and drop: variables kept (every other dropped) or dropped, by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import Takes, Verb, names


@dataclass(frozen=True)
class SelectVariables:
    names: tuple[str, ...]
    keep: bool

    def to_json(self) -> dict[str, Any]:
        return {("keep" if self.keep else "drop"): list(self.names)}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_select(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> SelectVariables:
    return SelectVariables(names(item[verb], verb), keep=verb == "keep")


def apply_select(ctx: StepContext, state: State, step: SelectVariables) -> State:
    table = state.require_population()
    named = {state.schema.get(n).name for n in step.names}
    dropped = named if not step.keep else set(state.schema.names) - named
    if state.schema.panel_date in dropped:
        raise invalid_input(
            "panel-date-needed",
            f"Datovariabelen «{state.schema.panel_date}» trengs så lenge dataene er på "
            "panelform; bruk reshape_from_panel først.",
            f"The date variable '{state.schema.panel_date}' is needed while the data are in "
            "panel form; use reshape_from_panel first.",
        )
    gone = [state.schema.get(n) for n in dropped]
    new_table = ctx.create(f'SELECT {state.columns_except(*gone)} FROM "{table}" AS w')
    return replace(state, schema=state.schema.without(dropped), table=new_table)


_SELECT = partial(Verb, takes=Takes.NAMES, fields=(), parse=parse)

VERBS = (
    _SELECT(
        name="keep",
        description="Variable name(s) to keep.",
        nb="Beholder de navngitte variablene og fjerner alle andre.",
        en="Keeps the named variables and drops every other.",
        example={"keep": ["a", "b"]},
    ),
    _SELECT(
        name="drop",
        description="Variable name(s) to drop.",
        nb="Fjerner de navngitte variablene.",
        en="Drops the named variables.",
        example={"drop": "c"},
    ),
)
