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
earlier rule already withheld).

A spread (an sd, a Gini) is supported likewise by its units off the most common value
(`off_the_mode`), not by its non-zero contributors: see there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def off_the_mode(cell: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    """Per value whether it is not the most common value of its cell (`cell[i]` of
    `n_cells`; of tied modes the least): the units a spread (a group's sd, summarize's sd
    and Gini, normaltest) needs `min_units` of, on their perturbed count. Why: a spread of
    nothing is exactly 0, and so is its capped noise, so it is shown only over units that
    differ, and their count must move by at most one per unit, as a count does. Off the
    exact mean, one unit off the rest put every unit there (15 known people at 1 and the
    target's 0/1: a group sd iff not diagnosed, 16 of 16; red team test_spreads_and_reach);
    off the median, one unit moved the median across a tie (6 known people at 1, 7 at 0
    and the target's 0/1: 14 units off it or 6, so a group sd and summarize's sd were shown
    iff diagnosed, 15-16 of 16 in six sessions; red team test_second_opinion_spreads). Off
    the mode: n less the largest multiplicity, which one unit added raises by 0 or 1."""
    cell = np.asarray(cell, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return np.zeros(0, dtype=bool)
    order = np.lexsort((values, cell))
    c, v = cell[order], values[order]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (v[1:] != v[:-1])])
    lengths = np.diff(np.r_[starts, len(v)])
    longest = np.zeros(n_cells, dtype=np.int64)
    np.maximum.at(longest, c[starts], lengths)
    # The first run of a cell's longest length: runs are by cell, then value ascending.
    modal = starts[lengths == longest[c[starts]]]
    cells, first = np.unique(c[modal], return_index=True)
    mode = np.full(n_cells, np.nan)
    mode[cells] = v[modal[first]]
    found: np.ndarray = values != mode[cell]
    return found
