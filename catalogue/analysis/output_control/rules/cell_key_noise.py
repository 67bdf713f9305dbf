"""cell-key-noise: every count gets noise chosen by its cell key from the perturbation
table (OUTPUT_CONTROL.md §2, "How the cell key method works here")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cell_key import perturbed_counts
from ..ptable import PerturbationTable, load_ptable
from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class CellKeyNoiseParameters:
    enabled: bool = True
    max_noise: int = 5
    variance: float = 3.0
    js: int = 0

    def __post_init__(self) -> None:
        if self.max_noise < 1 or self.variance <= 0 or self.js < 0:
            raise ValueError("cell-key-noise needs max_noise ≥ 1, variance > 0 and js ≥ 0")


@dataclass(frozen=True, eq=False)
class CountsWithKeys:
    counts: np.ndarray  # distinct units per cell
    key_sums: np.ndarray  # sum of the cell's record keys


class CellKeyNoise(Rule[CellKeyNoiseParameters, CountsWithKeys, int]):
    code = "cell-key-noise"
    parameters_type = CellKeyNoiseParameters
    title = Message("Støy med cellenøkler", "Cell key noise")
    docs = Message(
        "Hvert antall får støy på høyst ±{max_noise} med varians {variance}, valgt av "
        "cellens nøkkel, slik at samme enheter alltid gir samme svar. 0 forblir 0. "
        "Summer og marginer får egen støy og er derfor ikke additive.",
        "Every count gets noise of at most ±{max_noise} with variance {variance}, chosen by "
        "the cell's key, so the same units always give the same answer. 0 stays 0. Totals "
        "and margins get their own noise and are therefore not additive.",
    )
    reasons = frozen_reasons(
        {
            # Tagged on every count alike: saying which cells actually moved would tell which
            # published counts are exact.
            "cell-key-noise": Message(
                "Antallet har fått tilfeldig støy (høyst ±{max_noise}).",
                "The count has random noise added (at most ±{max_noise}).",
            ),
        }
    )

    def table(self) -> PerturbationTable:
        p = self.parameters
        return load_ptable(p.max_noise, float(p.variance), p.js)

    def parameter_values(self) -> dict[str, Any]:
        values = super().parameter_values()
        if self.parameters.enabled:
            values["ptable"] = self.table().version
        return values

    def apply(self, subject: CountsWithKeys) -> Sequence[Decision[int]]:
        counts = np.asarray(subject.counts, dtype=np.int64)
        if not self.parameters.enabled:
            return [Decision(int(c)) for c in counts]
        published = perturbed_counts(counts, subject.key_sums, self.table())
        return [Decision(int(c), "cell-key-noise") for c in published]
