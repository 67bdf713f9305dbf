"""extreme-values: min and max are never one unit's value but the mean of the `units` most
extreme units, perturbed as a magnitude (the noise of the set's total, keyed by its units
and values, over its size); both are withheld when the bottom and top sets would overlap
(a perturbed count below 2·units), and the controller also applies dominance-nk to each
set (OUTPUT_CONTROL.md §2). Shown to 3 significant figures, like percentiles (the
specification names no precision).

The noise is no larger than a sum's, on purpose. A target put above nine known values (a
box plot of 100,000 for the target's birth year and the wage for the target) is read back
as 10 · maximum − 900,000 with noise of sd half the wage (magnitude-noise's strength): the
same one measurement any published sum over the target and known people gives. About
15 % of red-team runs put the median error of six such targets below 25 % by luck (6 of
16 measured, 0.06–0.82), while the attacker's error bars are ±50 % on every one; the red
team judges that attack by this noise (test_new_statistics.NoisyEstimates), since more
noise here alone would leave the sum saying the same. What bounds the attacker is what bounds sums:
the budget, and the exposure ledger, which charges each published window's top
contributors and gives their later windows more noise (one_variable.WindowNoise; red
team: test_extremes.test_box_plot_whiskers_averaged_over_paddings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class ExtremeValuesParameters:
    units: int = 10
    significant_digits: int = 3

    def __post_init__(self) -> None:
        if self.units < 1 or self.significant_digits < 1:
            raise ValueError("extreme-values needs units ≥ 1 and digits ≥ 1")


@dataclass(frozen=True, eq=False)
class ExtremesSubject:
    sorted_values: np.ndarray
    size: int  # the perturbed number of units
    noise: Callable[[int, int], float]  # of the mean of ranks [start, stop)


class ExtremeValues(Rule[ExtremeValuesParameters, ExtremesSubject, float]):
    """Decisions: min, max."""

    code = "extreme-values"
    parameters_type = ExtremeValuesParameters
    title = Message("Minimum og maksimum", "Minimum and maximum")
    docs = Message(
        "Minimum og maksimum vises som gjennomsnittet av de {units} laveste og de {units} "
        "høyeste verdiene, og holdes tilbake hvis disse gruppene overlapper eller domineres "
        "av noen få enheter.",
        "Minimum and maximum are shown as the mean of the {units} lowest and the {units} "
        "highest values, and are withheld if these groups overlap or are dominated by a few "
        "units.",
    )
    reasons = frozen_reasons(
        {
            "extreme-values": Message(
                "Gjennomsnitt av de {units} mest ekstreme enhetene, avrundet til "
                "{significant_digits} gjeldende siffer.",
                "Mean of the {units} most extreme units, rounded to {significant_digits} "
                "significant figures.",
            ),
            "extreme-values-overlap": Message(
                "De {units} laveste og de {units} høyeste verdiene overlapper; minimum og "
                "maksimum vises ikke.",
                "The {units} lowest and the {units} highest values overlap; minimum and maximum "
                "are not shown.",
            ),
        }
    )

    def windows(self, n: int) -> tuple[slice, slice]:
        """The ranks of the bottom and top sets among n sorted values."""
        k = min(self.parameters.units, n)
        return slice(0, k), slice(n - k, n)

    def apply(self, subject: ExtremesSubject) -> Sequence[Decision[float]]:
        k, digits = self.parameters.units, self.parameters.significant_digits
        n = len(subject.sorted_values)
        if subject.size < 2 * k or n == 0:
            return [self.withhold("extreme-values-overlap")] * 2
        decisions: list[Decision[float]] = []
        for part in self.windows(n):
            mean = float(subject.sorted_values[part].mean())
            mean += subject.noise(part.start, part.stop)
            decisions.append(Decision(significant(mean, digits), "extreme-values"))
        return decisions
