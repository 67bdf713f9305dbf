"""import and import_event: a dataset's values as new variables of the workspace.

The first import defines the population and the unit type; every later one adds columns to
the rows already there (importing.py, which also joins consecutive imports in one pass).
A date reads a STATUS dataset at that date or an ACCUMULATED one in the period holding it;
several dates make one variable per date (a panel); from/to reads the EVENT rows in a
period, and per_unit says how several rows per unit become one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..state import State, StepContext
from ..step import (
    AS,
    DATE,
    MAX_DATES,
    PERIOD,
    StepField,
    Takes,
    Verb,
    canonical,
    check_period,
    day,
    optional_day,
    optional_name,
    required_text,
    step_error,
)
from ..variables import check_name
from .shared.importing import apply_import

PER_UNIT = ("count", "min", "max", "first", "last", "sum", "mean")


@dataclass(frozen=True)
class Import:
    dataset: str
    name: str
    at: date | None = None  # STATUS: the status date; ACCUMULATED: a date in the period
    dates: tuple[date, ...] = ()  # several dates: one variable per date (a panel)
    start: date | None = None  # EVENT: the period's first day ...
    end: date | None = None  # ... and its last day (both inclusive)
    per_unit: str | None = None  # how several rows per workspace unit become one value
    via: str | None = None  # a UNIT variable holding the units the dataset describes
    event_verb: bool = False  # written as import_event

    def to_json(self) -> dict[str, Any]:
        return canonical(
            ("import_event" if self.event_verb else "import", self.dataset),
            ("date", self.at and self.at.isoformat()),
            ("dates", [d.isoformat() for d in self.dates] or None),
            ("from", self.start and self.start.isoformat()),
            ("to", self.end and self.end.isoformat()),
            ("as", self.name),
            ("per_unit", self.per_unit or None),
            ("via", self.via or None),
        )

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_import(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Import:
    dataset = required_text(item, verb).strip().upper()
    name = check_name(item.get("as", dataset))
    at = optional_day(item, "date")
    dates = _dates(item)
    if dates and at is not None:
        raise step_error(
            "invalid-step",
            "Bruk enten «date» eller «dates», ikke begge.",
            "Use either 'date' or 'dates', not both.",
        )
    start, end = optional_day(item, "from"), optional_day(item, "to")
    if (start is None) != (end is None):
        raise step_error(
            "invalid-step",
            "En periode trenger både «from» og «to».",
            "A period needs both 'from' and 'to'.",
        )
    if start and end:
        check_period(start, end)
    if start and (at or dates):
        raise step_error(
            "invalid-step",
            "Bruk enten en dato eller en periode (from/to), ikke begge.",
            "Use either a date or a period (from/to), not both.",
        )
    if verb == "import_event" and not (start or at):
        raise step_error(
            "invalid-step",
            "import_event trenger en periode («from» og «to») eller en dato.",
            "import_event needs a period ('from' and 'to') or a date.",
        )
    return Import(
        dataset,
        name,
        at,
        dates,
        start,
        end,
        _per_unit(item),
        optional_name(item, "via"),
        verb == "import_event",
    )


def _dates(item: Mapping[str, Any]) -> tuple[date, ...]:
    if item.get("dates") is None:
        return ()
    raw = item["dates"]
    if not isinstance(raw, list) or not raw or len(raw) > MAX_DATES:
        raise step_error(
            "invalid-step",
            f"«dates» må være en liste med 1 til {MAX_DATES} datoer.",
            f"'dates' must be a list of 1 to {MAX_DATES} dates.",
            field="dates",
        )
    return tuple(sorted({day(d, "dates") for d in raw}))


def _per_unit(item: Mapping[str, Any]) -> str | None:
    if "per_unit" in item and "per_person" in item:
        raise step_error(
            "invalid-step",
            "Bruk enten «per_unit» eller «per_person».",
            "Use either 'per_unit' or 'per_person'.",
        )
    per_unit = item.get("per_unit", item.get("per_person"))
    if per_unit is not None and per_unit not in PER_UNIT:
        raise step_error(
            "invalid-per-unit",
            f"«per_person» må være en av {', '.join(PER_UNIT)}.",
            f"'per_person' must be one of {', '.join(PER_UNIT)}.",
            given=str(per_unit),
        )
    return per_unit


_PER_UNIT_CHOICES = f"{', '.join(PER_UNIT[:-1])} or {PER_UNIT[-1]}"
_PER_UNIT_FIELDS = (
    StepField("per_unit", Takes.TEXT, _PER_UNIT_CHOICES),
    StepField("per_person", Takes.TEXT, _PER_UNIT_CHOICES),
)
_VIA = StepField("via", Takes.TEXT, "A unit variable to link through.")

VERBS = (
    Verb(
        name="import",
        takes=Takes.TEXT,
        description="Dataset name.",
        fields=(
            DATE,
            StepField("dates", Takes.DATES, "Several dates: a panel."),
            *PERIOD,
            AS,
            *_PER_UNIT_FIELDS,
            _VIA,
        ),
        parse=parse,
        nb="Henter et datasett som en ny variabel: på en dato (date), på flere datoer som ett "
        "panel (dates) eller i en periode (from/to). Den første importen bestemmer "
        "populasjonen; via henter verdiene til enhetene en enhetsvariabel peker på.",
        en="Imports a dataset as a new variable: at a date (date), at several dates as a "
        "panel (dates) or in a period (from/to). The first import defines the population; "
        "via fetches the values of the units a unit variable points to.",
        example={"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    ),
    Verb(
        name="import_event",
        takes=Takes.TEXT,
        description="EVENT dataset name.",
        fields=(DATE, *PERIOD, AS, *_PER_UNIT_FIELDS, _VIA),
        parse=parse,
        nb="Henter hendelser i en periode (from/to) eller på en dato; per_unit (eller "
        "per_person) sier hvordan flere hendelser per enhet blir én verdi.",
        en="Imports events in a period (from/to) or at a date; per_unit (or per_person) says "
        "how several events per unit become one value.",
        example={
            "import_event": "KRG_DIAGNOSEDATO",
            "from": "2015-01-01",
            "to": "2020-12-31",
            "as": "diagnose",
            "per_person": "min",
        },
    ),
)
