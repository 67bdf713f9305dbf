"""min-population: statistics only from workspaces of at least 1000 units, judged on the
*perturbed* population count (OUTPUT_CONTROL.md v2 §2, first row; conformance case 15).

Why perturbed: a refusal at an exact count of 1000 is an oracle. A researcher who builds a
workspace of exactly 1000 units with a target person in it, and the same less one other
unit, would learn from accepted/refused whether the target is in the first. The perturbed
count carries the population's own cell key noise (|d| ≤ D), so the bound shifts by an
amount the researcher cannot know or cancel, and the same population always meets the same
bound (the noise is keyed, not random).

Version 1 also refused a filter or derived variable that changed 1–9 units; that rule is
withdrawn (its refusal said whether a small set was empty) and no parameter of it remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class MinPopulationParameters:
    min_units: int = 1000

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise ValueError("min-population needs min_units ≥ 1")


class MinPopulation(Rule[MinPopulationParameters, int, int]):
    """Subject: the perturbed number of distinct units in the workspace population."""

    code = "min-population"
    parameters_type = MinPopulationParameters
    title = Message("Minste populasjon", "Minimum population")
    docs = Message(
        "Ingen statistikk hentes ut fra et arbeidsområde med færre enn {min_units} enheter, "
        "bedømt på det støylagte antallet.",
        "No statistic is released from a workspace of fewer than {min_units} units, judged "
        "on the perturbed count.",
    )
    reasons = frozen_reasons(
        {
            "min-population": Message(
                "Populasjonen i arbeidsområdet har færre enn {min_units} enheter, så ingen "
                "statistikk kan hentes ut fra den. Utvid populasjonen.",
                "The workspace population has fewer than {min_units} units, so no statistic can "
                "be released from it. Widen the population.",
            ),
        }
    )

    def apply(self, subject: int) -> Sequence[Decision[int]]:
        if subject < self.parameters.min_units:
            return [self.withhold("min-population")]
        return [Decision(subject)]
