"""threshold: a count under 10 units is not published, an empty cell's included; only a
structural 0 is shown as 0 (OUTPUT_CONTROL.md §2; docs/OUTPUT_CONTROL.md §3 `threshold`
says why this departs from the specification's conformance case 2).

Applied to perturbed counts in frequency tables, histograms, hexbins and survival steps,
and to the perturbed counts of magnitude cells ("≥ 10 units per cell"). The test is
strict: a count below min_count fails, a count equal to it passes.

Why 0 is withheld too: a cell of one unit is withheld (its noise makes it 0 now and then),
so a 0 published as 0 beside it would tell, for a table built to single out a person
(target × diagnosis), which of two cells is the empty one. A 0 that is known without the
data (a structural zero: the caller says so, from metadata alone) tells nothing and is
shown; the controller leaves such cells out of this rule."""

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
        "Celler med færre enn {min_count} enheter skjules, også tomme celler; bare en "
        "strukturell 0 (kjent uten dataene) vises som 0.",
        "Cells with fewer than {min_count} units are withheld, empty cells included; only a "
        "structural 0 (known without the data) is shown as 0.",
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
        if count < self.parameters.min_count:
            return self.withhold("threshold")
        return Decision(count)
