"""smoothed-percentile: a percentile (or median) is never one unit's value but the mean of
the min_units units whose ranks lie nearest the quantile, perturbed as a magnitude (the
noise of the window's total, keyed by the window's units and values, over its size) and
shown to 3 significant figures (OUTPUT_CONTROL.md §2).

The check of min_units is on the *perturbed* number of units; when that passes while fewer
units are there, the window is all of them (never a refusal that tells the exact count).
A published window's top contributors are charged what it tells them in the exposure
ledger, as a table cell's are (one_variable.WindowNoise, exposure.window_exposure)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class SmoothedPercentileParameters:
    min_units: int = 10
    significant_digits: int = 3

    def __post_init__(self) -> None:
        if self.min_units < 1 or self.significant_digits < 1:
            raise ValueError("smoothed-percentile needs min_units ≥ 1 and digits ≥ 1")


def window(n: int, quantile: float, size: int) -> tuple[int, int]:
    """Ranks [start, stop) of the `size` units nearest the quantile's position q·(n − 1)
    among n sorted values; a tie between two windows goes to the lower one."""
    centre = quantile * (n - 1)
    start = math.floor(centre - (size - 1) / 2 + 0.5)
    start = min(max(start, 0), n - size)
    return start, start + size


def no_noise(start: int, stop: int) -> float:
    return 0.0


@dataclass(frozen=True, eq=False)
class PercentileSubject:
    sorted_values: np.ndarray
    quantiles: tuple[float, ...]
    size: int | None = None  # the perturbed number of units (None: the values' number)
    noise: Callable[[int, int], float] = no_noise  # of the mean of ranks [start, stop)


class SmoothedPercentile(Rule[SmoothedPercentileParameters, PercentileSubject, float]):
    code = "smoothed-percentile"
    parameters_type = SmoothedPercentileParameters
    title = Message("Glattede persentiler", "Smoothed percentiles")
    docs = Message(
        "En persentil er gjennomsnittet av de {min_units} enhetene nærmest kvantilen, vist "
        "med {significant_digits} gjeldende siffer.",
        "A percentile is the mean of the {min_units} units nearest the quantile, shown to "
        "{significant_digits} significant figures.",
    )
    reasons = frozen_reasons(
        {
            "smoothed-percentile": Message(
                "Gjennomsnitt av de {min_units} enhetene nærmest kvantilen, avrundet til "
                "{significant_digits} gjeldende siffer.",
                "Mean of the {min_units} units nearest the quantile, rounded to "
                "{significant_digits} significant figures.",
            ),
            "smoothed-percentile-units": Message(
                "Færre enn {min_units} enheter; persentilen vises ikke.",
                "Fewer than {min_units} units; the percentile is not shown.",
            ),
        }
    )

    def width(self, n: int) -> int:
        """How many units a window holds among n."""
        return min(self.parameters.min_units, n)

    def apply(self, subject: PercentileSubject) -> Sequence[Decision[float]]:
        p = self.parameters
        n = len(subject.sorted_values)
        size = n if subject.size is None else subject.size
        if size < p.min_units or n == 0:
            return [self.withhold("smoothed-percentile-units") for _ in subject.quantiles]
        decisions: list[Decision[float]] = []
        for q in subject.quantiles:
            start, stop = window(n, q, self.width(n))
            mean = float(subject.sorted_values[start:stop].mean()) + subject.noise(start, stop)
            decisions.append(
                Decision(significant(mean, p.significant_digits), "smoothed-percentile")
            )
        return decisions
