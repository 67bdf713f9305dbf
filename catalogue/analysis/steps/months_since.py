"""months_since: whole calendar months from an event's month to each row's month (0 in the
event's month, -1 the month before, 1 the month after): event time, for designs that line
persons up on the month something happened to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import AS_REQUIRED, StepField, Takes, Verb, canonical, text
from ..variables import Kind, check_name
from .shared.event_time import date_variable, month_number, with_derived_variable


@dataclass(frozen=True)
class MonthsSince:
    event: str
    name: str
    at: str | None = None  # the rows' date variable; None: the panel's date

    def to_json(self) -> dict[str, Any]:
        return canonical(("months_since", self.event), ("at", self.at), ("as", self.name))

    def apply(self, ctx: StepContext, state: State) -> State:
        state.require_population()
        at_name = self.at or state.schema.panel_date
        if at_name is None:
            raise invalid_input(
                "date-variable-needed",
                "months_since trenger datoen hver rad gjelder: oppgi «at», eller bruk den på "
                "panelform (import med dates), der panelets dato brukes.",
                "months_since needs the date each row is about: give 'at', or use it in panel "
                "form (an import with dates), where the panel's date is used.",
                field="at",
            )
        event = date_variable(state.schema, self.event, "months_since")
        at = date_variable(state.schema, at_name, "at")
        value = f"CAST({month_number(at)} - {month_number(event)} AS DOUBLE)"
        lineage = {"months_since": event.name, "at": at.name}
        return with_derived_variable(
            ctx, state, self.name, Kind.NUMBER, value, [], lineage, [event, at]
        )


def parse(verb: str, item: Mapping[str, Any]) -> MonthsSince:
    event = check_name(item.get(verb), verb)
    at = text(item, "at", required=False)
    return MonthsSince(
        event,
        check_name(item.get("as"), "as"),
        None if at is None else check_name(at, "at"),
    )


VERBS = (
    Verb(
        name="months_since",
        takes=Takes.TEXT,
        description="A date variable: the event.",
        fields=(
            StepField("at", Takes.TEXT, "The rows' date variable (default: the panel's date)."),
            AS_REQUIRED,
        ),
        parse=parse,
        nb="Hele kalendermåneder fra hendelsens måned til radens måned (at, ellers panelets "
        "dato): 0 i hendelsesmåneden, negativ før.",
        en="Whole calendar months from the event's month to the row's month (at, or else the "
        "panel's date): 0 in the event's month, negative before.",
        example={"months_since": "mnd62", "at": "dato", "as": "hendelsesmnd"},
    ),
)
