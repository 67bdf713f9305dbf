"""A throwaway step verb, for tests/test_step_registry.py only: this folder is added to the
`catalogue.analysis.steps` package in a fresh interpreter, to show that a verb module is all
a new verb needs. `{"constant": "name", "value": 3}` makes a variable holding 3 everywhere
(by way of generate, so that applying it visibly changes the workspace)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.analysis.state import State, StepContext
from catalogue.analysis.step import StepField, Takes, Verb, required_text, step_error
from catalogue.analysis.steps.generate import Generate
from catalogue.analysis.variables import check_name


@dataclass(frozen=True)
class Constant:
    name: str
    value: int

    def to_json(self) -> dict[str, Any]:
        return {"constant": self.name, "value": str(self.value)}

    def apply(self, ctx: StepContext, state: State) -> State:
        return Generate(self.name, str(self.value)).apply(ctx, state)


def parse(verb: str, item: Mapping[str, Any]) -> Constant:
    value = required_text(item, "value")
    if not value.isdigit():
        raise step_error(
            "invalid-step", "«value» må være et heltall.", "'value' must be a whole number."
        )
    return Constant(check_name(item.get(verb), verb), int(value))


VERBS = (
    Verb(
        name="constant",
        takes=Takes.TEXT,
        description="Name of the new variable.",
        fields=(StepField("value", Takes.TEXT, "A whole number.", required=True),),
        parse=parse,
        nb="Lager en variabel med samme verdi på alle rader.",
        en="Makes a variable holding the same value on every row.",
        example={"constant": "en", "value": "1"},
    ),
)
