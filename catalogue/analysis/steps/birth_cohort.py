"""birth_cohort: cohorts by birth month, as the number YYYYMM of a cohort's first month
(196301 for January 1963). `months` groups months from January: 1 (the default) is the
birth month, 3 the quarter, 12 the year of birth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..state import State, StepContext
from ..step import AS_REQUIRED, StepField, Takes, Verb, canonical, step_error
from ..variables import Kind, check_name
from .shared.columns import col
from .shared.event_time import date_variable, whole_number, with_derived_variable


@dataclass(frozen=True)
class BirthCohort:
    birth: str
    name: str
    months: int = 1

    def to_json(self) -> dict[str, Any]:
        months = None if self.months == 1 else self.months
        return canonical(("birth_cohort", self.birth), ("months", months), ("as", self.name))

    def apply(self, ctx: StepContext, state: State) -> State:
        birth = date_variable(state.schema, self.birth, "birth_cohort")
        # The cohort's first month: the birth month rounded down to a multiple of `months`
        # counted from January.
        first = f"((month({col(birth)}) - 1) // CAST(? AS INTEGER) * CAST(? AS INTEGER) + 1)"
        value = f"CAST(year({col(birth)}) * 100 + {first} AS DOUBLE)"
        lineage = {"birth_cohort": birth.name, "months": self.months}
        params: list[object] = [self.months, self.months]
        return with_derived_variable(
            ctx, state, self.name, Kind.NUMBER, value, params, lineage, [birth]
        )


def parse(verb: str, item: Mapping[str, Any]) -> BirthCohort:
    birth = check_name(item.get(verb), verb)
    months = whole_number(item, "months", 1, 12, 1)
    if 12 % months:  # a cohort must not straddle two years
        raise step_error(
            "invalid-step",
            f"«months» må gå opp i 12 (1, 2, 3, 4, 6 eller 12), fikk «{months}».",
            f"'months' must divide 12 (1, 2, 3, 4, 6 or 12), got '{months}'.",
            field="months",
            value=str(months),
        )
    return BirthCohort(birth, check_name(item.get("as"), "as"), months)


VERBS = (
    Verb(
        name="birth_cohort",
        takes=Takes.TEXT,
        description="A date variable: the date of birth.",
        fields=(
            StepField("months", Takes.NUMBER, "Months per cohort: 1, 2, 3, 4, 6 or 12."),
            AS_REQUIRED,
        ),
        parse=parse,
        nb="Kohorter etter fødselsmåned, som tallet ÅÅÅÅMM for kohortens første måned; months "
        "slår sammen måneder fra januar (1, 3 for kvartal, 12 for år).",
        en="Cohorts by birth month, as the number YYYYMM of the cohort's first month; months "
        "joins months from January (1, 3 for quarters, 12 for years).",
        example={"birth_cohort": "fodselsdato", "as": "kohort"},
    ),
)
