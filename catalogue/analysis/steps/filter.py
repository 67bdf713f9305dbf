"""keep_if and drop_if: the rows where a condition holds are kept, or dropped. A row where
the condition is missing counts as not holding it.

A condition naming a variable computed from group statistics (it carries their ids:
output_control/group_values.py) makes a population that carries them on
(State.population_inputs): every later release over it pays their input fees, as one
naming the variable would. Why: 140 padded group counts averaged in w, then
`drop_if w > 0.5` and a table of the population, told 8 of 8 diagnoses by whether the
table was answered: a population is one input however it was made (red team
test_group_count_averaging)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from ..expressions import ValueType
from ..output_control.group_values import STATISTIC_MARK
from ..state import State, StepContext
from ..step import Takes, Verb, required_text
from .shared.expression_bridge import compile_in


@dataclass(frozen=True)
class Filter:
    condition: str
    keep: bool

    def to_json(self) -> dict[str, Any]:
        return {("keep_if" if self.keep else "drop_if"): self.condition}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_filter(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Filter:
    return Filter(required_text(item, verb), keep=verb == "keep_if")


def apply_filter(ctx: StepContext, state: State, step: Filter) -> State:
    table = state.require_population()
    condition = compile_in(step.condition, state.schema, "w", expected=ValueType.BOOL)
    # A row whose condition is missing is kept by drop_if and dropped by keep_if.
    removed = condition.condition if not step.keep else f"NOT {condition.condition}"
    new_table = ctx.create(
        f'SELECT w.* FROM "{table}" AS w WHERE NOT ({removed})', condition.params
    )
    carried = dict.fromkeys(state.population_inputs)
    for name in sorted(condition.variables):
        if name in state.schema:
            carried.update(
                dict.fromkeys(g for g in state.schema.get(name).groups if STATISTIC_MARK in g)
            )
    return replace(state, table=new_table, population_inputs=tuple(carried))


_FILTER = partial(Verb, takes=Takes.TEXT, description="A condition.", fields=(), parse=parse)

VERBS = (
    _FILTER(
        name="keep_if",
        nb="Beholder radene der betingelsen holder.",
        en="Keeps the rows where the condition holds.",
        example={"keep_if": "alder >= 18"},
    ),
    _FILTER(
        name="drop_if",
        nb="Fjerner radene der betingelsen holder.",
        en="Drops the rows where the condition holds.",
        example={"drop_if": "sysmiss(lonn)"},
    ),
)
