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
Both are found by the model's form (output_control/models.py, "A model's affine images"):
the regressors as asked with the grouping's codes beside them, so every basis of the
regressors' column space gets the registered coefficients transformed and the registered
components as they are (one draw, not one per basis; docs/OUTPUT_CONTROL.md §12).
The number of groups is not released (it is a count of cells).

Robust standard errors (`robust`, Stata's `mixed …, vce(robust)`): the cluster-robust
sandwich of the fixed effects at the top level, the group, with the variance components
held at their REML/ML estimates: Var(β) = G/(G − 1)·M⁻¹(Σ_c s_c s_c')M⁻¹, M = X'V⁻¹X and
s_g = X_g'V_g⁻¹e_g = X_g'e_g − γd_g·n_g x̄_g·n_g ē_g (e = y − Xβ, V_g = I + γ11' over σ²_e,
which cancels), a sum over the group's patterns. `cluster` clusters by a variable the groups
are nested in (every group's rows in one of its values; otherwise a 4xx naming both), s_c
summed over the cluster's groups; `_unit` only when each group is one unit's. At least
MIN_CLUSTERS clusters (too-few-clusters names the variable: the group for robust). No
library computes this sandwich (statsmodels' MixedLM has no robust covariance): a test
holds it to the same formula written with dense V_g from statsmodels MixedLM's fit, to
1e-6. Stata's vce(robust) sandwiches the variance parameters too; its β block can differ
from this one by the β–variance cross terms of the observed Hessian (0 in expectation).
The variance components' standard errors stay the model's (expected information)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    RegressionFit,
    Term,
    correlation_matrix,
)
from ..output_control.model_support import Influence, derived_evidence
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import DataView, Labelled, choice, needs_number, request_error
from .shared.design import (
    Factor,
    Patterns,
    estimable,
    fetch_patterns,
    parse_terms,
    significant_figures,
    with_columns,
)
from .shared.mixed import (
    METHODS,
    GroupSums,
    MixedFit,
    fit_mixed,
    group_sums,
    transformed,
    variance_influence,
)
from .shared.model_levels import keep_common
from .shared.model_request import (
    MODEL_RELEASES,
    covariance_request,
    group_variable,
    model_request,
    refuse_too_few_clusters,
)
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
    view: DataView,
    y: Variable,
    terms: list[list[Factor]],
    group: Factor,
    constant: bool,
    cluster: Variable | None = None,
) -> tuple[Patterns, ModelRows]:
    """The complete cases grouped by the regressors' values and the group, rare levels,
    cells and groups left out (on perturbed counts, model_levels.keep_common);
    the design's columns are the regressors' only. `cluster`: each row's read with it (its
    rows must have a value)."""
    found = fetch_patterns(view, y, [*terms, [group]], extra=[cluster] if cluster else [])
    rows = model_rows(view, y, found, cluster)
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
    covariance, cluster = covariance_request(view, request)
    group = Factor(levels_of, categorical=True)
    patterns, rows = _patterns(view, y, terms, group, constant, cluster)
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
    top = _top_level(view, rows, row_group, covariance, cluster, levels_of)
    if fit is not None and sums is not None and top is not None:
        robust = _sandwich(design, patterns.n, patterns.y_sum, at, sums, fit, top)
        fit = dataclasses.replace(fit, std_errors=robust)
    if fit is not None and sums is not None:
        theta, shift = transformed(sums, fit.gamma)
        shown_design = significant_figures(design - shift[at])
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
        clusters=rows.cluster,
        # Its form: the regressors as asked (GLS is the same fit in every basis of their
        # column space, b' = T⁻¹·b), the grouping held beside them (its codes' span).
        form_design=design,
        also_spanned=(at + 1).astype(np.float64)[:, None],
        # REML and ML are affine-equivariant in the outcome (y + X·d: β + d, the components
        # as they are; k·y: k·β, the components k²), so the outcome is in the form too.
        linear_outcome=True,
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
        covariance=covariance,
        categorical=True,  # the group is read as an i. variable: its rare groups left out
        # The classical errors' correlations (a sandwich's are not kept: a term mixing
        # registered ones then gets its own error, docs/OUTPUT_CONTROL.md §12).
        correlations=None
        if fit is None or top is not None
        else correlation_matrix(fit.covariance[:p, :p]),
    )
    about = {
        "statistic": "regress_mml",
        "y": y.name,
        "x": asked,
        "group": levels_of.name,
        "method": method,
        "std_errors": covariance,
    }
    groups = view.groups_of(
        [y, *(f.variable for f in patterns.factors), *([cluster] if cluster else [])]
    )
    model = RegressionPlan(model_fit, about, estimate, groups)
    variance = _variance_fit(fit, evidence, rows, row_group, model_fit, design, at)
    levels = tuple(patterns.levels.get(group.key, ()))
    # The variance components' standard errors are the model's whatever the fixed part's.
    variance_about = {**about, "std_errors": "classical", "component": "variance"}
    return MixedPlan(model, variance, variance_about, fit, levels)


_NESTED_HINT = Text(
    "Bruk robust (klynger etter gruppevariabelen), eller en klyngevariabel som gruppene ligger i.",
    "Use robust (clusters by the group variable), or a cluster variable the groups lie within.",
)


def _top_level(
    view: DataView,
    rows: ModelRows,
    row_group: np.ndarray,
    covariance: str,
    cluster: Variable | None,
    group: Variable,
) -> np.ndarray | None:
    """Per group (0 … G − 1) its cluster (0 … C − 1) for a sandwich: the group itself for
    robust; the variable's (or the unit's) value, which must be one per group. None:
    classical standard errors."""
    if covariance == "classical" or not len(row_group):
        return None
    count = int(row_group.max()) + 1
    if covariance == "robust":
        refuse_too_few_clusters(
            view,
            dataclasses.replace(rows, cluster=row_group.astype(np.uint64)),
            group,
            advice=Text(
                "Robuste standardfeil klynger etter gruppevariabelen: bruk en med flere "
                "grupper, eller klassiske standardfeil.",
                "Robust standard errors cluster by the group variable: use one with more "
                "groups, or classical standard errors.",
            ),
        )
        return np.arange(count)
    held = rows.units.astype(np.uint64) if rows.cluster is None else rows.cluster
    codes = np.unique(held, return_inverse=True)[1].reshape(-1)
    low = np.full(count, np.iinfo(np.int64).max)
    high = np.full(count, -1)
    np.minimum.at(low, row_group, codes)
    np.maximum.at(high, row_group, codes)
    if np.any(low != high):
        name = "_unit" if cluster is None else cluster.name
        raise invalid_input(
            "invalid-request",
            f"Gruppene i «{group.name}» ligger ikke i klyngene til «{name}»: en gruppe har "
            "rader i flere klynger, og flernivåmodellens klyngerobuste standardfeil krever "
            f"at hver gruppe er i én klynge. {_NESTED_HINT.nb}",
            f"The groups of '{group.name}' do not lie within the clusters of '{name}': a "
            "group has rows in several clusters, and the multilevel model's cluster-robust "
            f"standard errors need each group within one cluster. {_NESTED_HINT.en}",
            name=name,
            field="cluster",
            group=group.name,
        )
    refuse_too_few_clusters(view, rows, cluster)
    return np.unique(low, return_inverse=True)[1].reshape(-1)


def _sandwich(
    design: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    at: np.ndarray,
    sums: GroupSums,
    fit: MixedFit,
    top: np.ndarray,
) -> np.ndarray:
    """The fixed effects' cluster-robust standard errors at the top level (module
    docstring), from the patterns (their design, rows, Σy and group) and each group's
    cluster `top`."""
    gamma = fit.gamma
    d = 1.0 / (1.0 + sums.n * gamma)
    m = sums.wxx + (sums.x_mean * (sums.n * d)[:, None]).T @ sums.x_mean
    residual = y_sum - n * (design @ fit.beta)  # Σe over each pattern's rows
    groups = len(sums.n)
    p = design.shape[1]
    xe = np.column_stack(
        [np.bincount(at, weights=design[:, j] * residual, minlength=groups) for j in range(p)]
    ).reshape(groups, p)
    e_sum = np.bincount(at, weights=residual, minlength=groups)
    scores = xe - (gamma * d * sums.n * e_sum)[:, None] * sums.x_mean
    count = int(top.max()) + 1
    summed = np.column_stack(
        [np.bincount(top, weights=scores[:, j], minlength=count) for j in range(p)]
    ).reshape(count, p)
    if count < 2:
        return np.full(p, np.nan)
    inverse = np.linalg.inv(m)
    variance = inverse @ (summed.T @ summed) @ inverse * count / (count - 1)
    return np.asarray(np.sqrt(np.maximum(np.diag(variance), 0.0)))


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
        # The components are the same in every basis of the regressors' column space: the
        # model's form, invariant (one draw for every basis, not one per basis).
        evidence=derived_evidence(
            evidence,
            influence,
            VARIANCE_STREAM,
            estimable=usable,
            invariant=True,
            powers=(2, 2),  # variances: k² for k·y + c
        ),
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
        "viser, er ikke med i modellen. Klassiske eller klyngerobuste standardfeil (etter "
        "gruppen, eller en variabel gruppene ligger i).",
        "Multilevel (linear) model with random intercepts by group, fitted by REML (the "
        "default) or ML; the coefficients with their standard errors, and the variance "
        "components (of the groups and of the residual) on their own. Groups of fewer units "
        "than a table shows are not in the model. Classical or cluster-robust standard "
        "errors (by the group, or a variable the groups lie within).",
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
        Field(
            "robust",
            Takes.TRUTH,
            description=Text(
                "Klyngerobuste standardfeil for koeffisientene, klynget etter gruppen, "
                "varianskomponentene holdt ved sine estimater (Statas mixed, vce(robust)).",
                "Cluster-robust standard errors of the coefficients, clustered by the group, "
                "the variance components held at their estimates (Stata's mixed, "
                "vce(robust)).",
            ),
        ),
        Field(
            "cluster",
            Takes.VARIABLE,
            description=Text(
                "Klyngerobuste standardfeil etter en variabel som gruppene ligger i (hver "
                "gruppe i én klynge), eller _unit; ikke sammen med robust.",
                "Cluster-robust standard errors by a variable the groups lie within (each "
                "group in one cluster), or _unit; not together with robust.",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_mml(view, request),
    request="MultilevelModel",
    example={"y": "lonn", "x": ["alder", "i.kjonn"], "group": "kommune"},
)
