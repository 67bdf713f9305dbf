"""magnitude-support: a sum or mean is published only over at least `min_units` units that
contribute something to it (a non-zero value), judged on the perturbed count of those units
(OUTPUT_CONTROL.md §1.5; docs/OUTPUT_CONTROL.md §3 `magnitude-support`).

Why: magnitude noise is scaled by a cell's largest contributions, so a total whose every
contribution is 0 gets no noise and is exactly 0, while one unit's 1 makes it something
else (withheld by the dominance rules in a table, a small number in an aggregated
variable). Over a variable that is 1 for a target if diagnosed and 0 for everyone else,
"exactly 0 or not" was a one-request oracle (red team: test_new_zeros, 16/16). So the set
of non-zero contributors is treated as the count cell it is: its count gets cell key noise
from the contributors' own keys, and under `min_units` — an empty set included — the value
is withheld with this one reason, the same for 0 contributors as for 1 to 9, and no later
rule's verdict is named beside it (a dominance verdict would tell 0 from 1).

What the dominance rules decide is unchanged: twelve contributions of 0 pass the p % rule
(conformance case 5, a rule-level case); the cell is then withheld by this rule, which the
magnitude table applies before them.

Subject: per cell the perturbed count of its non-zero contributors (None for a cell an
earlier rule already withheld)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class MagnitudeSupportParameters:
    min_units: int = 10

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise ValueError("magnitude-support needs min_units ≥ 1")


class MagnitudeSupport(Rule[MagnitudeSupportParameters, Sequence[int | None], int]):
    code = "magnitude-support"
    parameters_type = MagnitudeSupportParameters
    title = Message("Bidrag til summer", "Contributions to sums")
    docs = Message(
        "En sum eller et gjennomsnitt vises bare når minst {min_units} enheter bidrar med "
        "en verdi som ikke er 0 (vurdert på et antall med støy). Har ingen enhet en slik "
        "verdi, skjules tallet på samme måte som når få har det.",
        "A sum or mean is shown only when at least {min_units} units contribute a value "
        "other than 0 (judged on a count with noise). When no unit has such a value, the "
        "number is withheld the same way as when few do.",
    )
    reasons = frozen_reasons(
        {
            "magnitude-support": Message(
                "Færre enn {min_units} enheter bidrar med en verdi som ikke er 0, så tallet "
                "vises ikke.",
                "Fewer than {min_units} units contribute a value other than 0, so the number "
                "is not shown.",
            ),
        }
    )

    def apply(self, subject: Sequence[int | None]) -> Sequence[Decision[int]]:
        return [self._one(count) for count in subject]

    def supported(self, count: int) -> bool:
        return count >= self.parameters.min_units

    def _one(self, count: int | None) -> Decision[int]:
        if count is None:
            return Decision(None)
        if not self.supported(count):
            return self.withhold("magnitude-support")
        return Decision(count)
