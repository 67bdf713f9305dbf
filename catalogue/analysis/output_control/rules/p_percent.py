"""p-percent: a magnitude cell fails when the second-largest contributor could estimate the
largest contribution to within p % by subtracting its own (OUTPUT_CONTROL.md §2: p = 10),
i.e. when total − largest − second < p/100 · largest. Absolute per-unit values; an all-zero
cell passes. p is raised by up to `jitter` percentage points (made stricter) by a key of the
cell's unit set alone, so that a sequence of derived variables probing the decision only
brackets the value behind it. With the defaults the verdict is never the one a cell names:
p % fails only where the two largest hold more than 1/(1 + p/100) ≥ 0.901 of the total,
above every bound dominance-nk draws (≤ 0.9), and a withheld cell names its first rule
(controller.py); a steward who sets p above 11 makes it bind and its bracket readable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..magnitudes import Magnitudes, as_magnitudes
from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class PPercentParameters:
    p: float = 10.0  # percent
    jitter: float = 1.0  # percentage points

    def __post_init__(self) -> None:
        if not 0 < self.p < 100 or not 0 <= self.jitter < 100 - self.p:
            raise ValueError("p-percent needs 0 < p < 100 and 0 ≤ jitter < 100 − p")


class PPercent(Rule[PPercentParameters, Magnitudes | Sequence[np.ndarray], float]):
    """Subject: per cell, the per-unit contributions (or their Magnitudes). A passing
    decision carries the remainder after the two largest."""

    code = "p-percent"
    parameters_type = PPercentParameters
    title = Message("p %-regelen", "p % rule")
    docs = Message(
        "En celle skjules hvis summen uten de to største bidragene er under {p:g} % av det "
        "største (absoluttverdier, summert per enhet; grensen heves med inntil {jitter:g} "
        "prosentpoeng, fast for de samme enhetene). Celler med bare nuller vises.",
        "A cell is withheld if its total without the two largest contributions is below "
        "{p:g} % of the largest (absolute values, summed per unit; the bound is raised by up "
        "to {jitter:g} percentage points, fixed for the same units). All-zero cells are "
        "shown.",
    )
    reasons = frozen_reasons(
        {
            "p-percent": Message(
                "Cellens største bidrag kan anslås for nøyaktig, så cellen vises ikke.",
                "The cell's largest contribution could be estimated too closely, so the cell is "
                "not shown.",
            ),
        }
    )

    def apply(self, subject: Magnitudes | Sequence[np.ndarray]) -> Sequence[Decision[float]]:
        found = as_magnitudes(subject, 2)
        keys = np.zeros(len(found)) if found.set_keys is None else found.set_keys
        shares = ((self.parameters.p + self.parameters.jitter * keys) / 100).tolist()
        decisions: list[Decision[float]] = []
        for largest, rest, share in zip(
            found.largest[0].tolist(), found.rest_after_two.tolist(), shares, strict=True
        ):
            if largest > 0 and rest < share * largest:
                decisions.append(self.withhold("p-percent"))
            else:
                decisions.append(Decision(rest))
        return decisions
