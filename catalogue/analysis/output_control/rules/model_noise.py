"""model-noise: a model's coefficients and standard errors are perturbed before they leave
(OUTPUT_CONTROL.md §2, regression): each coefficient b with standard error s is published
as

    b' = b + coefficient_share · s · v,    s' = s · (1 + std_error_share · w),

with v and w read from the continuous perturbation table (continuous_ptable.py: mean 0,
variance 1, |v| ≤ max_noise) at keys drawn from the model's value digest
(model_support.py: its units, the outcome and every regressor), a stream per term.

So the noise is a fixed share of the estimate's own uncertainty: it is invisible next to the
standard error a researcher reads anyway (b' stays within coefficient_share · max_noise
standard errors of b: one standard error with the defaults), it is consistent (the same
model on the same units and values gets the same numbers), and it is fresh for any model
that differs in one unit's value, so two fits built to differ in one unit do not cancel.
Together with the support and leverage checks of the regression rule, one unit cannot move
a coefficient by more than about its standard error, which the noise then hides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..continuous_ptable import ContinuousPerturbationTable, load_continuous_ptable
from ..rule import Decision, Message, Rule, frozen_reasons
from ..value_keys import uniforms


@dataclass(frozen=True)
class ModelNoiseParameters:
    enabled: bool = True
    coefficient_share: float = 0.3  # the coefficient noise's sd, in standard errors
    std_error_share: float = 0.1  # the standard error noise's sd, as a share of it
    max_noise: float = 3.0  # |v| ≤ max_noise (in standard deviations)

    def __post_init__(self) -> None:
        if self.coefficient_share < 0 or not 0 <= self.std_error_share * self.max_noise < 1:
            raise ValueError(
                "model-noise needs coefficient_share ≥ 0 and std_error_share · max_noise < 1"
            )
        if self.max_noise <= 1:
            raise ValueError("model-noise needs max_noise > 1 (the table's sd)")


@dataclass(frozen=True, eq=False)
class Estimates:
    coefficients: np.ndarray
    std_errors: np.ndarray
    digest: int


class ModelNoise(Rule[ModelNoiseParameters, Estimates, tuple[float, float]]):
    """Decisions: per term (coefficient, standard error) after noise, unrounded."""

    code = "model-noise"
    parameters_type = ModelNoiseParameters
    title = Message("Støy på modeller", "Noise on models")
    docs = Message(
        "Hver koeffisient får støy med standardavvik {coefficient_share} standardfeil, og hver "
        "standardfeil støy med standardavvik {std_error_share} av seg selv, valgt av nøkler "
        "for modellens enheter og verdier: samme modell gir samme tall.",
        "Every coefficient gets noise with a standard deviation of {coefficient_share} "
        "standard errors, and every standard error noise with a standard deviation of "
        "{std_error_share} of itself, chosen by keys of the model's units and values: the "
        "same model gives the same numbers.",
    )
    reasons = frozen_reasons(
        {
            "model-noise": Message(
                "Koeffisienter og standardfeil har fått tilfeldig støy i forhold til "
                "standardfeilen.",
                "Coefficients and standard errors have random noise added in proportion to "
                "the standard error.",
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
        digests = np.full(len(b), subject.digest % (1 << 64), dtype=np.uint64)
        table = self.table()
        terms = np.arange(len(b))
        v = np.array([table.values(uniforms(digests[:1], 2 * j))[0] for j in terms.tolist()])
        w = np.array([table.values(uniforms(digests[:1], 2 * j + 1))[0] for j in terms.tolist()])
        noised_b = b + p.coefficient_share * s * v
        noised_s = s * (1.0 + p.std_error_share * w)
        return [
            Decision((float(x), float(e)), "model-noise")
            for x, e in zip(noised_b, noised_s, strict=True)
        ]
