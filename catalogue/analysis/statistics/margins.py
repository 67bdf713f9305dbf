"""margins: average marginal effects of a logit, probit, Poisson, negative binomial or
multinomial logit model (Stata's
`margins, dydx(*)` after the model; statsmodels' get_margeff(at="overall",
method="dydx")), with delta-method standard errors of the kind the model asks for; of a
linear model (regress) the effects are its coefficients, so `regress` is answered by the
model alone (nothing is released twice, nothing new is drawn). Of mlogit, per equation
(level j against the base) the effects on P(level j), AME_jk = mean P_j (β_jk − Σ_m P_m β_mk)
(statsmodels' MNLogit.get_margeff; the base level's effects are minus their sum and are
not shown), shown after its equation. Every class's effects (the base's too) are released
as a fit derived from the class's (statistics/mlogit.py): its checks, withheld with it,
noise keys of its own, and what one unit moves an effect the one-step max_i |J_j·A·s_i|
over the multinomial fit plus its own term's share; what is shown of class j is its draw
less the classes' mean (`mlogit_effects`), the same in every coding of the outcome.

Per regressor k (the constant has none) the effect is the mean over the model's rows of
∂E(y)/∂x_k = β_k f(x'β), f the inverse link's derivative (logit μ(1 − μ), probit φ,
Poisson and the negative binomial μ = exp(x'β)), so on
patterns AME_k = β_k Σ_g n_g f_g / N: sufficient statistics again. Its covariance is
J V J' with V β's covariance and J the derivative of the effects in β:
J_kl = [k = l]·mean(f) + β_k Σ_g n_g f'_g x_gl / N. Every regressor is treated as
continuous, as statsmodels does by default (a dummy's effect is its derivative, not the
difference of two predictions).

Output control: the answer is the model itself (released, or withheld, as `logit` or
`probit` would give it) and then its effects, which pass the same checks on the same
evidence and are withheld whenever the model is. Their noise is model-noise's on the
effects' own scale: the classical standard error is √(J A J') (A the inverse
information), and what one unit moves an effect by is bounded through J,
Σ_l |J_kl|·d_l, plus what the unit's own term does to the mean, max_g |β_k f_g − AME_k|/(N − 1);
the effects' noise keys are the model's digest mixed with a stream of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

from catalogue.domain.text import Text

from ..output_control import ControlContext, RegressionFit
from ..output_control.cell_key import all_distinct
from ..output_control.contrasts import combined
from ..output_control.model_support import Influence, derived_evidence
from ..output_control.rules.regression import Regression
from ..statistic import Field, Statistic, Takes, find
from .mlogit import MlogitFit, MlogitPlan, fit_mlogit, level_probabilities
from .shared.common import DataView, Labelled, request_error
from .shared.glm import GlmFit, fit_glm, glm_plan, glm_weights, score_scale
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.negbin import fit_negbin
from .shared.ols import RegressionPlan

MODELS = ("logit", "probit", "poisson", "negbin", "regress", "mlogit")
LINEAR = "regress"  # its effects are its coefficients
STREAM = 0x6D617267696E73  # the effects' noise keys: the model's digest mixed with this


def _density(family: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse link's derivative f(η) and f'(η)."""
    if family in ("poisson", "negbin"):
        mu = np.exp(np.minimum(eta, 700.0))
        return mu, mu
    if family == "logit":
        mu = scipy.special.expit(eta)
        f = mu * (1.0 - mu)
        return f, f * (1.0 - 2.0 * mu)
    f = np.exp(-0.5 * eta * eta) / np.sqrt(2.0 * np.pi)
    return f, -eta * f


@dataclass(frozen=True)
class Effects:
    """The average marginal effects of the non-constant columns, at full precision."""

    columns: list[int]  # the model's columns they are of
    values: np.ndarray
    std_errors: np.ndarray
    jacobian: np.ndarray  # (effects, parameters)
    spread: np.ndarray  # per effect the largest |β_k f_g − AME_k| over patterns holding rows


