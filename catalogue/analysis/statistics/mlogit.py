"""mlogit: multinomial logit of a categorical outcome (numeric codes), fitted by Newton on
sufficient statistics, with classical, robust or cluster-robust standard errors; one equation per outcome level
against the lowest level (the base), each released through the model rules like every
model (output_control/models.py).

Sufficient statistics: the complete cases grouped by pattern and outcome level (the outcome
is taken into the patterns as an i. factor, so its levels are found, and its rare levels
left out, exactly as an i. regressor's are: model_levels.py). Per cell c with n_c rows, its
regressors x_c and level k_c, and p_ck = exp(x_c'β_k)/Σ_l exp(x_c'β_l) (β_base = 0):

    ℓ = Σ_c n_c (x_c'β_{k_c} − log Σ_l exp(x_c'β_l)),
    ∂ℓ/∂β_k = Σ_c n_c x_c (1{k_c = k} − p_ck),
    −∂²ℓ/∂β_k∂β_l' = Σ_c n_c x_c x_c' p_ck (1{k = l} − p_cl).

The cells are summed in an order fixed by their values (`canonical_order`), never in the
order DuckDB returned them, so the fit, and whether it converges, is the same in every
process (tests/test_model_determinism.py).

Standard errors (statsmodels' MNLogit; they agree to 1e-6): classical, the inverse observed
information B; robust, B (Σ_c n_c s_c s_c') B with s_c a row's score in all of β (each cell's
rows share it, so the meat is exact on cells; statsmodels' "HC0", no small-sample factor);
clustered, B (Σ_g u_g u_g') B · G/(G − 1) · (N − 1)/(N − K), u_g the cluster's summed score
from the complete cases grouped by cluster, pattern and level, K counting every equation's
coefficients (statsmodels' "cluster").

Output control: equation k is a model of its own (family mlogit:k, k the level's position,
so that the same question asked again meets its registered answer and never another
equation's), its evidence that of the logit of 1{y = k} at the multinomial fit: residual
1{y = k} − p_k, weight p_k(1 − p_k) (the information's diagonal block: the one-step DFBETA
without the equations' cross terms), the outcome's support the units at level k against
the others; its pairs hold the outcome as given, and its noise is keyed by level k's
indicator, so two equations do not share a draw. What the noise is scaled by (the classical
standard error and the most one unit moves a coefficient) is the larger of that logit's and
the multinomial fit's own (`equation_influence`): the logit against everyone understates
both for an equation against a small base class. An equation whose checks fail is withheld
and the others are not; its level is named in the result's `about` (a level common enough
to be a level at all)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, PositionKeys, RegressionFit, model_evidence
from ..output_control.model_support import Influence, with_influence
from ..statistic import Statistic
from ..variables import Variable
from .shared.common import DataView, Labelled
from .shared.design import Patterns
from .shared.model_levels import model_inputs, outcome_factor_key
from .shared.model_request import (
    MODEL_FIELDS,
    MODEL_RELEASES,
)
from .shared.model_rows import _groupings
from .shared.ols import Estimate, RegressionPlan, asked_terms, cluster_cells

MAX_ITERATIONS = 100
TOLERANCE = 1e-10


def level_probabilities(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Per cell the probability of each level; beta is (levels − 1, columns)."""
    eta = np.column_stack([np.zeros(len(x)), x @ beta.T])
    eta -= eta.max(axis=1, keepdims=True)
    weights = np.exp(eta)
    return weights / weights.sum(axis=1, keepdims=True)


def _log_likelihood(x: np.ndarray, n: np.ndarray, level: np.ndarray, beta: np.ndarray) -> float:
    p = level_probabilities(x, beta)
    return float(n @ np.log(np.maximum(p[np.arange(len(level)), level], 1e-300)))


