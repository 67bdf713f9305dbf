"""winsorised-summary: mean, standard deviation and Gini coefficient are computed on values
winsorised at the 1st and 99th percentile, so no single extreme value shows through, and
then perturbed as magnitudes; the sd needs at least 10 degrees of freedom
(OUTPUT_CONTROL.md §2).

Each of the three is a ratio of totals, and each total is perturbed as a magnitude
(magnitude-noise) by its own largest contributions, on its own stream of the data's value
digest: the mean is (Σ x + noise) / n, the sd √((Σ (x − x̄)² + noise) / (n − 1)), the Gini
coefficient (Σ (2i − n − 1)·x_(i) + noise) / (n · (Σ x + noise)). Here n is the *perturbed*
number of units (the count a frequency table would publish), and so are the checks: at
least min_units units, and n − 1 ≥ min_dof for the sd (no decision on an exact count).

Shown to `significant_digits` significant figures (4; the specification names none for
summaries, we use the regression's). The Gini coefficient is only defined here for
non-negative values with a positive total."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons

STATISTICS = ("mean", "sd", "gini")


@dataclass(frozen=True)
class WinsorisedSummaryParameters:
    lower_percentile: float = 1.0
    upper_percentile: float = 99.0
    min_units: int = 10
    min_dof: int = 10
    significant_digits: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.lower_percentile < self.upper_percentile <= 100:
            raise ValueError("winsorised-summary needs 0 ≤ lower < upper ≤ 100")
        if self.min_units < 1 or self.min_dof < 1 or self.significant_digits < 1:
            raise ValueError("winsorised-summary needs positive counts and digits")


def winsorise(values: np.ndarray, lower: float, upper: float) -> np.ndarray:
    low, high = np.percentile(values, [lower, upper])
    return np.clip(values, low, high)


def gini(values: np.ndarray) -> float:
    ordered = np.sort(values)
    n = len(ordered)
    rank_weights = 2 * np.arange(1, n + 1) - n - 1
    return float(rank_weights @ ordered) / (n * float(ordered.sum()))


# The noise of a total with these per-unit contributions, on a stream of its own.
TotalNoise = Callable[[np.ndarray, int], float]


@dataclass(frozen=True, eq=False)
class SummarySubject:
    values: np.ndarray  # one per distinct unit
    size: int  # the perturbed number of units
    noise: TotalNoise


class WinsorisedSummary(Rule[WinsorisedSummaryParameters, SummarySubject, float]):
    """Decisions: mean, sd, gini, in that order."""

    code = "winsorised-summary"
    parameters_type = WinsorisedSummaryParameters
    title = Message("Winsoriserte nøkkeltall", "Winsorised summaries")
    docs = Message(
        "Gjennomsnitt, standardavvik og Gini beregnes etter at verdiene er winsorisert ved "
        "{lower_percentile:g}. og {upper_percentile:g}. persentil. Standardavvik krever minst "
        "{min_dof} frihetsgrader, og alle tall krever minst {min_units} enheter.",
        "Mean, standard deviation and Gini are computed on values winsorised at the "
        "{lower_percentile:g}th and {upper_percentile:g}th percentile. The standard deviation "
        "needs at least {min_dof} degrees of freedom, and every statistic at least "
        "{min_units} units.",
    )
    reasons = frozen_reasons(
        {
            "winsorised-summary": Message(
                "Beregnet på winsoriserte verdier ({lower_percentile:g}.–{upper_percentile:g}. "
                "persentil) og avrundet til {significant_digits} gjeldende siffer.",
                "Computed on winsorised values ({lower_percentile:g}th–{upper_percentile:g}th "
                "percentile) and rounded to {significant_digits} significant figures.",
            ),
            "winsorised-summary-units": Message(
                "Færre enn {min_units} enheter; tallet vises ikke.",
                "Fewer than {min_units} units; the statistic is not shown.",
            ),
            "winsorised-summary-dof": Message(
                "Standardavviket krever minst {min_dof} frihetsgrader.",
                "The standard deviation needs at least {min_dof} degrees of freedom.",
            ),
            "winsorised-summary-gini": Message(
                "Gini-koeffisienten krever ikke-negative verdier med positiv sum.",
                "The Gini coefficient needs non-negative values with a positive total.",
            ),
        }
    )

    def apply(self, subject: SummarySubject) -> Sequence[Decision[float]]:
        p = self.parameters
        values = np.asarray(subject.values, dtype=np.float64)
        n = subject.size
        if n < p.min_units or len(values) == 0:
            return [self.withhold("winsorised-summary-units")] * len(STATISTICS)
        clipped = winsorise(values, p.lower_percentile, p.upper_percentile)

        def shown(value: float) -> Decision[float]:
            return Decision(significant(value, p.significant_digits), "winsorised-summary")

        total = float(clipped.sum()) + subject.noise(clipped, 0)
        mean = shown(total / n)
        deviations = (clipped - clipped.mean()) ** 2
        squares = float(deviations.sum()) + subject.noise(deviations, 1)
        sd = (
            shown(float(np.sqrt(max(squares, 0.0) / (n - 1))))
            if n - 1 >= p.min_dof
            else self.withhold("winsorised-summary-dof")
        )
        gini_ok = bool(np.all(clipped >= 0)) and float(clipped.sum()) > 0 and total > 0
        if gini_ok:
            # Each unit's term (2i − n − 1)·x_(i) kept in the units' order, so the noise can
            # charge each term to its unit (one_variable.SummaryNoise).
            order = np.argsort(clipped, kind="stable")
            weighted = np.empty_like(clipped)
            weighted[order] = (2 * np.arange(1, len(order) + 1) - len(order) - 1) * clipped[order]
            numerator = float(weighted.sum()) + subject.noise(weighted, 2)
            gini_value = shown(numerator / (n * total))
        else:
            gini_value = self.withhold("winsorised-summary-gini")
        return [mean, sd, gini_value]
