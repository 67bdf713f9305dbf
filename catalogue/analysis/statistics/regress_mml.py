"""regress_mml: a linear multilevel model with random intercepts by a group variable,
y = Xβ + u_g + e, fitted by REML (the default) or ML from per-group sufficient statistics
(statistics/shared/mixed.py): DuckDB groups the complete cases by the regressors' values
and the group, and the fit needs per group only its rows, means and within scatter.

Groups: the group variable is read as an i. variable is. A group whose perturbed count of
units does not reach what a table of it would show is not in the model: its rows are left
out, as rare levels of an i. regressor are (shared/model_levels.py; the note says so), so
a group of one unit is no group of the model, and its unit moves nothing. Every group left
is a cell of the model's evidence: it must cover min_indicator_units units and leave as
many outside (a model of one group is withheld).

Output control, two results:
- the coefficients, through the model rules as every model's are (control_regression):
  the evidence is that of GLS as OLS on the transformed rows x − θ_g x̄_g (θ_g = 1 −
  1/√(1 + n_gγ), X̃'X̃ = X'V⁻¹X), so the leverage and what one unit moves each coefficient
  are GLS's at the estimated γ; the transformed design is rounded to 10 significant
  figures (its last bits move with the order the patterns are summed in, and its hash
  keys the noise); the pairs are of the values as asked (outcome, regressors, group);
- the variance components σ²_u (`var(_cons)`) and σ²_e (`var(Residual)`), as a second
  result through the same rules with model-noise of their own: the model's evidence
  (units, supports, leverage, pairs; its digest mixed with a stream of their own, so their
  draws are not the coefficients'), the inverse expected information's standard errors,
  and what one unit moves each (mixed.variance_influence: a Newton step from the estimate
  on the unit's group's score, β held); the noise's sd is at least influence_share times
  that. They are withheld whenever the coefficients are. A perturbed variance near 0 may
  be shown below 0.
The number of groups is not released (it is a count of cells)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    RegressionFit,
    Term,
)
from ..output_control.model_support import Influence, derived_evidence
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import DataView, Labelled, choice, needs_number, request_error
from .shared.design import Factor, Patterns, estimable, fetch_patterns, parse_terms, with_columns
from .shared.mixed import (
    METHODS,
    MixedFit,
    fit_mixed,
    group_sums,
    transformed,
    variance_influence,
)
from .shared.model_levels import keep_common
from .shared.model_request import MODEL_RELEASES, group_variable, model_request
from .shared.model_rows import ModelRows, model_rows, outcome_mode, rows_evidence
from .shared.ols import Estimate, RegressionPlan, asked_terms

# The variance components' model-noise: the model's digest mixed with this stream.
VARIANCE_STREAM = 0x6D6D6C5F76617273
VARIANCE_TERMS = (Term("var(_cons)", "continuous"), Term("var(Residual)", "continuous"))


@dataclass(frozen=True)
class MixedPlan:
    model: RegressionPlan
    variance: RegressionFit
    about: dict[str, Any]
    fit: MixedFit | None  # at full precision (tests)
    levels: tuple[str, ...] = ()  # the groups in the model (tests)

    def release(self, context: ControlContext) -> list[Labelled]:
        return self.model.release_with(self.variance, self.about, context)


_GROUP_HINT = Text(
    "«group» må være navnet på gruppevariabelen (f.eks. kommune).",
    "'group' must be the name of the group variable (e.g. kommune).",
)


def _patterns(
    view: DataView, y: Variable, terms: list[list[Factor]], group: Factor, constant: bool
) -> tuple[Patterns, ModelRows]:
    """The complete cases grouped by the regressors' values and the group, rare levels,
    cells and groups left out (on perturbed counts, model_levels.keep_common);
    the design's columns are the regressors' only."""
    found = fetch_patterns(view, y, [*terms, [group]])
    rows = model_rows(view, y, found)
    if len(rows.units):
        keep = np.ones(len(found.n), dtype=bool)
        found, rows, where = keep_common(view, found, rows, terms, keep)
        if where is not None:
            found = dataclasses.replace(found, where=where)
    others = [f for f in found.factors if f.key != group.key]
    shaped = with_columns(
        view, dataclasses.replace(found, factors=others), terms, constant=constant
    )
    return dataclasses.replace(shaped, factors=found.factors), rows


def _rounded(values: np.ndarray, digits: int = 10) -> np.ndarray:
    """To `digits` significant figures (the transformed design's hash keys the noise)."""
    magnitude = np.abs(values)
    exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
    scale = 10.0 ** (digits - 1 - exponent)
    return np.asarray(np.round(values * scale) / scale)


def prepare_mml(view: DataView, request: Mapping[str, Any]) -> MixedPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, "regress_mml")
    levels_of = group_variable(view, request, y, _GROUP_HINT)
    if not x and not constant:
        raise request_error(
            "x",
            "Modellen trenger forklaringsvariabler eller konstantleddet.",
            "The model needs regressors or the constant.",
        )
    terms = parse_terms(view, x) if x else []
    for term in terms:
        for factor in term:
            if factor.variable.name == levels_of.name:
                raise request_error(
                    "group",
                    f"Gruppevariabelen «{levels_of.name}» kan ikke også være en "
                    "forklaringsvariabel (de tilfeldige konstantleddene er gruppens).",
                    f"The group variable '{levels_of.name}' cannot also be a regressor "
                    "(the random intercepts are the group's).",
                    name=levels_of.name,
                )
    method = choice(request, "method", METHODS, "reml")
    group = Factor(levels_of, categorical=True)
    patterns, rows = _patterns(view, y, terms, group, constant)
    p = len(patterns.columns)
    count = len(patterns.n)
    design = patterns.design(slice(0, count)) if count else np.zeros((0, p))
    at = patterns.raw[group.key].astype(np.int64) if count else np.zeros(0, dtype=np.int64)
    fit: MixedFit | None = None
    sums = None
    if count:
        xwx, (x_sums,) = patterns.cross(patterns.n, patterns.n)
        if estimable(patterns, xwx, x_sums):
            sums = group_sums(design, patterns.n, patterns.y_sum, patterns.y_m2, at)
            fit = fit_mixed(sums, method)
    names = tuple(patterns.names)
    terms_out = patterns.terms()
    row_group = at[rows.pattern] if len(rows.pattern) else np.zeros(0, dtype=np.int64)
    if fit is not None and sums is not None:
        theta, shift = transformed(sums, fit.gamma)
        shown_design = _rounded(design - shift[at])
        fitted: np.ndarray | None = shown_design @ fit.beta
        assert fitted is not None
        residuals: np.ndarray | None = (
            rows.y - theta[row_group] * sums.y_mean[row_group] - fitted[rows.pattern]
        )
        estimate = Estimate(names, fit.beta, fit.std_errors, patterns.rows)
    else:
        shown_design, fitted, residuals = design, None, None
        estimate = Estimate.failed(patterns)
    evidence = rows_evidence(
        view,
        rows,
        shown_design,
        terms_out,
        patterns,
        fitted=fitted,
        outcome_mode=outcome_mode(rows.y),
        estimable=fit is not None,
        asked=(rows.y, np.column_stack([design, at.astype(np.float64)])),
        residuals=residuals,
    )
    asked = asked_terms(x if x else [], constant)
    family = f"mixed-{method}"
    model_fit = RegressionFit(
        outcome=y.name,
        family=family,
        terms=terms_out,
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked) + 1,
        covariance="classical",
        categorical=True,  # the group is read as an i. variable: its rare groups left out
    )
    about = {
        "statistic": "regress_mml",
        "y": y.name,
        "x": asked,
        "group": levels_of.name,
        "method": method,
        "std_errors": "classical",
    }
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    model = RegressionPlan(model_fit, about, estimate, groups)
    variance = _variance_fit(fit, evidence, rows, row_group, model_fit, design, at)
    levels = tuple(patterns.levels.get(group.key, ()))
    return MixedPlan(model, variance, {**about, "component": "variance"}, fit, levels)


