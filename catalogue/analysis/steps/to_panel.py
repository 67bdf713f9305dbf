"""reshape_to_panel: from wide form (lonn_2020, lonn_2021) to panel form (one row per unit
and date, one variable per stem and a date variable); panels.py reshapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, names
from ..variables import check_name
from .shared.panels import apply_to_panel


@dataclass(frozen=True)
class ToPanel:
    stems: tuple[str, ...]
    date_name: str

    def to_json(self) -> dict[str, Any]:
        return {"reshape_to_panel": list(self.stems), "date_as": self.date_name}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_to_panel(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> ToPanel:
    return ToPanel(names(item[verb], verb), check_name(item.get("date_as", "date"), "date_as"))


VERBS = (
    Verb(
        name="reshape_to_panel",
        takes=Takes.NAMES,
        description="Stems of the variables to gather.",
        fields=(StepField("date_as", Takes.TEXT, "Name of the date variable (default date)."),),
        parse=parse,
        nb="Fra bred form (lonn_2020, lonn_2021) til panelform: én rad per enhet og dato, én "
        "variabel per stamme og en datovariabel (date_as, ellers date).",
        en="From wide form (lonn_2020, lonn_2021) to panel form: one row per unit and date, one "
        "variable per stem and a date variable (date_as, or else date).",
        example={"reshape_to_panel": ["lonn", "kommune"], "date_as": "dato"},
    ),
)
