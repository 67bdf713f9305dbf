"""age_month: the calendar month in which each person reaches an age, as the date of its
first day (the month a person turns 62, from the date of birth). With months_since it
lines persons up on event time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import AS_REQUIRED, StepField, Takes, Verb
from ..variables import Kind, check_name
from .shared.columns import col
from .shared.event_time import date_variable, whole_number, with_derived_variable

MAX_AGE = 130


@dataclass(frozen=True)
class AgeMonth:
    birth: str
    age: int
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"age_month": self.birth, "age": self.age, "as": self.name}

    def apply(self, ctx: StepContext, state: State) -> State:
        birth = date_variable(state.schema, self.birth, "age_month")
        # A birthday on 29 February falls on 28 February in other years (DuckDB's date
        # arithmetic); either way the month is February.
        value = f"CAST(date_trunc('month', {col(birth)} + to_years(CAST(? AS INTEGER))) AS DATE)"
        lineage = {"age_month": birth.name, "age": self.age}
        return with_derived_variable(
            ctx, state, self.name, Kind.DATE, value, [self.age], lineage, [birth]
        )


def parse(verb: str, item: Mapping[str, Any]) -> AgeMonth:
    birth = check_name(item.get(verb), verb)
    age = whole_number(item, "age", 0, MAX_AGE, None)
    return AgeMonth(birth, age, check_name(item.get("as"), "as"))


VERBS = (
    Verb(
        name="age_month",
        takes=Takes.TEXT,
        description="A date variable: the date of birth.",
        fields=(
            StepField("age", Takes.NUMBER, "The age in whole years (0-130).", required=True),
            AS_REQUIRED,
        ),
        parse=parse,
        nb="Måneden personen fyller en alder (age), som datoen for månedens første dag, fra "
        "fødselsdatoen; med months_since gir den hendelsestid.",
        en="The month the person reaches an age (age), as the date of the month's first day, "
        "from the date of birth; with months_since it gives event time.",
        example={"age_month": "fodselsdato", "age": 62, "as": "mnd62"},
    ),
)
