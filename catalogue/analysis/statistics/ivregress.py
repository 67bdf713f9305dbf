"""ivregress: instrumental-variables regression by two-stage least squares, fitted on
sufficient statistics, with classical or robust standard errors; the first stage of each
endogenous regressor released beside it as an OLS regression of its own (with its F).

Sufficient statistics: the complete cases of the outcome, the exogenous and endogenous
regressors and the instruments grouped into patterns of all their values; M = D'diag(n)D
over the patterns' columns D = [exogenous, endogenous, instruments, _cons] and D'Σy hold
every cross product 2SLS needs. With X = [exogenous, endogenous, _cons] and
Z = [exogenous, instruments, _cons], Π = (Z'Z)⁻¹Z'X and X̂ = ZΠ:

    β = (X̂'X)⁻¹X̂'y,   e'e = Σ per pattern (y_m2 + n(ȳ − x'β)²),
    classical: e'e/N·(X̂'X̂)⁻¹,   robust: (X̂'X̂)⁻¹ Σ x̂x̂'(y_m2 + n(ȳ − x'β)²) (X̂'X̂)⁻¹,

linearmodels' IV2SLS with cov_type "unadjusted" and "robust" (debiased=False: no small-
sample factor); they agree to 1e-6.

Output control: the model's evidence is that of the second stage: its design X̂ per pattern
(so the leverage and what one unit moves are the 2SLS bread's, (X̂'X̂)⁻¹x̂·e), its residual
y − x'β with the actual regressors (the residual hook), its pairs of the values as given
(instruments included); the exogenous columns are in X̂ as they are, so their support is
theirs, an endogenous one's support is that of its first-stage fitted value. The first
stage of each endogenous regressor is an ordinary OLS regression on the same complete cases,
released through the same rules with its perturbed F (of all its regressors; the partial F
of the excluded instruments alone is not released yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.errors import RegcatError
from catalogue.domain.text import Text

from ..output_control import ControlContext, PositionKeys, RegressionFit, model_evidence
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_number, request_error
from .shared.design import Factor, _columns, parse_terms
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES, model_request
from .shared.model_rows import _groupings
from .shared.ols import Estimate, RegressionPlan, asked_terms, ols_estimate, regression_plan


@dataclass(frozen=True)
class IvPlan:
    """The second stage, then each endogenous regressor's first stage."""

    model: RegressionPlan
    first_stages: tuple[RegressionPlan, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        found = self.model.release(context)
        for plan in self.first_stages:
            found += plan.release(context)
        return found


def _terms(view: DataView, request: Mapping[str, Any], name: str) -> list[list[Factor]]:
    raw = request.get(name)
    if not raw:
        raise request_error(
            name,
            f"«{name}» må inneholde minst én variabel.",
            f"'{name}' must hold at least one variable.",
        )
    try:
        return parse_terms(view, raw)
    except RegcatError as error:  # the parser names x; this field is another
        if error.details.get("field") == "x":
            error.details["field"] = name
        raise


def two_stage(
    m: np.ndarray, xy: np.ndarray, x_at: list[int], z_at: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(β, Π, (X̂'X̂)⁻¹) from the cross products, or None if Z'Z or X̂'X̂ is singular."""
    zz, zx, zy = m[np.ix_(z_at, z_at)], m[np.ix_(z_at, x_at)], xy[z_at]
    try:
        pi = np.linalg.solve(zz, zx)
        bread = np.linalg.inv(zx.T @ pi)  # X'Z(Z'Z)⁻¹Z'X = X̂'X̂ = X̂'X
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(bread)) or np.linalg.cond(zz) > 1e12:
        return None
    return bread @ (pi.T @ zy), pi, bread


def fit_ivregress(view: DataView, request: Mapping[str, Any]) -> IvPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, "ivregress")
    exogenous = parse_terms(view, x) if x else []
    endogenous = _terms(view, request, "endogenous")
    instruments = _terms(view, request, "instruments")
    robust = request.get("robust", False)
    if not isinstance(robust, bool):
        raise request_error(
            "robust", "«robust» må være true eller false.", "'robust' must be true or false."
        )
    for term in endogenous:
        if len(term) != 1 or term[0].categorical:
            raise request_error(
                "endogenous",
                "Endogene variabler må være tallvariabler (ikke i. eller samspill).",
                "Endogenous regressors must be numeric variables (not i. or interactions).",
            )
    if len(instruments) < len(endogenous):
        raise request_error(
            "instruments",
            "Modellen trenger minst like mange instrumenter som endogene variabler.",
            "The model needs at least as many instruments as endogenous regressors.",
        )
    covariance = "robust" if robust else "classical"
    patterns, rows = common_levels(
        view, y, [*exogenous, *endogenous, *instruments], constant=constant
    )
    sizes = [len(_columns(group, patterns.levels, False)) for group in (exogenous, endogenous)]
    count = len(patterns.columns)
    exo_at = list(range(sizes[0]))
    endo_at = list(range(sizes[0], sizes[0] + sizes[1]))
    instrument_at = list(range(sizes[0] + sizes[1], count - int(constant)))
    tail = [count - 1] if constant else []
    x_at, z_at = [*exo_at, *endo_at, *tail], [*exo_at, *instrument_at, *tail]
    terms = tuple(patterns.terms()[j] for j in x_at)
    names = tuple(patterns.names[j] for j in x_at)
    nothing = np.full(len(x_at), np.nan)
    estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
    design = patterns.design(slice(0, len(patterns.n))) if len(patterns.n) else np.zeros((0, count))
    fitted_design = design[:, x_at]
    residuals = None
    if len(patterns.n) and len(instrument_at) >= len(endo_at):
        m, (xy,) = patterns.cross(patterns.n, patterns.y_sum)
        found = two_stage(m, xy, x_at, z_at)
        if found is not None:
            beta, pi, bread = found
            fitted_design = design[:, z_at] @ pi
            mean = design[:, x_at] @ beta
            squared = patterns.y_m2 + patterns.n * (patterns.y_mean - mean) ** 2
            if robust:
                meat = (fitted_design * squared[:, None]).T @ fitted_design
                variance = bread @ meat @ bread
            else:
                variance = float(squared.sum()) / patterns.rows * bread
            errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
            estimate = Estimate(names, beta, errors, patterns.rows)
            residuals = rows.y - mean[rows.pattern]
    evidence = model_evidence(
        PositionKeys(view.rows.snapshot.arrays),
        rows.units,
        rows.y,
        rows.pattern,
        fitted_design,
        terms,
        _groupings(patterns),
        fitted=None if residuals is None else np.zeros(len(patterns.n)),
        estimable=estimate.estimable,
        asked=(rows.y, design),
        residuals=residuals,
    )
    asked = asked_terms(x if x else [], constant)
    fit = RegressionFit(
        outcome=y.name,
        family="iv2sls",
        terms=terms,
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked) + len(endogenous) + len(instruments),
        covariance=covariance,
        categorical=any(f.categorical for f in patterns.factors),
    )
    about = {
        "statistic": "ivregress",
        "y": y.name,
        "x": asked,
        "endogenous": [term[0].variable.name for term in endogenous],
        "instruments": request.get("instruments"),
        "std_errors": covariance,
        "estimator": "2sls",
    }
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    model = RegressionPlan(fit, about, estimate, groups)
    return IvPlan(
        model,
        tuple(
            _first_stage(view, y, term[0], exogenous, instruments, constant) for term in endogenous
        ),
    )


def _first_stage(
    view: DataView,
    y: Any,
    endogenous: Factor,
    exogenous: list[list[Factor]],
    instruments: list[list[Factor]],
    constant: bool,
) -> RegressionPlan:
    """The endogenous regressor on the exogenous ones and the instruments, on the second
    stage's complete cases (the outcome must be there too), as OLS with classical errors."""
    variable = endogenous.variable
    patterns, rows = common_levels(
        view, variable, [*exogenous, *instruments], constant=constant, also=y
    )
    estimate = ols_estimate(view, variable, patterns, "classical")
    asked = [
        *(f.variable.name for t in exogenous for f in t),
        *(f.variable.name for t in instruments for f in t),
    ]
    plan = regression_plan(
        view, variable, patterns, rows, estimate, "ols", "classical", asked_terms(asked, constant)
    )
    about = {**plan.about, "statistic": "ivregress", "stage": "first", "endogenous": variable.name}
    return RegressionPlan(plan.fit, about, plan.estimate, plan.groups)


STATISTIC = Statistic(
    name="ivregress",
    description=Text(
        "Instrumentvariabel-regresjon (totrinns minste kvadrater) med klassiske eller robuste "
        "standardfeil, og første trinn for hver endogen variabel med sin F.",
        "Instrumental-variables regression (two-stage least squares) with classical or robust "
        "standard errors, and the first stage of each endogenous regressor with its F.",
    ),
    fields=(
        next(f for f in MODEL_FIELDS if f.name == "y"),
        Field(
            "x",
            Takes.TERM,
            many=True,
            description=Text(
                "Eksogene forklaringsvariabler (alder, i.utdanning).",
                "Exogenous regressors (alder, i.utdanning).",
            ),
        ),
        Field(
            "endogenous",
            Takes.TERM,
            many=True,
            required=True,
            description=Text("Endogene tallvariabler.", "Endogenous numeric regressors."),
        ),
        Field(
            "instruments",
            Takes.TERM,
            many=True,
            required=True,
            description=Text(
                "Instrumenter (minst like mange som endogene).",
                "Instruments (at least as many as endogenous regressors).",
            ),
        ),
        next(f for f in MODEL_FIELDS if f.name == "constant"),
        Field(
            "robust",
            Takes.TRUTH,
            description=Text(
                "Heteroskedastisitetsrobuste standardfeil (uten småutvalgsfaktor).",
                "Heteroskedasticity-robust standard errors (no small-sample factor).",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_ivregress(view, request),
    request="IvRegress",
    example={"y": "lonn", "x": ["i.kjonn"], "endogenous": ["utdanning"], "instruments": ["alder"]},
)
