"""histogram: bars are drawn only from a checked, perturbed count table, on bin edges from a
fixed 1-2-5×10^k grid; bins under 10 are suppressed by the threshold rule
(OUTPUT_CONTROL.md §2).

The grid is chosen from the smoothed 1st and 99th percentiles, perturbed as magnitudes
(never from the raw minimum or maximum), and the outer two bins are open-ended, so the
drawn range shows no single unit's extreme value. Edges are exact decimals (0.3, not
0.30000000000000004). A width asked for (histogram's `width`) is the grid's next step at
or above it, unless that gives more than max_bins bins: then the step max_bins give."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np

from ..rule import Decision, Message, Rule, frozen_reasons

GRID_MANTISSAS = (1, 2, 5)


@dataclass(frozen=True)
class HistogramParameters:
    default_bins: int = 20
    max_bins: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.default_bins <= self.max_bins:
            raise ValueError("histogram needs 1 ≤ default_bins ≤ max_bins")


def grid_step(span: float, bins: int) -> Decimal:
    """The smallest step m·10^k (m in 1, 2, 5) with `bins` steps covering `span`."""
    target = Decimal(repr(float(span))) / bins if span > 0 else Decimal(1)
    exponent = math.floor(math.log10(float(target)))
    for power in (exponent - 1, exponent, exponent + 1):
        for mantissa in GRID_MANTISSAS:
            step = mantissa * Decimal(10) ** power
            if step >= target:
                return step
    raise AssertionError("unreachable: 10^(k+1) ≥ target")


@dataclass(frozen=True)
class BinGrid:
    """Bins [edge_i, edge_i+1); the first bin also takes everything below, the last
    everything above."""

    edges: tuple[Decimal, ...]

    @property
    def bins(self) -> int:
        return len(self.edges) - 1

    def assign(self, values: np.ndarray) -> np.ndarray:
        inner = np.array([float(e) for e in self.edges[1:-1]], dtype=np.float64)
        return np.searchsorted(inner, np.asarray(values, dtype=np.float64), side="right")

    def bounds(self, index: int) -> tuple[float | None, float | None]:
        start = None if index == 0 else float(self.edges[index])
        end = None if index == self.bins - 1 else float(self.edges[index + 1])
        return start, end


@dataclass(frozen=True)
class BinRequest:
    low: float  # smoothed low end of the data
    high: float  # smoothed high end
    bins: int
    width: float | None = None  # a bin width asked for: the grid's next step at or above it


def make_grid(low: float, high: float, bins: int) -> BinGrid:
    return make_grid_step(low, high, grid_step(high - low, bins))


def make_grid_step(low: float, high: float, step: Decimal) -> BinGrid:
    """Edges at the multiples of `step` (a grid step) from below `low` to above `high`."""
    first = (Decimal(repr(float(low))) / step).to_integral_value(rounding=ROUND_FLOOR) * step
    span = (Decimal(repr(float(high))) - first) / step
    count = int(span.to_integral_value(rounding=ROUND_FLOOR))
    count = max(count + 1, 1)
    return BinGrid(tuple(first + i * step for i in range(count + 1)))


class HistogramBins(Rule[HistogramParameters, BinRequest, BinGrid]):
    code = "histogram"
    parameters_type = HistogramParameters
    title = Message("Histogram", "Histogram")
    docs = Message(
        "Histogrammer tegnes fra en kontrollert tabell med støy på antallene. Intervallene "
        "følger et fast 1-2-5×10^k-rutenett, yterste intervall er åpne, og søyler med færre "
        "enn 10 enheter skjules.",
        "Histograms are drawn from a checked count table with noise on the counts. Bins "
        "follow a fixed 1-2-5×10^k grid, the outer bins are open-ended, and bars with fewer "
        "than 10 units are withheld.",
    )
    reasons = frozen_reasons(
        {
            "histogram": Message(
                "Intervallene følger et fast rutenett; de yterste er åpne.",
                "Bins follow a fixed grid; the outer ones are open-ended.",
            ),
            "histogram-units": Message(
                "For få enheter til å tegne et histogram.",
                "Too few units to draw a histogram.",
            ),
        }
    )

    def apply(self, subject: BinRequest) -> Sequence[Decision[BinGrid]]:
        most = self.parameters.max_bins
        bins = min(max(subject.bins, 1), most)
        if subject.width is not None and subject.width > 0:
            step = grid_step(float(subject.width), 1)
            grid = make_grid(subject.low, subject.high, most)
            if step >= grid.edges[1] - grid.edges[0]:  # the width's step fits in max_bins
                return [Decision(make_grid_step(subject.low, subject.high, step), "histogram")]
            return [Decision(grid, "histogram")]
        return [Decision(make_grid(subject.low, subject.high, bins), "histogram")]
