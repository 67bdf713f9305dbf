"""min-population: statistics only from workspaces of at least 1000 units, and a derived
variable or filter changes at least 10 units or none (OUTPUT_CONTROL.md §2, first row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class MinPopulationParameters:
    min_units: int = 1000
    min_change: int = 10

    def __post_init__(self) -> None:
        if self.min_units < 1 or self.min_change < 1:
            raise ValueError("min-population needs min_units ≥ 1 and min_change ≥ 1")


class MinPopulation(Rule[MinPopulationParameters, int, int]):
    """Subject: the number of distinct units in the workspace population."""

    code = "min-population"
    parameters_type = MinPopulationParameters
    title = Message("Minste populasjon", "Minimum population")
    docs = Message(
        "Ingen statistikk hentes ut fra et arbeidsområde med færre enn {min_units} enheter. "
        "En avledet variabel eller et filter må endre minst {min_change} enheter, eller ingen.",
        "No statistic is released from a workspace of fewer than {min_units} units. A derived "
        "variable or a filter must change at least {min_change} units, or none.",
    )
    reasons = frozen_reasons(
        {
            "min-population": Message(
                "Populasjonen i arbeidsområdet har færre enn {min_units} enheter, så ingen "
                "statistikk kan hentes ut fra den. Utvid populasjonen.",
                "The workspace population has fewer than {min_units} units, so no statistic can "
                "be released from it. Widen the population.",
            ),
            "min-population-change": Message(
                "{what} endrer for få enheter. Den må endre minst {min_change} enheter, eller "
                "ingen.",
                "{what_en} changes too few units. It must change at least {min_change} units, "
                "or none.",
            ),
        }
    )

    def apply(self, subject: int) -> Sequence[Decision[int]]:
        if subject < self.parameters.min_units:
            return [self.withhold("min-population")]
        return [Decision(subject)]

    def change_allowed(self, changed_units: int) -> bool:
        return changed_units == 0 or changed_units >= self.parameters.min_change
