"""model-noise: a model's coefficients and standard errors are perturbed before they leave
(OUTPUT_CONTROL.md §2, regression). Each coefficient b_j with standard error s_j is
published as

    b_j' = b_j + σ_j · v_j,      σ_j = max(coefficient_share · c_j, influence_share · d_j),
    s_j' = s_j · exp(τ_j · w_j),  τ_j = max(std_error_share, influence_share · r_j),

with v and w read from the continuous perturbation table (continuous_ptable.py: mean 0,
variance 1, |v| ≤ max_noise) and, from the model's evidence (model_support.py, the same
for every family): c_j the classical standard error, d_j the most one unit moves b_j (its
largest |DFBETA|), r_j the most one unit moves s_j, as a share of it (at most 1).

Why each part:
- a share of the standard error keeps the noise invisible next to the uncertainty a
  researcher reads anyway, and fresh for any model that differs in one unit's value;
- the floor by d_j: the standard error can be made tiny while one unit still moves the
  coefficient (a fit perfect for everyone but the target: its slope is 1 + the target's
  leverage, its standard error near 0). Noise of at least influence_share times what any
  one unit does hides that unit's part in every coefficient, whatever the fit; on a
  realistic model no unit moves a coefficient by more than a small share of its standard
  error, so the floor changes nothing there;
- c_j, not the standard error the request asked for: the same model asked with classical,
  robust or clustered standard errors gets the same coefficients. Were the noise a share of
  each, with one key, b_c − b_r = share·v·(s_c − s_r) would give v, and so b exactly;
- the standard error's own floor, by r_j: in a fit perfect but for one unit the standard
  error is that unit's residual (r_j = 1, so it is known only to within a factor of e per
  standard deviation of w; on a scale of logs, so it stays positive); its key mixes the
  standard error's value (to 10 significant figures) into the model's digest, so
  classical, robust and clustered errors get unrelated noise (their ratio, exact under one
  factor, would tell the residual too) while the same value asked twice, whatever the
  wording, gets the same answer.

Keys come from the model's value digest (its units, the outcome and every regressor), a
stream per term: the same model on the same units and values gets the same numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..continuous_ptable import ContinuousPerturbationTable, load_continuous_ptable
from ..fingerprint import splitmix64
from ..model_support import Influence
from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons
from ..value_keys import uniforms

STD_ERROR_DIGITS = 10  # a standard error's value keys its noise to this many figures


@dataclass(frozen=True)
class ModelNoiseParameters:
    enabled: bool = True
    coefficient_share: float = 0.3  # the coefficient noise's sd, in standard errors
    std_error_share: float = 0.1  # the standard error noise's sd, as a share of it
    influence_share: float = 2.0  # the noise's sd at least this times one unit's influence
    max_noise: float = 3.0  # |v| ≤ max_noise (in standard deviations)

    def __post_init__(self) -> None:
        if min(self.coefficient_share, self.influence_share) < 0:
            raise ValueError("model-noise needs coefficient_share, influence_share ≥ 0")
        if self.std_error_share < 0:
            raise ValueError("model-noise needs std_error_share ≥ 0")
        if self.max_noise <= 1:
            raise ValueError("model-noise needs max_noise > 1 (the table's sd)")


@dataclass(frozen=True, eq=False)
class Estimates:
    coefficients: np.ndarray
    std_errors: np.ndarray
    digest: int
    influence: Influence  # from the model's evidence
    covariance: str = "robust"  # of the standard errors: "classical", else a sandwich


class ModelNoise(Rule[ModelNoiseParameters, Estimates, tuple[float, float]]):
    """Decisions: per term (coefficient, standard error) after noise, unrounded."""

    code = "model-noise"
    parameters_type = ModelNoiseParameters
    title = Message("Støy på modeller", "Noise on models")
    docs = Message(
        "Hver koeffisient får støy med standardavvik {coefficient_share} klassiske "
        "standardfeil, men minst {influence_share} ganger det mest én enhet flytter den, og "
        "hver standardfeil støy med standardavvik {std_error_share} av seg selv (på log-"
        "skala), men minst {influence_share} ganger andelen én enhet flytter den med, valgt "
        "av nøkler for modellens enheter og verdier: samme modell gir samme tall.",
        "Every coefficient gets noise with a standard deviation of {coefficient_share} "
        "classical standard errors, but at least {influence_share} times the most one unit "
        "moves it, and every standard error noise with a standard deviation of "
        "{std_error_share} of itself (on a log scale), but at least {influence_share} times "
        "the share one unit moves it by, chosen by keys of the model's units and values: the "
        "same model gives the same numbers.",
    )
    reasons = frozen_reasons(
        {
            "model-noise": Message(
                "Koeffisienter og standardfeil har fått tilfeldig støy i forhold til "
                "standardfeilen eller til det én enhet kan endre dem med.",
                "Coefficients and standard errors have random noise added in proportion to "
                "the standard error or to what one unit can change them by.",
            ),
        }
    )

    def table(self) -> ContinuousPerturbationTable:
        return load_continuous_ptable(self.parameters.max_noise, 1.0)

    def parameter_values(self) -> dict[str, Any]:
        values = super().parameter_values()
        if self.parameters.enabled:
            values["ptable"] = self.table().version
        return values

    def apply(self, subject: Estimates) -> Sequence[Decision[tuple[float, float]]]:
        p = self.parameters
        b = np.asarray(subject.coefficients, dtype=np.float64)
        s = np.asarray(subject.std_errors, dtype=np.float64)
        if not p.enabled:
            return [Decision((float(x), float(e))) for x, e in zip(b, s, strict=True)]
        influence = subject.influence
        spread = np.maximum(
            p.coefficient_share * influence.scale, p.influence_share * influence.coefficient
        )
        share = np.maximum(
            p.std_error_share, p.influence_share * influence.std_error(subject.covariance)
        )
        digest = np.array([subject.digest % (1 << 64)], dtype=np.uint64)
        table = self.table()
        found = []
        for j, (x, e) in enumerate(zip(b.tolist(), s.tolist(), strict=True)):
            v = float(table.values(uniforms(digest, 2 * j))[0])
            w = float(table.values(uniforms(_valued(digest, e), 2 * j + 1))[0])
            noised = (x + float(spread[j]) * v, e * math.exp(float(share[j]) * w))
            found.append(Decision(noised, "model-noise"))
        return found


def _valued(digest: np.ndarray, std_error: float) -> np.ndarray:
    """The model's digest mixed with a standard error's value (to STD_ERROR_DIGITS figures:
    the same error computed in another order keys the same noise)."""
    shown = significant(std_error, STD_ERROR_DIGITS) if np.isfinite(std_error) else 0.0
    bits = np.array([shown + 0.0], dtype=np.float64).view(np.uint64)
    return splitmix64(digest ^ splitmix64(bits))
