"""keep and drop: variables kept (every other dropped) or dropped, by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import Takes, Verb, names
from ..transforming import apply_select


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


VERBS = (
    Verb(
        name="keep",
        takes=Takes.NAMES,
        description="Variable name(s) to keep.",
        fields=(),
        parse=parse,
        nb="Beholder de navngitte variablene og fjerner alle andre.",
        en="Keeps the named variables and drops every other.",
        example={"keep": ["a", "b"]},
    ),
    Verb(
        name="drop",
        takes=Takes.NAMES,
        description="Variable name(s) to drop.",
        fields=(),
        parse=parse,
        nb="Fjerner de navngitte variablene.",
        en="Drops the named variables.",
        example={"drop": "c"},
    ),
)
