"""survival: a survival curve's steps are aggregated so that each covers at least 10 events,
and its counts get cell key noise (OUTPUT_CONTROL.md §2).

Event times are first put on a fixed 1-2-5×10^k time grid (so no step edge is one unit's
event time), then consecutive grid intervals are merged until each step's events reach
min_events by their *perturbed* count: the count the step's own event cell publishes (the
events of disjoint intervals add up, and so do their record keys, so the step's count and
key are known before it is published). A remainder is merged into the last step, which is
open-ended. Where a step's edges fall thus depends on perturbed counts only. The curve is
the product-limit estimate of the published counts at risk and of events, and stops
(missing) from the first step whose counts are not published.

The step edges still follow perturbed counts of event sets, which the count snap does not
answer; so the whole curve is answered by its pairs (charts.control_survival): a curve
whose (unit, grid interval, event) pairs are a few from a registered curve's is that
curve again, edges and all, and two curves whose event variables differ in one unit's
value can no longer be told apart by where their steps end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


@dataclass(frozen=True, eq=False)
class IntervalEvents:
    """Per grid interval its events and their record key sum, and how a set's perturbed
    count follows from (count, key sum)."""

    counts: np.ndarray
    key_sums: np.ndarray
    perturbed: Callable[[int, int], int]


def merge_steps(subject: IntervalEvents, min_events: int) -> list[tuple[int, int]]:
    """Group consecutive grid intervals into steps [first, stop) of ≥ min_events events by
    the step's perturbed count."""
    steps: list[tuple[int, int]] = []
    start, held, keys = 0, 0, 0
    for index, (count, key) in enumerate(
        zip(subject.counts.tolist(), subject.key_sums.tolist(), strict=True)
    ):
        held, keys = held + int(count), keys + int(key)
        if held and subject.perturbed(held, keys) >= min_events:
            steps.append((start, index + 1))
            start, held, keys = index + 1, 0, 0
    if steps and start < len(subject.counts):
        steps[-1] = (steps[-1][0], len(subject.counts))
    return steps


class Survival(Rule[SurvivalParameters, IntervalEvents, tuple[int, int]]):
    """Decisions: one per step, carrying its grid intervals [first, stop)."""

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

    def apply(self, subject: IntervalEvents) -> Sequence[Decision[tuple[int, int]]]:
        steps = merge_steps(subject, self.parameters.min_events)
        if not steps:
            return [self.withhold("survival-events")]
        return [Decision(step, "survival") for step in steps]
