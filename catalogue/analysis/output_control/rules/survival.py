"""survival: a survival curve's steps are aggregated so that each covers at least 10 events,
and its counts get cell key noise (OUTPUT_CONTROL.md §2).

Event times are first put on a fixed 1-2-5×10^k time grid (so no step edge is one unit's
event time), then consecutive grid intervals are merged until each step holds at least
min_events events; a remainder is merged into the last step, which is open-ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class SurvivalParameters:
    min_events: int = 10
    max_steps: int = 50
    significant_digits: int = 3

    def __post_init__(self) -> None:
        if self.min_events < 1 or self.max_steps < 1 or self.significant_digits < 1:
            raise ValueError("survival needs positive min_events, max_steps and digits")


def merge_steps(events: np.ndarray, min_events: int) -> list[tuple[int, int]]:
    """Group consecutive grid intervals into steps [first, stop) of ≥ min_events events."""
    steps: list[tuple[int, int]] = []
    start, held = 0, 0
    for index, count in enumerate(events):
        held += int(count)
        if held >= min_events:
            steps.append((start, index + 1))
            start, held = index + 1, 0
    if steps and start < len(events):
        steps[-1] = (steps[-1][0], len(events))
    return steps


class Survival(Rule[SurvivalParameters, np.ndarray, tuple[int, int]]):
    """Subject: events per grid interval. Decisions: one per step, carrying its grid
    intervals [first, stop)."""

    code = "survival"
    parameters_type = SurvivalParameters
    title = Message("Overlevelseskurver", "Survival curves")
    docs = Message(
        "Hvert trinn i en overlevelseskurve dekker minst {min_events} hendelser og følger "
        "et fast tidsrutenett; antallene får støy og overlevelsen vises med "
        "{significant_digits} gjeldende siffer.",
        "Each step of a survival curve covers at least {min_events} events and follows a "
        "fixed time grid; counts get noise and survival is shown to {significant_digits} "
        "significant figures.",
    )
    reasons = frozen_reasons(
        {
            "survival": Message(
                "Trinnet er slått sammen til minst {min_events} hendelser.",
                "The step is merged to at least {min_events} events.",
            ),
            "survival-events": Message(
                "Færre enn {min_events} hendelser; kurven vises ikke.",
                "Fewer than {min_events} events; the curve is not shown.",
            ),
        }
    )

    def apply(self, subject: np.ndarray) -> Sequence[Decision[tuple[int, int]]]:
        steps = merge_steps(np.asarray(subject), self.parameters.min_events)
        if not steps:
            return [self.withhold("survival-events")]
        return [Decision(step, "survival") for step in steps]
