"""dominance-nk: a magnitude cell fails when its n largest per-unit contributions make up
at least k of its total (OUTPUT_CONTROL.md §2: n = 2, k = 0.85).

The bound is lowered by up to `jitter` (made stricter), by a key of the cell's unit set
alone: the same units always meet the same bound, whatever their values, but the exact
bound is not known. Why: a derived variable can put a target's value beside known values
(x = income·[target] + c·[others]); asking with c halved and doubled until the cell flips
between withheld and shown would otherwise find the value to the digit, since the
decision is taken on exact contributions. With the jitter the flip only brackets it.

Contributions are per unit (summed per unit before this rule) and judged on absolute
values, so a negative contribution cannot hide a dominant one. A cell whose total is 0
(all contributions 0) passes: there is nobody to protect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..magnitudes import Magnitudes, as_magnitudes
from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class DominanceParameters:
    n: int = 2
    k: float = 0.85
    jitter: float = 0.05

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 < self.k <= 1 or not 0 <= self.jitter < self.k:
            raise ValueError("dominance-nk needs n ≥ 1, 0 < k ≤ 1 and 0 ≤ jitter < k")


def dominance_share(contributions: np.ndarray, n: int) -> float:
    """Share of the absolute total held by the n largest absolute contributions (0 if the
    total is 0)."""
    found = Magnitudes.of_cells([contributions], n)
    total = float(found.totals[0])
    return float(found.largest[:n, 0].sum()) / total if total else 0.0


class DominanceNK(Rule[DominanceParameters, Magnitudes | Sequence[np.ndarray], float]):
    """Subject: per cell, the per-unit contributions (or their Magnitudes). A passing
    decision carries the cell's absolute total."""

    code = "dominance-nk"
    parameters_type = DominanceParameters
    title = Message("Dominansregel (n, k)", "Dominance rule (n, k)")
    docs = Message(
        "En celle skjules hvis de {n} største bidragene (absoluttverdier, summert per enhet) "
        "utgjør minst {k} av cellens sum (eller litt mindre: grensen senkes med inntil "
        "{jitter}, fast for de samme enhetene).",
        "A cell is withheld if its {n} largest contributions (absolute values, summed per "
        "unit) make up at least {k} of its total (or a little less: the bound is lowered by "
        "up to {jitter}, fixed for the same units).",
    )
    reasons = frozen_reasons(
        {
            "dominance-nk": Message(
                "Noen få enheter dominerer cellens sum, så den vises ikke.",
                "A few units dominate the cell's total, so it is not shown.",
            ),
        }
    )

    def apply(self, subject: Magnitudes | Sequence[np.ndarray]) -> Sequence[Decision[float]]:
        n, k = self.parameters.n, self.parameters.k
        found = as_magnitudes(subject, n)
        decisions: list[Decision[float]] = []
        tops = found.largest[:n].sum(axis=0).tolist()
        keys = np.zeros(len(found)) if found.set_keys is None else found.set_keys
        bounds = (k - self.parameters.jitter * keys).tolist()
        for total, top, bound in zip(found.totals.tolist(), tops, bounds, strict=True):
            if total > 0 and top / total >= bound:
                decisions.append(self.withhold("dominance-nk"))
            else:
                decisions.append(Decision(total))
        return decisions
