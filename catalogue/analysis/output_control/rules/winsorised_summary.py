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

from ..influence import gini_influences, moment_influences
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
    if not len(values):  # no value (every one missing): nothing to clip, no percentile
        return np.asarray(values, dtype=np.float64).copy()
    low, high = np.percentile(values, [lower, upper])
    return np.clip(values, low, high)


def gini(values: np.ndarray) -> float:
    ordered = np.sort(values)
    n = len(ordered)
    rank_weights = 2 * np.arange(1, n + 1) - n - 1
    return float(rank_weights @ ordered) / (n * float(ordered.sum()))


# The released total (the exact one, its units' influences on it, its stream, the power
# of deviations they are: the cap is read on their root): capped
# and perturbed (one_variable.SummaryNoise, influence.py).
TotalNoise = Callable[[float, np.ndarray, int, int], float]


@dataclass(frozen=True, eq=False)
class SummarySubject:
    values: np.ndarray  # one per distinct unit
    size: int  # the perturbed number of units
    noise: TotalNoise
    # the perturbed number of units whose winsorised value is not the median (None: not
    # judged): the sd and Gini need min_units of them
    spread: int | None = None


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
            "winsorised-summary-spread": Message(
                "Færre enn {min_units} enheter har en annen verdi enn den vanligste; tallet "
                "vises ikke.",
                "Fewer than {min_units} units have a value other than the most common one; the "
                "statistic is not shown.",
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

        total = subject.noise(float(clipped.sum()), clipped, 0, 1)
        mean = shown(total / n)
        deviations = clipped - clipped.mean()
        squares = subject.noise(
            float(np.sum(deviations**2)), moment_influences(deviations, 2), 1, 2
        )
        # A spread of nothing is exactly 0, and its capped noise too (every influence 0):
        # 15 known people at 1 and the target's 0/1 gave sd 0 iff diagnosed. So the sd and
        # Gini need min_units units off the median, on their perturbed count.
        spread = subject.spread is None or subject.spread >= p.min_units
        sd = (
            shown(float(np.sqrt(max(squares, 0.0) / (n - 1))))
            if n - 1 >= p.min_dof and spread
            else self.withhold(
                "winsorised-summary-dof" if n - 1 < p.min_dof else "winsorised-summary-spread"
            )
        )
        gini_ok = bool(np.all(clipped >= 0)) and float(clipped.sum()) > 0 and total > 0
        if gini_ok and not spread:
            gini_value = self.withhold("winsorised-summary-spread")
        elif gini_ok:
            # The numerator Σ(2i − n − 1)·x_(i) is Σ_{i<j} |x_i − x_j|: a unit's influence
            # on it is Σ_j |x_t − x_j|.
            ordered = np.sort(clipped)
            weights = 2 * np.arange(1, len(ordered) + 1) - len(ordered) - 1
            numerator = subject.noise(float(weights @ ordered), gini_influences(clipped), 2, 1)
            gini_value = shown(numerator / (n * total))
        else:
            gini_value = self.withhold("winsorised-summary-gini")
        return [mean, sd, gini_value]
