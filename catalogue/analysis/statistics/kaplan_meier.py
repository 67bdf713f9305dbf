"""kaplan_meier: a Kaplan–Meier survival table and curve of a time to event, released only
through output control's survival rule (rules/survival.py, output_control/charts.py).

The curve is never computed from the exact data: event times are put on the fixed 1-2-5
time grid, consecutive intervals are merged until each step holds at least `min_events`
events by its own perturbed count, every step publishes its units at risk and its events
as cell-key count cells (threshold applied), and the survival shown is the product-limit
estimate of those published counts. From the first step whose count at risk or events is
withheld the survival is withheld too (not carried forward or interpolated: it would show
the withheld count).

Rows whose time is missing or not positive, or whose event indicator is missing, are left
out, as missing values are: not refused, since a refusal that depends on whether some unit
has a time ≤ 0 would tell that of a unit picked out by a filter. The event indicator is a
number or truth value; any value other than 0 (false) is an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text, localise

from ..output_control import ControlContext, SurvivalData, control_survival, vega_lite
from ..output_control.fingerprint import SetFingerprint
from ..output_control.rules.survival import SurvivalParameters
from ..statistic import Field, Statistic, Takes
from .shared.common import (
    DataView,
    Labelled,
    needs_unit_rows,
    number_sql,
    two_numbers,
    unit_rows,
    whole_option,
)
from .shared.survival_fields import EVENT_FIELD, POSITIVE_TIME_FIELD

MOST_STEPS = SurvivalParameters().max_steps

LEFT_OUT = Text(
    "Rader der tiden mangler eller ikke er positiv, eller der hendelsesindikatoren mangler, "
    "er utelatt.",
    "Rows whose time is missing or not positive, or whose event indicator is missing, are "
    "left out.",
)


def prepare_kaplan_meier(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> KaplanMeierPlan:
    needs_unit_rows(view, "kaplan_meier")
    time, event = two_numbers(view, request, "time", "event", "kaplan_meier")
    steps = whole_option(request, "steps", 1, MOST_STEPS)
    t, e = number_sql(time), number_sql(event)
    units, found = unit_rows(
        view, f"{t} AS t, {e} <> 0 AS e", f"isfinite({t}) AND {t} > 0 AND isfinite({e})"
    )
    data = SurvivalData(
        time.name,
        units,
        np.asarray(found["t"], dtype=np.float64),
        np.asarray(found["e"], dtype=bool),
    )
    return KaplanMeierPlan(data, event.name, steps, language, view.groups_of([time, event]))


@dataclass(frozen=True)
class KaplanMeierPlan:
    data: SurvivalData
    event: str
    steps: int | None
    language: str
    groups: tuple[SetFingerprint, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_survival(self.data, context, max_steps=self.steps, groups=self.groups)
        chart = vega_lite(result, self.language)
        chart["encoding"]["x"]["title"] = self.data.measure
        about = {
            "statistic": "kaplan_meier",
            "time": self.data.measure,
            "event": self.event,
            "left_out": localise(LEFT_OUT, self.language),
        }
        return [Labelled(about, result, {"vega_lite": chart})]


STATISTIC = Statistic(
    name="kaplan_meier",
    description=Text(
        "Kaplan–Meier-overlevelse i trinn på et fast tidsrutenett, hvert med minst 10 "
        "hendelser; antall i risiko og hendelser får støy, og kurven vises som Vega-Lite.",
        "Kaplan–Meier survival in steps on a fixed time grid, each of at least 10 events; "
        "counts at risk and of events get noise, and the curve is shown as Vega-Lite.",
    ),
    fields=(
        POSITIVE_TIME_FIELD,
        EVENT_FIELD,
        Field(
            "steps",
            Takes.WHOLE_NUMBER,
            bounds=(1, MOST_STEPS),
            description=Text(
                "Flest intervaller i tidsrutenettet.", "Most intervals of the time grid."
            ),
        ),
    ),
    releases=("survival",),
    prepare=prepare_kaplan_meier,
    request="KaplanMeier",
    example={"time": "alder", "event": "kreft"},
)
