"""The request fields every time-to-event statistic takes (Kaplan–Meier, Cox, Weibull),
declared once so that their OpenAPI descriptions and docs say the same thing; and their one
check of the times (`refuse_many_times_not_positive`)."""

from __future__ import annotations

import numpy as np

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import Text

from ...output_control import PositionKeys, reaching_threshold
from ...statistic import Field, Takes
from ...variables import Variable
from .common import DataView, fetch_numpy, number_sql

EVENT_FIELD = Field(
    "event",
    Takes.VARIABLE,
    required=True,
    description=Text(
        "1 (eller sann) om hendelsen inntraff, 0 om tiden er sensurert.",
        "1 (or true) if the event happened, 0 if the time is censored.",
    ),
)

POSITIVE_TIME_FIELD = Field(
    "time",
    Takes.VARIABLE,
    required=True,
    description=Text(
        "Tid til hendelse eller sensur (positiv).",
        "Time to event or censoring (positive).",
    ),
)


def refuse_many_times_not_positive(
    view: DataView, time: Variable, event: Variable, statistic: str
) -> None:
    """For a statistic that needs the log of every time (Weibull): when the units with a
    time ≤ 0 (and an event indicator) reach the table threshold by their perturbed count,
    the request is refused with `survival-time-not-positive` naming the time variable.
    Fewer are withheld as the statistic documents: a refusal on whether one unit's time is
    ≤ 0 would tell it of a unit picked out by a filter, while the perturbed count is what a
    table of the times ≤ 0 would publish anyway (OUTPUT_CONTROL.md §1.5, as rdd's support on
    each side). Not for Kaplan–Meier, which leaves such rows out and says so in its result
    (`left_out`), nor for Cox, whose partial likelihood needs only the times' order (a time
    of 0, a newborn censored at birth, is a time there, as in lifelines' CoxPHFitter)."""
    t, e = number_sql(time), number_sql(event)
    found = fetch_numpy(
        view,
        f'SELECT w.rowid AS r FROM "{view.table}" AS w '
        f"WHERE isfinite({t}) AND {t} <= 0 AND isfinite({e})",
    )
    if not len(found["r"]):
        return
    units = view.rows.protected(found["r"]).astype(np.int64)
    keys = PositionKeys(view.rows.snapshot.arrays)
    reached = reaching_threshold(view.parameters, np.zeros(len(units), np.int64), units, keys)
    if len(reached) and reached[0]:
        raise invalid_input(
            "survival-time-not-positive",
            f"Tiden «{time.name}» er 0 eller negativ for mange enheter ({statistic} trenger "
            "positive tider til hendelse eller sensur). Velg en annen tid, eller avgrens med "
            f"if {time.name} > 0.",
            f"The time '{time.name}' is 0 or negative for many units ({statistic} needs "
            "positive times to event or censoring). Choose another time, or restrict with "
            f"if {time.name} > 0.",
            name=time.name,
            field="time",
        )
