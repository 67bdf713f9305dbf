"""regression: a model is released only if it cannot single out a unit
(OUTPUT_CONTROL.md §2): at least 10 units, at least 10 residual degrees of freedom, at most
0.33·N parameters, and every indicator (each dummy level including the reference level,
each cell of an interaction of dummies, each class of a binary outcome) covers at least 10
units and leaves at least 10 outside. Coefficients and standard errors are shown to 4
significant figures; residuals, fitted values and leverage are never released.

Why indicator support matters: a dummy that is 1 for a single unit gets a coefficient that
absorbs that unit's residual exactly, so the coefficient reveals the unit's outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class RegressionParameters:
    min_units: int = 10
    min_residual_dof: int = 10
    max_parameter_share: float = 0.33
    min_indicator_units: int = 10
    significant_digits: int = 4

    def __post_init__(self) -> None:
        if min(self.min_units, self.min_residual_dof, self.min_indicator_units) < 1:
            raise ValueError("regression needs positive unit and dof minimums")
        if not 0 < self.max_parameter_share <= 1 or self.significant_digits < 1:
            raise ValueError("regression needs 0 < max_parameter_share ≤ 1 and digits ≥ 1")


@dataclass(frozen=True)
class ModelShape:
    """What the checks need to know about a fitted model."""

    units: int
    parameters: int
    # (indicator label, units with the indicator = 1)
    indicator_supports: tuple[tuple[str, int], ...] = ()


class Regression(Rule[RegressionParameters, ModelShape, ModelShape]):
    code = "regression"
    parameters_type = RegressionParameters
    title = Message("Regresjonsmodeller", "Regression models")
    docs = Message(
        "En modell vises bare med minst {min_units} enheter, minst {min_residual_dof} "
        "frihetsgrader for residualene, høyst {max_parameter_share} · N parametere, og hvis "
        "hver dummy, interaksjonscelle og utfallsklasse dekker minst {min_indicator_units} "
        "enheter og utelater minst like mange. Koeffisienter og standardfeil vises med "
        "{significant_digits} gjeldende siffer; residualer og predikerte verdier aldri.",
        "A model is shown only with at least {min_units} units, at least "
        "{min_residual_dof} residual degrees of freedom, at most {max_parameter_share} · N "
        "parameters, and if every dummy, interaction cell and outcome class covers at least "
        "{min_indicator_units} units and leaves as many outside. Coefficients and standard "
        "errors are shown to {significant_digits} significant figures; residuals and fitted "
        "values never.",
    )
    reasons = frozen_reasons(
        {
            "regression": Message(
                "Avrundet til {significant_digits} gjeldende siffer.",
                "Rounded to {significant_digits} significant figures.",
            ),
            "regression-units": Message(
                "Modellen har færre enn {min_units} enheter.",
                "The model has fewer than {min_units} units.",
            ),
            "regression-dof": Message(
                "Modellen har færre enn {min_residual_dof} frihetsgrader for residualene.",
                "The model has fewer than {min_residual_dof} residual degrees of freedom.",
            ),
            "regression-parameters": Message(
                "Modellen har flere parametere enn {max_parameter_share} ganger antall enheter.",
                "The model has more parameters than {max_parameter_share} times its units.",
            ),
            "regression-indicator-support": Message(
                "En dummy, interaksjonscelle eller utfallsklasse dekker færre enn "
                "{min_indicator_units} enheter (eller utelater færre enn så mange); modellen "
                "vises ikke.",
                "A dummy, interaction cell or outcome class covers fewer than "
                "{min_indicator_units} units (or leaves fewer than that outside); the model is "
                "not shown.",
            ),
        }
    )

    def apply(self, subject: ModelShape) -> Sequence[Decision[ModelShape]]:
        p = self.parameters
        n = subject.units
        if n < p.min_units:
            return [self.withhold("regression-units")]
        if n - subject.parameters < p.min_residual_dof:
            return [self.withhold("regression-dof")]
        if subject.parameters > p.max_parameter_share * n:
            return [self.withhold("regression-parameters")]
        for _label, inside in subject.indicator_supports:
            if inside < p.min_indicator_units or n - inside < p.min_indicator_units:
                return [self.withhold("regression-indicator-support")]
        return [Decision(subject, "regression")]
