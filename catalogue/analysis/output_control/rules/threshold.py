"""threshold: a count of 1 to 9 units is not published; 0 is (OUTPUT_CONTROL.md §2).

Applied to perturbed counts in frequency tables, histograms, hexbins and survival steps,
and to true distinct-unit counts in magnitude tables ("≥ 10 units per cell"). The test is
strict: a count below min_count fails, a count equal to it passes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class ThresholdParameters:
    min_count: int = 10

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise ValueError("threshold needs min_count ≥ 1")


class Threshold(Rule[ThresholdParameters, Sequence[int | None], int]):
    """Subject: one count per cell (None for a cell an earlier rule already withheld)."""

    code = "threshold"
    parameters_type = ThresholdParameters
    title = Message("Terskel for små tall", "Small-count threshold")
    docs = Message(
        "Celler med 1 til {min_count} − 1 enheter skjules; 0 vises som 0.",
        "Cells with 1 to {min_count} − 1 units are withheld; 0 is shown as 0.",
    )
    reasons = frozen_reasons(
        {
            "threshold": Message(
                "Cellen har færre enn {min_count} enheter og vises ikke.",
                "The cell has fewer than {min_count} units and is not shown.",
            ),
        }
    )

    def apply(self, subject: Sequence[int | None]) -> Sequence[Decision[int]]:
        return [self._one(count) for count in subject]

    def _one(self, count: int | None) -> Decision[int]:
        if count is None:
            return Decision(None)
        if 0 < count < self.parameters.min_count:
            return self.withhold("threshold")
        return Decision(count)