def average_marginal_effects(fit: GlmFit, family: str) -> Effects | None:
    """The effects of an estimated model (None if it was not estimated)."""
    patterns, estimate = fit.patterns, fit.estimate
    if not estimate.estimable or fit.variance is None:
        return None
    beta = estimate.coefficients
    columns = [j for j, c in enumerate(patterns.columns) if c.kind != "constant"]
    total = float(patterns.n.sum())
    mean_f = 0.0
    slope = np.zeros(len(beta))  # Σ_g n_g f'_g x_g
    largest_f, smallest_f = -np.inf, np.inf
    for rows in patterns.chunks():
        x = patterns.design(rows)
        f, derivative = _density(family, x @ beta)
        n = patterns.n[rows]
        mean_f += float(n @ f)
        slope += x.T @ (n * derivative)
        held = f[n > 0]
        if len(held):
            largest_f, smallest_f = max(largest_f, held.max()), min(smallest_f, held.min())
    mean_f, slope = mean_f / total, slope / total
    b = beta[columns]
    jacobian = np.outer(b, slope)
    jacobian[np.arange(len(columns)), columns] += mean_f
    values = b * mean_f
    std_errors = np.sqrt(np.maximum(np.einsum("kl,lm,km->k", jacobian, fit.variance, jacobian), 0))
    spread = np.maximum(np.abs(b * largest_f - values), np.abs(b * smallest_f - values))
    return Effects(columns, values, std_errors, jacobian, spread)


def _largest_moves(fit: GlmFit, family: str, effects: Effects) -> np.ndarray | None:
    """Per effect the most one unit's removal moves it: J·DFBETA_i, with DFBETA_i one
    Newton step from β (A·x·s·e/(1 − h), as output control's evidence takes it), plus the
    unit's own term leaving the mean, (β_k f_i − AME_k)/(N − 1). With one row per unit this
    is exact per pattern: a 0/1 outcome leaves two residuals a row can have, 1 − μ and −μ.
    None when a unit has several rows, or the outcome is not 0/1 (the caller bounds it
    instead)."""
    if family not in ("logit", "probit") or not all_distinct(fit.rows.units):
        return None
    assert fit.inverse is not None
    patterns, beta = fit.patterns, fit.estimate.coefficients
    b = beta[effects.columns]
    units = max(float(patterns.n.sum()) - 1.0, 1.0)
    largest = np.zeros(len(effects.columns))
    through = effects.jacobian @ fit.inverse  # J·A
    for rows in patterns.chunks():
        x = patterns.design(rows)
        eta = x @ beta
        mu, weight = glm_weights(family, eta)
        scale = score_scale(family, eta)
        lever = weight * np.einsum("ij,jk,ik->i", x, fit.inverse, x)
        step = (x @ through.T) * (
            (1.0 if scale is None else scale) / np.maximum(1.0 - lever, 1e-12)
        )[:, None]
        own = (np.outer(_density(family, eta)[0], b) - effects.values) / units
        n, ones = patterns.n[rows], patterns.y_sum[rows]
        for residual, present in ((1.0 - mu, ones > 0), (-mu, ones < n)):
            moved = np.abs(step * residual[:, None] + own)[present]
            if len(moved):
                largest = np.maximum(largest, moved.max(axis=0))
    return largest


def _influence(fit: GlmFit, family: str, effects: Effects, model: Influence) -> Influence:
    """What one unit moves each effect by (`_largest_moves`, or with several rows per unit
    the bound Σ_l |J_kl|·d_l + max_g |β_k f_g − AME_k|/(N − 1)); the standard errors'
    shares the largest of the coefficients' (a conservative bound)."""
    assert fit.inverse is not None
    j = effects.jacobian
    scale = np.sqrt(np.maximum(np.einsum("kl,lm,km->k", j, fit.inverse, j), 0.0))
    coefficient = _largest_moves(fit, family, effects)
    if coefficient is None:
        units = max(float(fit.patterns.n.sum()) - 1.0, 1.0)
        coefficient = np.abs(j) @ model.coefficient + effects.spread / units
    count = len(effects.columns)
    classical = np.full(count, float(np.max(model.classical_std_error, initial=0.0)))
    sandwich = np.full(count, float(np.max(model.sandwich_std_error, initial=0.0)))
    return Influence(scale, coefficient, classical, sandwich)


def _negbin(view: DataView, request: Mapping[str, Any]) -> tuple[GlmFit, RegressionPlan]:
    found = fit_negbin(view, request)
    assert found.glm is not None
    return found.glm, found.plan


@dataclass(frozen=True)
class LinearMargins:
    """A linear model's average marginal effects are its coefficients (∂E(y)/∂x_k = β_k
    in every row): the model is released as `regress` releases it, and says so."""

    model: RegressionPlan

    def release(self, context: ControlContext) -> list[Labelled]:
        out = []
        for item in self.model.release(context):
            about = {**item.about, "margins": "dydx", "effects": "coefficients"}
            out.append(Labelled(about, item.result, item.extra))
        return out


@dataclass(frozen=True)
class MarginsPlan:
    model: RegressionPlan
    effects: RegressionFit
    about: dict[str, Any]

    def release(self, context: ControlContext) -> list[Labelled]:
        return self.model.release_with(self.effects, self.about, context)


