"""hexbin: a scatter is only ever shown as hexagonal bins, each covering at least 10 units
(OUTPUT_CONTROL.md §2). Hexes on a fixed lattice (cell size from the 1-2-5×10^k grid);
counts get cell key noise like any count, and a hex whose perturbed count is below 10 is
not drawn at all (its position would show where a few units are). The decision is on the
perturbed count, as every decision on a number of units at release is: on the exact count
it would tell which drawn hexes hold at least 10 units."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..rule import Decision, Message, Rule, frozen_reasons

ROW_HEIGHT = math.sqrt(3)  # lattice rows, in units of the hex spacing


@dataclass(frozen=True)
class HexbinParameters:
    min_units: int = 10
    default_gridsize: int = 20
    max_gridsize: int = 100

    def __post_init__(self) -> None:
        if self.min_units < 1 or not 1 <= self.default_gridsize <= self.max_gridsize:
            raise ValueError("hexbin needs min_units ≥ 1 and 1 ≤ default_gridsize ≤ max")


def hex_cells(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Nearest centre on a triangular lattice with spacing 1 (so the cells are regular
    hexagons): centres (i, √3·j) and (i + ½, √3·(j + ½)). Returns doubled integer
    coordinates (2·cx, 2·cy/√3) per point, shape (n, 2); ties go to the first lattice."""
    u = np.asarray(u, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64) / ROW_HEIGHT
    a_x, a_y = np.round(u), np.round(w)
    b_x, b_y = np.floor(u) + 0.5, np.floor(w) + 0.5
    dist_a = (u - a_x) ** 2 + 3 * (w - a_y) ** 2
    dist_b = (u - b_x) ** 2 + 3 * (w - b_y) ** 2
    use_b = dist_b < dist_a
    cx = np.where(use_b, b_x, a_x)
    cy = np.where(use_b, b_y, a_y)
    return np.stack([np.rint(2 * cx), np.rint(2 * cy)], axis=1).astype(np.int64)


class Hexbin(Rule[HexbinParameters, Sequence[int], int]):
    """Subject: perturbed distinct units per hex. A withheld hex is dropped from the output."""

    code = "hexbin"
    parameters_type = HexbinParameters
    title = Message("Sekskantplott", "Hexbin plot")
    docs = Message(
        "Spredningsplott vises bare som sekskanter med minst {min_units} enheter hver.",
        "Scatter plots are shown only as hexagons of at least {min_units} units each.",
    )
    reasons = frozen_reasons(
        {
            "hexbin": Message(
                "Sekskanter med færre enn {min_units} enheter tegnes ikke.",
                "Hexagons with fewer than {min_units} units are not drawn.",
            ),
            "hexbin-units": Message(
                "Færre enn {min_units} enheter; plottet kan ikke tegnes.",
                "Fewer than {min_units} units; the plot cannot be drawn.",
            ),
        }
    )

    def apply(self, subject: Sequence[int]) -> Sequence[Decision[int]]:
        return [
            Decision(int(c)) if c >= self.parameters.min_units else self.withhold("hexbin")
            for c in subject
        ]
