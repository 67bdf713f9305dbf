"""generate and replace: a variable computed from an expression, for every row or (with
`if`) the rows where a condition holds. generate makes a new variable; replace changes one
the workspace has (the application is transforming.apply_generate, which the workspace
also runs in the pass that joins the imports before it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, required_text, text
from ..transforming import apply_generate
from ..variables import check_name


@dataclass(frozen=True)
class Generate:
    name: str
    expr: str
    condition: str | None = None
    replace: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {("replace" if self.replace else "generate"): self.name}
        out["expr"] = self.expr
        if self.condition is not None:
            out["if"] = self.condition
        return out

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_generate(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Generate:
    name = check_name(item.get(verb), verb)
    expr = required_text(item, "expr")
    return Generate(name, expr, text(item, "if", required=False), replace=verb == "replace")


_FIELDS = (
    StepField("expr", Takes.TEXT, "An expression.", required=True),
    StepField("if", Takes.TEXT, "A condition."),
)

VERBS = (
    Verb(
        name="generate",
        takes=Takes.TEXT,
        description="Name of the new variable.",
        fields=_FIELDS,
        parse=parse,
        nb="Lager en ny variabel av et uttrykk (expr), for alle rader eller bare der en "
        "betingelse (if) holder; de andre radene får manglende verdi.",
        en="Makes a new variable from an expression (expr), for every row or only where a "
        "condition (if) holds; the other rows get a missing value.",
        example={"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "alder > 0"},
    ),
    Verb(
        name="replace",
        takes=Takes.TEXT,
        description="Name of the variable to change.",
        fields=_FIELDS,
        parse=parse,
        nb="Endrer en variabel arbeidsområdet har til verdien av et uttrykk (expr), for alle "
        "rader eller bare der en betingelse (if) holder.",
        en="Changes a variable the workspace has to the value of an expression (expr), for "
        "every row or only where a condition (if) holds.",
        example={"replace": "alder", "expr": "alder + 1"},
    ),
)
