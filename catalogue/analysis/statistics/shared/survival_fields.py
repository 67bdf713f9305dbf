"""The request fields every time-to-event statistic takes (Kaplan–Meier, Cox, Weibull),
declared once so that their OpenAPI descriptions and docs say the same thing."""

from __future__ import annotations

from catalogue.domain.text import Text

from ...statistic import Field, Takes

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
