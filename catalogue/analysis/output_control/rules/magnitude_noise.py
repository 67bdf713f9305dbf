"""magnitude-noise: every number computed from values is perturbed before it leaves
(OUTPUT_CONTROL.md §1.3 and §2): the cell key method for magnitudes of the Australian
Bureau of Statistics (Thompson, Broadfoot & Elazar 2013), in the generalised form of
Gießing & Tent (2019) that the R package cellKey implements as its `top_contr` variant.

A cell's total T gets

    T' = T + Σ_{j=1..k} m_j · x_(j) · v_j,    m_j = strength · decay^(j−1),

over its k largest absolute contributions x_(1) ≥ x_(2) ≥ … (per unit, summed per unit
first), with each v_j read from the continuous perturbation table (continuous_ptable.py:
mean 0, variance 1, |v| ≤ max_noise) at a key of its own drawn from the cell's value
digest (value_keys.py). Hence:

- the noise's standard deviation is at least `strength` × the largest contribution: the
  unit that matters most to a total is hidden behind noise of its own size, so a total
  does not disclose it even when it dominates (the dominance rules withhold such cells
  besides);
- it is consistent: the same units with the same values get the same noise, whatever the
  names, the wording or the row order, so asking again or renaming adds nothing;
- it is fresh for any other question: changing one unit's value (Σ 2y·[unit ≠ u]) or one
  unit's membership gives an unrelated digest and so unrelated noise, which does not
  cancel in a difference;
- it is bounded: |T' − T| ≤ max_noise · Σ_j m_j · x_(j).

Means are perturbed totals over perturbed counts; smoothed percentiles and extremes, and
the summaries' sums, are totals of their own contributions perturbed the same way. The
published totals are shown to `significant_digits` significant figures (far finer than the
noise, fine enough for any use): that also hides the last-bit differences a different
order of summation can make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..continuous_ptable import ContinuousPerturbationTable, load_continuous_ptable
from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons
from ..value_keys import uniforms

TABLE_VARIANCE = 1.0  # the table's v has unit variance; `strength` scales it


@dataclass(frozen=True)
class MagnitudeNoiseParameters:
    enabled: bool = True
    top_k: int = 3
    strength: float = 0.5  # m_1: the noise's sd as a share of the largest contribution
    decay: float = 0.5  # m_j = strength · decay^(j − 1)
    max_noise: float = 3.0  # |v| ≤ max_noise (in standard deviations)
    significant_digits: int = 6

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.significant_digits < 1:
            raise ValueError("magnitude-noise needs top_k ≥ 1 and significant_digits ≥ 1")
        if self.strength < 0 or not 0 <= self.decay <= 1:
            raise ValueError("magnitude-noise needs strength ≥ 0 and 0 ≤ decay ≤ 1")
        if self.max_noise <= TABLE_VARIANCE**0.5:
            raise ValueError("magnitude-noise needs max_noise > 1 (the table's sd)")


def largest_of(contributions: np.ndarray, k: int) -> np.ndarray:
    """The k largest absolute values, descending, padded with zeros (a linear-time
    partition, not a sort)."""
    magnitudes = np.abs(np.asarray(contributions, dtype=np.float64).reshape(-1))
    top = np.zeros(k)
    if len(magnitudes) > k:
        magnitudes = np.partition(magnitudes, len(magnitudes) - k)[-k:]
    found = np.sort(magnitudes)[::-1]
    top[: len(found)] = found
    return top


@dataclass(frozen=True, eq=False)
class Perturbable:
    """Per cell: its total, its largest absolute contributions (top_k, cells) descending
    (0 where a cell has fewer), and its value digest. `stream` tells apart several totals
    drawn from one digest (a summary's sum and sum of squares)."""

    totals: np.ndarray
    largest: np.ndarray
    digests: np.ndarray
    stream: int = 0


class MagnitudeNoise(Rule[MagnitudeNoiseParameters, Perturbable, float]):
    code = "magnitude-noise"
    parameters_type = MagnitudeNoiseParameters
    title = Message("Støy på summer og andre størrelser", "Noise on sums and other magnitudes")
    docs = Message(
        "Hver sum, hvert gjennomsnitt og hver annen størrelse beregnet av verdier får støy "
        "fra cellens {top_k} største bidrag, med standardavvik minst {strength} ganger det "
        "største bidraget og høyst {max_noise} standardavvik stor. Støyen velges av nøkler "
        "for enhetene og deres verdier: samme spørsmål gir samme svar, og et spørsmål som "
        "skiller seg i én enhets verdi får ny støy. Vises med {significant_digits} gjeldende "
        "siffer.",
        "Every sum, mean and other magnitude computed from values gets noise from the cell's "
        "{top_k} largest contributions, with a standard deviation of at least {strength} "
        "times the largest contribution and at most {max_noise} standard deviations in size. "
        "The noise is chosen by keys of the units and their values: the same question gets "
        "the same answer, and a question that differs in one unit's value gets new noise. "
        "Shown to {significant_digits} significant figures.",
    )
    reasons = frozen_reasons(
        {
            # On every perturbed value alike: which ones moved much is what the noise hides.
            "magnitude-noise": Message(
                "Tallet har fått tilfeldig støy i forhold til de største bidragene.",
                "The value has random noise added in proportion to its largest contributions.",
            ),
        }
    )

    def table(self) -> ContinuousPerturbationTable:
        return load_continuous_ptable(self.parameters.max_noise, TABLE_VARIANCE)

    def parameter_values(self) -> dict[str, Any]:
        values = super().parameter_values()
        if self.parameters.enabled:
            values["ptable"] = self.table().version
        return values

    def multipliers(self) -> np.ndarray:
        p = self.parameters
        return p.strength * p.decay ** np.arange(p.top_k, dtype=np.float64)

    def noise(self, largest: np.ndarray, digests: np.ndarray, stream: int = 0) -> np.ndarray:
        """Per cell Σ_j m_j · x_(j) · v_j (0 when the rule is off)."""
        p = self.parameters
        digests = np.asarray(digests, dtype=np.uint64)
        total = np.zeros(len(digests))
        if not p.enabled:
            return total
        largest = np.asarray(largest, dtype=np.float64)
        table = self.table()
        for j, m in enumerate(self.multipliers()):
            if j >= largest.shape[0]:
                break
            v = table.values(uniforms(digests, stream * p.top_k + j))
            total += m * np.abs(largest[j]) * v
        return total

    def of_values(self, contributions: np.ndarray, digest: int, stream: int = 0) -> float:
        """The noise of one total of these per-unit contributions, keyed by `digest`."""
        top = largest_of(contributions, self.parameters.top_k)
        digests = np.array([digest % (1 << 64)], dtype=np.uint64)
        return float(self.noise(top[:, None], digests, stream)[0])

    def bound(self, largest: np.ndarray) -> np.ndarray:
        """The largest the noise can be: max_noise · Σ_j m_j · x_(j)."""
        k = min(self.parameters.top_k, np.asarray(largest).shape[0])
        m = self.multipliers()[:k]
        return self.parameters.max_noise * (m[:, None] * np.abs(np.asarray(largest)[:k])).sum(0)

    def shown(self, value: float) -> float:
        return significant(value, self.parameters.significant_digits)

    def apply(self, subject: Perturbable) -> Sequence[Decision[float]]:
        noised = np.asarray(subject.totals, dtype=np.float64) + self.noise(
            subject.largest, subject.digests, subject.stream
        )
        reason = "magnitude-noise" if self.parameters.enabled else None
        return [Decision(self.shown(float(t)), reason) for t in noised.tolist()]