def mlogit_jacobian(fit: MlogitFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class j (every level, the base's too) the average marginal effects of every
    column on P(j), AME_jk = Σ_i w_i P_ij (β_jk − Σ_m P_im β_mk) (w the cells' shares of the
    rows, β_0 = 0), their derivative in all of β (equation-major), and per effect the largest
    |P_ij (β_jk − β̄_ik) − AME_jk| over cells holding rows.

    ∂AME_jk/∂β_lq = Σ_i w_i [P_ij (δ_jl − P_il) x_iq D_jik − P_ij P_il x_iq D_lik
                              + δ_kq P_ij (δ_jl − P_il)],  D_lik = β_lk − β̄_ik."""
    x, beta = fit.design, fit.beta
    equations, columns = beta.shape
    full = np.vstack([np.zeros(columns), beta])
    p = level_probabilities(x, beta)
    w = fit.n / float(fit.n.sum())
    bar = p @ full
    held = fit.n > 0
    values = np.zeros((equations + 1, columns))
    spread = np.zeros((equations + 1, columns))
    jacobian = np.zeros((equations + 1, columns, equations * columns))
    eye = np.eye(columns)
    for j in range(equations + 1):
        d_j = full[j] - bar
        own = p[:, j : j + 1] * d_j
        values[j] = w @ own
        if held.any():
            spread[j] = np.abs(own[held] - values[j]).max(axis=0)
        for m in range(1, equations + 1):
            same = float(j == m)
            first = ((w * p[:, j] * (same - p[:, m]))[:, None] * d_j).T @ x
            second = ((w * p[:, j] * p[:, m])[:, None] * (full[m] - bar)).T @ x
            diagonal = float(w @ (p[:, j] * (same - p[:, m])))
            block = first - second + diagonal * eye
            jacobian[j, :, (m - 1) * columns : m * columns] = block
    return values, jacobian, spread


def mlogit_effects(plan: MlogitPlan) -> list[RegressionFit]:
    """Per class its effects on P(class) as a fit derived from the class's (withheld with
    it). What is shown of class j is its draw less the classes' mean (`MlogitMargins`), so
    that the effects shown sum to 0 as the exact ones do and every coding of the outcome
    reads the same number for each class, the base's too. Its noise is then (1 − 1/J) of
    the class's own and 1/J of each other's: each class's scale is J/(J − 1) times its
    own, so that the noise shown is at least its own fit's."""
    fit = plan.fit
    parts = None if fit is None else mlogit_jacobian(fit)
    classes = len(plan.classes)
    widened = classes / (classes - 1.0)
    out = []
    for j, class_plan in enumerate(plan.classes):
        model = class_plan.fit
        kept = [i for i, t in enumerate(model.terms) if t.kind != "constant"]
        terms = tuple(model.terms[i] for i in kept)
        if fit is None or parts is None:
            influence = Influence.none(len(terms))
            values = std_errors = np.full(len(terms), np.nan)
        else:
            all_values, jacobian, spread = parts
            rows = jacobian[j][kept]
            values = all_values[j][kept]
            std_errors = np.sqrt(np.maximum(np.einsum("kl,lm,km->k", rows, fit.variance, rows), 0))
            scale = np.sqrt(np.maximum(np.einsum("kl,lm,km->k", rows, fit.inverse, rows), 0))
            units = max(float(fit.n.sum()) - 1.0, 1.0)
            coefficient = fit.largest_moves(rows) + spread[j][kept] / units
            shares = [c.fit.evidence.influence for c in plan.classes]
            classical = np.full(
                len(kept), max(float(np.max(s.classical_std_error, initial=0.0)) for s in shares)
            )
            sandwich = np.full(
                len(kept), max(float(np.max(s.sandwich_std_error, initial=0.0)) for s in shares)
            )
            influence = Influence(widened * scale, widened * coefficient, classical, sandwich)
        # AME_j = Σ_i w_i P_ij (β_j − Σ_m P_im β_m): every β_m' = T⁻¹·β_m in another basis,
        # the P's the same, so the effects transform as the class's coefficients.
        out.append(effects_fit(model, model.family, values, std_errors, influence))
    return out


def effects_fit(
    model: RegressionFit,
    family: str,
    values: np.ndarray,
    std_errors: np.ndarray,
    influence: Influence,
) -> RegressionFit:
    """The effects of every term of `model` but its constant, as a fit derived from it
    (withheld with it). Each effect takes its term's key and pairs; the effects transform as
    the model's coefficients (b' = T⁻¹·b in another basis of its column space), so the
    model's form finds a registered answer of a regressor as k·x + c, given transformed,
    not drawn afresh."""
    kept = [i for i, t in enumerate(model.terms) if t.kind != "constant"]
    evidence = derived_evidence(model.evidence, influence, STREAM, terms=kept, transforms=True)
    return RegressionFit(
        outcome=model.outcome,
        family=f"{family}-margins",
        terms=tuple(model.terms[i] for i in kept),
        coefficients=values,
        std_errors=std_errors,
        evidence=evidence,
        terms_asked=model.terms_asked,
        covariance=model.covariance,
        categorical=model.categorical,
    )


@dataclass(frozen=True)
class MlogitMargins:
    """Per equation the model as mlogit releases it, then its effects on P(level): each
    class's model and effects released once, the equation shown their difference against
    the base (`MlogitPlan`), the effects shown each class's draw less the classes' mean
    (`mlogit_effects`)."""

    model: MlogitPlan
    effects: list[RegressionFit]

    def release(self, context: ControlContext) -> list[Labelled]:
        models, effects = [], []
        for plan, derived in zip(self.model.classes, self.effects, strict=True):
            about = {**plan.about, "statistic": "margins", "model": "mlogit", "margins": "dydx"}
            model, effect = plan.release_with(derived, about, context)
            models.append(model.result)
            effects.append(effect.result)
        digits = context.parameters.of(Regression).significant_digits
        share = 1.0 / len(effects)
        out = []
        for equation in self.model.equations:
            level, base = equation.level, equation.base
            shown = combined([(1.0, models[level]), (-1.0, models[base])], digits)
            mean = [(1.0 - share, effects[level])]
            mean += [(-share, e) for m, e in enumerate(effects) if m != level]
            about = {**equation.about, "statistic": "margins", "model": "mlogit", "margins": "dydx"}
            out += [Labelled(equation.about, shown), Labelled(about, combined(mean, digits))]
        return out


def prepare_margins(
    view: DataView, request: Mapping[str, Any]
) -> MarginsPlan | LinearMargins | MlogitMargins:
    family = request.get("model", "logit")
    if family not in MODELS:
        raise request_error(
            "model",
            "«model» må være logit, probit, poisson, negbin, mlogit eller regress.",
            "'model' must be logit, probit, poisson, negbin, mlogit or regress.",
            allowed=list(MODELS),
        )
    if family == "mlogit":
        found = fit_mlogit(view, {k: v for k, v in request.items() if k != "model"})
        return MlogitMargins(found, mlogit_effects(found))
    if family == LINEAR:
        linear = find(LINEAR).prepare(
            view, {k: v for k, v in request.items() if k != "model"}, "nb"
        )
        assert isinstance(linear, RegressionPlan)
        return LinearMargins(linear)
    asked = {k: v for k, v in request.items() if k != "model"}
    if family == "negbin":
        fit, plan = _negbin(view, asked)
    else:
        fit = fit_glm(view, asked, family)
        plan = glm_plan(fit, view, family)
    model = plan.fit
    terms = tuple(t for t in model.terms if t.kind != "constant")
    effects = average_marginal_effects(fit, family)
    if effects is None:
        influence = Influence.none(len(terms))
        values = np.full(len(terms), np.nan)
        std_errors = values
    else:
        influence = _influence(fit, family, effects, model.evidence.influence)
        values, std_errors = effects.values, effects.std_errors
    # The effects are mean f(η)·β, η the same in every basis of the model's column space.
    derived = effects_fit(model, family, values, std_errors, influence)
    about = {**plan.about, "statistic": "margins", "model": family, "margins": "dydx"}
    return MarginsPlan(plan, derived, about)


STATISTIC = Statistic(
    name="margins",
    description=Text(
        "Gjennomsnittlige marginale effekter (dy/dx) av en logit-, probit- eller "
        "poisson-, negbin- eller mlogit-modell, med delta-metodens standardfeil; modellen vises først. Av regress "
        "er effektene koeffisientene: bare modellen vises.",
        "Average marginal effects (dy/dx) of a logit, probit, Poisson, negbin or mlogit model, with "
        "delta-method standard errors; the model is shown first. Of regress the effects are "
        "the coefficients: only the model is shown.",
    ),
    fields=(
        *MODEL_FIELDS,
        Field(
            "model",
            Takes.TEXT,
            choices=MODELS,
            description=Text(
                "Modellen (standard logit): logit, probit, poisson, negbin, mlogit eller regress.",
                "The model (default logit): logit, probit, poisson, negbin, mlogit or regress.",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_margins(view, request),
    request="Margins",
    example={"y": "kreft", "x": ["alder", "i.kjonn"], "model": "probit"},
)
