"""dummies: one 0/1 variable per category of a categorical variable, named prefix_code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb
from ..transforming import apply_dummies
from ..variables import check_name


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