def _information(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    equations, columns = p.shape[1] - 1, x.shape[1]
    found = np.zeros((equations * columns, equations * columns))
    for k in range(equations):
        for m in range(k, equations):
            w = p[:, k + 1] * ((k == m) - p[:, m + 1]) * n
            block = (x * w[:, None]).T @ x
            found[k * columns : (k + 1) * columns, m * columns : (m + 1) * columns] = block
            found[m * columns : (m + 1) * columns, k * columns : (k + 1) * columns] = block.T
    return found


def newton(
    x: np.ndarray, n: np.ndarray, level: np.ndarray, levels: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """β, (levels − 1, columns), at the maximum and the inverse observed information there
    (equation by equation, column within); None when it cannot be estimated (a level with
    no rows, no convergence, a singular information)."""
    columns = x.shape[1]
    if levels < 2 or columns == 0 or len(np.unique(level)) < levels:
        return None
    beta = np.zeros((levels - 1, columns))
    current = _log_likelihood(x, n, level, beta)
    indicator = np.eye(levels)[level]
    for _ in range(MAX_ITERATIONS):
        p = level_probabilities(x, beta)
        gradient = ((indicator - p)[:, 1:] * n[:, None]).T @ x  # (levels − 1, columns)
        try:
            step = np.linalg.solve(_information(x, n, p), gradient.reshape(-1))
        except np.linalg.LinAlgError:
            return None
        step = step.reshape(beta.shape)
        size = 1.0
        while size > 1e-10:
            trial = beta + size * step
            found = _log_likelihood(x, n, level, trial)
            if np.isfinite(found) and found >= current - 1e-12 * abs(current):
                break
            size /= 2
        else:
            return None
        beta, current = trial, found
        if np.max(np.abs(size * step) / (1.0 + np.abs(beta))) < TOLERANCE:
            try:
                variance = np.linalg.inv(_information(x, n, level_probabilities(x, beta)))
            except np.linalg.LinAlgError:
                return None
            diagonal = np.diag(variance)
            if not np.all(np.isfinite(diagonal)) or np.any(diagonal <= 0):
                return None
            return beta, variance
    return None


def canonical_order(x: np.ndarray, level: np.ndarray, *leading: np.ndarray) -> np.ndarray:
    """The cells in an order fixed by their values (any `leading` keys first, then the
    regressors column by column, then the level), not by the order DuckDB returned them:
    every sum over cells is then taken in one order, so the fit, and whether it converges
    at all, is a function of the data alone. A fit near the edge (a class that only the
    extreme value of a regressor holds: no finite maximum, β drifting off) converged in one
    order of the cells and not in another, so the same question was released in one
    process and withheld in the next."""
    columns = [np.asarray(level)] + [x[:, j] for j in range(x.shape[1] - 1, -1, -1)]
    return np.lexsort([*columns, *reversed(leading)])


def _scores(x: np.ndarray, level: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per cell one row's score in all of β, equation by equation: (1{k_c = k} − p_ck)·x_c."""
    residual = (np.eye(p.shape[1])[level] - p)[:, 1:]
    return (residual[:, :, None] * x[:, None, :]).reshape(len(x), -1)


def _cluster_meat(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    kept: list[int],
    outcome_key: str,
    beta: np.ndarray,
    cluster: Variable | None,
) -> tuple[np.ndarray, int]:
    """Σ_g u_g u_g' over the clusters and their number, u_g the sum of the scores of the
    cluster's rows, from the complete cases grouped by cluster, pattern and level."""
    table, raw, levels, groups = cluster_cells(view, y, patterns, cluster)
    n = np.asarray(table.column("n").to_numpy(), dtype=np.float64)
    cells = dataclasses.replace(patterns, raw=raw, levels=levels, n=n)
    x = cells.every_design()[:, kept]
    level = raw[outcome_key].astype(np.int64)
    order = canonical_order(x, level, groups)
    x, level, n, groups = x[order], level[order], n[order], groups[order]
    count = int(groups.max()) + 1 if len(groups) else 0
    contributions = _scores(x, level, level_probabilities(x, beta)) * n[:, None]
    totals = np.zeros((count, contributions.shape[1]))
    for j in range(contributions.shape[1]):
        totals[:, j] = np.bincount(groups, weights=contributions[:, j], minlength=count)
    return totals.T @ totals, count


def equation_influence(
    x: np.ndarray, n: np.ndarray, level: np.ndarray, probabilities: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per equation and coefficient: the classical standard error, and the most one unit
    moves it, the multinomial one-step DFBETA A·s over the cells holding rows (A the
    inverse information of all equations, s = (1{level} − p)[1:] ⊗ x a unit's score in
    all of them). The evidence of equation k alone (the logit of 1{y = k} against every
    other unit) misses what a unit of a small base class does: every equation is against
    the base, so each of its few units moves every intercept by about 1/n_base (thirteen
    units in the base: one moved an intercept by up to 1.6 while that evidence put it, and
    the noise, near 0.003; red team `test_unattacked_models`)."""
    equations = probabilities.shape[1] - 1
    columns = x.shape[1]
    errors = np.sqrt(np.maximum(np.diag(inverse), 0.0)).reshape(equations, columns)
    held = n > 0
    largest = np.zeros(equations * columns)
    for start in range(0, len(x), 1 << 14):
        part = slice(start, start + (1 << 14))
        scores = _scores(x[part], level[part], probabilities[part])
        moved = np.abs(scores @ inverse)[held[part]]
        if len(moved):
            largest = np.maximum(largest, moved.max(axis=0))
    return errors, largest.reshape(equations, columns)


def _variance(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    kept: list[int],
    outcome_key: str,
    found: tuple[np.ndarray, np.ndarray],
    covariance: str,
    cluster: Variable | None,
) -> np.ndarray | None:
    """β's covariance, all equations: classical (the inverse information), robust (the
    sandwich with the cells' scores, no small-sample factor: statsmodels' "HC0") or
    clustered (· G/(G − 1)·(N − 1)/(N − K), K all of β: statsmodels' "cluster"). None:
    fewer than two clusters (the model is withheld)."""
    beta, inverse = found
    if covariance == "classical":
        return inverse
    if covariance == "robust":
        x = patterns.design(slice(0, len(patterns.n)))[:, kept]
        level = patterns.raw[outcome_key].astype(np.int64)
        order = canonical_order(x, level)
        x, level, n = x[order], level[order], patterns.n[order]
        scores = _scores(x, level, level_probabilities(x, beta))
        return inverse @ ((scores * n[:, None]).T @ scores) @ inverse
    rows, k = patterns.rows, beta.size
    if rows <= k:
        return np.zeros((k, k))  # no residual degrees of freedom: withheld anyway
    meat, clusters = _cluster_meat(view, y, patterns, kept, outcome_key, beta, cluster)
    if clusters < 2:
        return None
    return inverse @ meat @ inverse * (clusters / (clusters - 1) * (rows - 1) / (rows - k))


@dataclass(frozen=True)
class MlogitFit:
    """The fit on cells, before output control (margins reads it): the design of the kept
    columns, the cells' row counts, β (levels − 1, columns), its covariance of the kind
    asked for (equation-major) and the inverse observed information."""

    design: np.ndarray
    n: np.ndarray
    beta: np.ndarray
    variance: np.ndarray
    inverse: np.ndarray
    constant: list[int]  # the constant's column among the kept ones (none or one)


@dataclass(frozen=True)
class MlogitPlan:
    """One regression plan per equation (level against the base)."""

    equations: tuple[RegressionPlan, ...]
    fit: MlogitFit | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        return [item for plan in self.equations for item in plan.release(context)]


def fit_mlogit(view: DataView, request: Mapping[str, Any]) -> MlogitPlan:
    y, x, constant, covariance, cluster, patterns, rows = model_inputs(
        view, request, "mlogit", outcome_levels=True
    )
    outcome_key = outcome_factor_key(y)
    labels = patterns.levels.get(outcome_key, [])
    kept = [
        j
        for j, column in enumerate(patterns.columns)
        if all(factor.key != outcome_key for factor, _ in column.parts)
    ]
    all_terms = patterns.terms()
    names = tuple(patterns.names[j] for j in kept)
    design = patterns.every_design()[:, kept]
    level = patterns.raw[outcome_key].astype(np.int64) if len(patterns.n) else np.zeros(0, int)
    order = canonical_order(design, level)
    found = (
        newton(design[order], patterns.n[order], level[order], len(labels)) if len(order) else None
    )
    fitted = None
    whole = None
    if found is not None:
        variance = _variance(view, y, patterns, kept, outcome_key, found, covariance, cluster)
        if variance is not None:
            at = [i for i, j in enumerate(kept) if patterns.columns[j].kind == "constant"]
            whole = MlogitFit(design, patterns.n, found[0], variance, found[1], at)
            errors = np.sqrt(np.maximum(np.diag(variance), 0.0)).reshape(found[0].shape)
            fitted = (found[0], errors)
    probabilities = None if fitted is None else level_probabilities(design, fitted[0])
    moves = (
        None
        if found is None or probabilities is None
        else equation_influence(design, patterns.n, level, probabilities, found[1])
    )
    asked = asked_terms(x, constant)
    keys = PositionKeys(view.rows.snapshot.arrays)
    groupings = [(label, codes) for label, codes in _groupings(patterns) if label != outcome_key]
    row_level = level[rows.pattern] if len(rows.pattern) else np.zeros(0, int)
    equations = []
    for k in range(1, max(len(labels), 2)):
        indicator = (row_level == k).astype(np.float64)
        if fitted is None or probabilities is None:
            nothing = np.full(len(kept), np.nan)
            estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
            weights = residuals = None
        else:
            beta, errors = fitted
            estimate = Estimate(names, beta[k - 1], errors[k - 1], patterns.rows)
            p_k = probabilities[:, k]
            weights = p_k * (1.0 - p_k)
            residuals = indicator - p_k[rows.pattern]
        evidence = model_evidence(
            keys,
            rows.units,
            indicator,
            rows.pattern,
            design,
            tuple(all_terms[j] for j in kept),
            groupings,
            weights,
            fitted=None if residuals is None else np.zeros(len(patterns.n)),
            dispersion=1.0,
            binary_outcome=True,
            estimable=estimate.estimable,
            asked=(rows.y, design),
            # Each equation's coefficients transform with the design (x as k·x + c, x₂ +
            # m·x₁: b' = T⁻¹·b): the model has a form, so such images are one fit.
            asked_form=True,
            clusters=rows.cluster,
            residuals=residuals,
        )
        if moves is not None and evidence.estimable:
            own = evidence.influence
            found_influence = Influence(
                np.maximum(own.scale, moves[0][k - 1]),
                np.maximum(own.coefficient, moves[1][k - 1]),
                own.classical_std_error,
                own.sandwich_std_error,
            )
            evidence = with_influence(evidence, found_influence)
        fit = RegressionFit(
            outcome=y.name,
            family=f"mlogit:{k}",
            terms=tuple(all_terms[j] for j in kept),
            coefficients=estimate.coefficients,
            std_errors=estimate.std_errors,
            evidence=evidence,
            terms_asked=len(asked),
            covariance=covariance,
            categorical=True,
        )
        about = {
            "statistic": "mlogit",
            "y": y.name,
            "x": asked,
            "std_errors": covariance,
            "base": labels[0] if fitted is not None else None,
            "level": labels[k] if fitted is not None else None,
        }
        groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
        equations.append(RegressionPlan(fit, about, estimate, groups))
    return MlogitPlan(tuple(equations), whole)


STATISTIC = Statistic(
    name="mlogit",
    description=Text(
        "Multinomisk logit av et kategorisk utfall (tallkoder), én ligning per nivå mot det "
        "laveste, med klassiske, robuste (sandwich uten småutvalgsfaktor) eller "
        "klyngerobuste standardfeil.",
        "Multinomial logit of a categorical outcome (numeric codes), one equation per level "
        "against the lowest, with classical, robust (the sandwich without small-sample "
        "factor) or cluster-robust standard errors.",
    ),
    fields=MODEL_FIELDS,
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_mlogit(view, request),
    request="Mlogit",
    example={"y": "utdanning", "x": ["alder", "i.kjonn"]},
)