def _variance_fit(
    fit: MixedFit | None,
    evidence: Any,
    rows: ModelRows,
    row_group: np.ndarray,
    model: RegressionFit,
    design: np.ndarray,
    at: np.ndarray,
) -> RegressionFit:
    """The variance components as a model of two terms (module docstring)."""
    if fit is None or not evidence.estimable:
        nothing = np.full(2, np.nan)
        influence = Influence.none(2)
        values, errors, usable = nothing, nothing, False
    else:
        raw = rows.y - (design @ fit.beta)[rows.pattern]
        unit = np.unique(rows.units, return_inverse=True)[1].reshape(-1)
        n = np.bincount(row_group, minlength=int(at.max()) + 1).astype(np.float64)
        largest, second, shares = variance_influence(
            raw, row_group, unit, n, fit.sigma_u, fit.sigma_e
        )
        errors = fit.variance_errors
        influence = Influence(errors, largest, shares, shares, second)
        values = np.array([fit.sigma_u, fit.sigma_e])
        usable = bool(np.all(np.isfinite(errors)) and np.all(np.isfinite(largest)))
    return RegressionFit(
        outcome=model.outcome,
        family=f"{model.family}-variance",
        terms=VARIANCE_TERMS,
        coefficients=values,
        std_errors=errors,
        evidence=derived_evidence(evidence, influence, VARIANCE_STREAM, estimable=usable),
        terms_asked=len(VARIANCE_TERMS),
        covariance="classical",
        categorical=False,
    )


STATISTIC = Statistic(
    name="regress_mml",
    description=Text(
        "Flernivåmodell (lineær) med tilfeldige konstantledd per gruppe, tilpasset med REML "
        "(standard) eller ML; koeffisientene med sine standardfeil, og varianskomponentene "
        "(gruppenes og restens varians) for seg. Grupper med færre enheter enn en tabell "
        "viser, er ikke med i modellen.",
        "Multilevel (linear) model with random intercepts by group, fitted by REML (the "
        "default) or ML; the coefficients with their standard errors, and the variance "
        "components (of the groups and of the residual) on their own. Groups of fewer units "
        "than a table shows are not in the model.",
    ),
    fields=(
        Field("y", Takes.VARIABLE, required=True),
        Field(
            "x",
            Takes.TERM,
            many=True,
            description=Text(
                "Forklaringsvariabler (alder, i.utdanning); uten dem bare konstantleddet.",
                "Regressors (alder, i.utdanning); without them only the constant.",
            ),
        ),
        Field(
            "group",
            Takes.VARIABLE,
            required=True,
            description=Text(
                "Gruppevariabelen de tilfeldige konstantleddene er per (f.eks. kommune).",
                "The group variable the random intercepts are by (e.g. kommune).",
            ),
        ),
        Field(
            "method",
            Takes.TEXT,
            choices=METHODS,
            description=Text("reml (standard) eller ml.", "reml (the default) or ml."),
        ),
        Field(
            "constant",
            Takes.TRUTH,
            description=Text("Legg til _cons (standard true).", "Add _cons (default true)."),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_mml(view, request),
    request="MultilevelModel",
    example={"y": "lonn", "x": ["alder", "i.kjonn"], "group": "kommune"},
)
