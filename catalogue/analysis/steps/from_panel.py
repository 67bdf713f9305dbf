"""reshape_from_panel: from panel form back to wide form, each named variable spread out by
the date variable; panels.py reshapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import Takes, Verb, names
from .shared.panels import apply_from_panel


@dataclass(frozen=True)
class FromPanel:
    stems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"reshape_from_panel": list(self.stems)}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_from_panel(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> FromPanel:
    return FromPanel(names(item[verb], verb))


VERBS = (
    Verb(
        name="reshape_from_panel",
        takes=Takes.NAMES,
        description="Variables to spread out by date.",
        fields=(),
        parse=parse,
        nb="Fra panelform tilbake til bred form: hver navngitte variabel blir én variabel per "
        "dato.",
        en="From panel form back to wide form: each named variable becomes one variable per date.",
        example={"reshape_from_panel": ["lonn", "kommune"]},
    ),
)
