"""regression: a model is released only if it cannot single out a unit
(OUTPUT_CONTROL.md §2). On the evidence every model carries (model_support.py), with every
number of units *perturbed* (the count a frequency table would publish for that set):

- at least min_units units and at least min_residual_dof residual degrees of freedom, and
  at most max_parameter_share · N parameters;
- every regressor column leaves at least min_indicator_units units away from its most
  common value, and every indicator (a two-valued column, each level of a categorical
  factor including its reference, each cell of an interaction of categorical factors,
  each class of a binary outcome) covers at least min_indicator_units units and leaves as
  many outside; the outcome, when not binary, leaves as many away from its most common
  value;
- the largest leverage h_ii is at most max_leverage, less a jitter of up to
  leverage_jitter drawn from the model's unit set (so the bound a probing sequence of
  models finds is not exactly known, and stays the same for the same units);
- the model could be estimated.

Why: a regressor that is 1 for a single unit (a dummy, or a numeric 0/1 computed to be so)
gets a coefficient that absorbs that unit's residual, so the coefficient reveals its
outcome; a unit of leverage near 1 sets its own fitted value. "At its most common value" is
demanded on both sides only for indicators: for a two-valued regressor the side away from
the mode is the smaller, and a continuous regressor (no value shared by many units, case 9
of §4 with 14 units) singles nobody out by its mode.

Every failure withholds the whole model with one reason, whichever check failed: telling
the checks apart would tell, for a model built to probe one unit, which side of a bound its
value lies on. A withheld model shows no terms (a categorical variable's levels would name
values held by few units). Residuals, fitted values and leverage are never released."""

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
    max_leverage: float = 0.5
    leverage_jitter: float = 0.1
    significant_digits: int = 4

    def __post_init__(self) -> None:
        if min(self.min_units, self.min_residual_dof, self.min_indicator_units) < 1:
            raise ValueError("regression needs positive unit and dof minimums")
        if not 0 < self.max_parameter_share <= 1 or self.significant_digits < 1:
            raise ValueError("regression needs 0 < max_parameter_share ≤ 1 and digits ≥ 1")
        if not 0 < self.max_leverage <= 1 or not 0 <= self.leverage_jitter < self.max_leverage:
            raise ValueError("regression needs 0 < max_leverage ≤ 1, 0 ≤ jitter < max_leverage")


@dataclass(frozen=True)
class ModelShape:
    """What the checks read, every count perturbed."""

    units: int
    parameters: int
    supports: tuple[tuple[int, int, bool], ...] = ()  # (inside, outside, both sides)
    max_leverage: float = 0.0
    set_key: float = 0.0  # in [0, 1): draws the leverage jitter
    estimable: bool = True


class Regression(Rule[RegressionParameters, ModelShape, ModelShape]):
    code = "regression"
    parameters_type = RegressionParameters
    title = Message("Regresjonsmodeller", "Regression models")
    docs = Message(
        "En modell vises bare med minst {min_units} enheter, minst {min_residual_dof} "
        "frihetsgrader for residualene og høyst {max_parameter_share} · N parametere; hver "
        "forklaringsvariabel må ha minst {min_indicator_units} enheter borte fra sin "
        "vanligste verdi, hver dummy, nivå, samspillscelle og utfallsklasse må dekke minst "
        "{min_indicator_units} enheter og utelate like mange, og ingen enhet kan ha "
        "innflytelse (leverage) over {max_leverage}. Antallene har støy. Koeffisienter og "
        "standardfeil vises med {significant_digits} gjeldende siffer; residualer, "
        "predikerte verdier og leverage aldri.",
        "A model is shown only with at least {min_units} units, at least "
        "{min_residual_dof} residual degrees of freedom and at most {max_parameter_share} · "
        "N parameters; every regressor needs at least {min_indicator_units} units away from "
        "its most common value, every dummy, level, interaction cell and outcome class must "
        "cover at least {min_indicator_units} units and leave as many outside, and no unit "
        "may have a leverage above {max_leverage}. The counts are perturbed. Coefficients and "
        "standard errors are shown to {significant_digits} significant figures; residuals, "
        "fitted values and leverage never.",
    )
    reasons = frozen_reasons(
        {
            "regression": Message(
                "Avrundet til {significant_digits} gjeldende siffer.",
                "Rounded to {significant_digits} significant figures.",
            ),
            "regression-withheld": Message(
                "Modellen vises ikke. Den må ha minst {min_units} enheter og "
                "{min_residual_dof} frihetsgrader for residualene, høyst "
                "{max_parameter_share} · N parametere, minst {min_indicator_units} enheter "
                "borte fra hver forklaringsvariabels vanligste verdi og i og utenfor hver "
                "dummy, samspillscelle og utfallsklasse, ingen enhet med leverage over "
                "{max_leverage}, og den må kunne estimeres (ingen konstante eller lineært "
                "avhengige forklaringsvariabler, et utfall av riktig slag, konvergens). Slå "
                "sammen sjeldne kategorier, ta bort variabler som skiller ut få enheter, eller "
                "utvid populasjonen.",
                "The model is not shown. It needs at least {min_units} units and "
                "{min_residual_dof} residual degrees of freedom, at most "
                "{max_parameter_share} · N parameters, at least {min_indicator_units} units "
                "away from every regressor's most common value and inside and outside every "
                "dummy, interaction cell and outcome class, no unit with a leverage above "
                "{max_leverage}, and it must be estimable (no constant or collinear "
                "regressors, an outcome of the right kind, convergence). Merge rare "
                "categories, remove variables that single out few units, or widen the "
                "population.",
            ),
        }
    )

    def apply(self, subject: ModelShape) -> Sequence[Decision[ModelShape]]:
        p = self.parameters
        n = subject.units
        bound = p.max_leverage - p.leverage_jitter * subject.set_key
        passes = (
            subject.estimable
            and n >= p.min_units
            and n - subject.parameters >= p.min_residual_dof
            and subject.parameters <= p.max_parameter_share * n
            and subject.max_leverage <= bound
            and all(
                outside >= p.min_indicator_units and (not both or inside >= p.min_indicator_units)
                for inside, outside, both in subject.supports
            )
        )
        if not passes:
            return [self.withhold("regression-withheld")]
        return [Decision(subject, "regression")]
