"""The negative binomial (NB2: variance μ + αμ², log link) by Newton–Raphson in (β, α) on
sufficient statistics.

Unlike Poisson, the likelihood is not a function of each pattern's row count and outcome
sum alone: lgamma(y + 1/α) and its derivatives in α need each outcome value. So the
complete cases are grouped by (outcome value, pattern) — *cells* — and every sum runs over
cells with weights n, which is exact: for a count outcome there are a few cells per pattern,
not one per unit. Per row, with a = 1/α and A = ψ(a) − ψ(y + a) + log(1 + αμ):

    ∂ℓ/∂η = (y − μ)/(1 + αμ),             ∂²ℓ/∂η² = −μ(1 + αy)/(1 + αμ)²,
    ∂ℓ/∂α = A/α² + (y − μ)/(α(1 + αμ)),   ∂²ℓ/∂η∂α = −(y − μ)μ/(1 + αμ)²,
    ∂²ℓ/∂α² = (ψ'(y + a) − ψ'(a))/α⁴ + μ/(α²(1 + αμ)) − 2A/α³ − (y − μ)(1 + 2αμ)/(α(1 + αμ))².

Standard errors are statsmodels' for NegativeBinomial(loglike_method="nb2"): the inverse of
the observed information in (β, α) (classical); the sandwich with the per-row scores in
(β, α) (robust, statsmodels' "HC1" for discrete models, no small-sample factor); clustered
with G/(G − 1)·(N − 1)/(N − k), k counting α. Only β's are released: α has no regressor
column for output control's evidence to check (it is left out, as residuals are).

A model whose α goes to its bound 0 (no overdispersion: Poisson fits), that does not
converge, or whose outcome is negative somewhere is withheld like any model that cannot be
estimated (which may hang on one unit's value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.optimize
import scipy.special

from ... import db
from ...output_control import ControlContext
from ...variables import UNIT_COLUMN, Variable
from .common import DataView, Labelled, col, number_sql
from .design import Patterns, encode_factors, grouped_sql
from .glm import GlmFit, irls
from .model_levels import model_inputs
from .ols import Estimate, RegressionPlan, asked_terms, regression_plan

MAX_ITERATIONS = 200
TOLERANCE = 1e-10
SMALLEST_ALPHA = 1e-8  # below: no overdispersion, the model is Poisson's


@dataclass(frozen=True)
class Cells:
    """The complete cases grouped by (outcome value, pattern), and an optional leading
    group (a cluster's rank)."""

    y: np.ndarray
    n: np.ndarray
    x: np.ndarray  # (cells, columns)
    group: np.ndarray | None = None


def _cells(view: DataView, y: Variable, patterns: Patterns, cluster: str | None = None) -> Cells:
    leading = [number_sql(y)] if cluster is None else [number_sql(y), cluster]
    sql = grouped_sql(view, patterns.factors, y, patterns.where, leading=leading)
    if cluster is not None:
        sql = f"SELECT DENSE_RANK() OVER (ORDER BY g1) - 1 AS cluster, * FROM ({sql})"
    table = db.arrow(view.con, sql)
    view.check_memory(table.num_rows, len(patterns.columns) + len(patterns.factors) + 4)
    raw, levels = encode_factors(view, table, patterns.factors, patterns.levels)
    n = _floats(table, "n")
    rows = Patterns(
        raw, levels, n, n, n, n, False, 0.0, patterns.columns, patterns.factors, patterns.where
    )
    x = rows.every_design()
    group = None if cluster is None else np.asarray(table.column("cluster").to_numpy(), np.int64)
    return Cells(_floats(table, "g0"), n, x, group)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _log_likelihood(cells: Cells, beta: np.ndarray, alpha: float) -> float:
    mu = np.exp(np.minimum(cells.x @ beta, 700.0))
    return float(cells.n @ _per_row(cells.y, mu, alpha))


def _per_row(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    a = 1.0 / alpha
    return np.asarray(
        scipy.special.gammaln(y + a)
        - scipy.special.gammaln(a)
        - a * np.log1p(alpha * mu)
        + scipy.special.xlogy(y, alpha * mu)
        - scipy.special.xlogy(y, 1.0 + alpha * mu)
    )


def _scores(cells: Cells, beta: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Per cell one row's score in (β, α) (cells × (p + 1)), and μ."""
    y = cells.y
    mu = np.exp(np.minimum(cells.x @ beta, 700.0))
    spread = 1.0 + alpha * mu
    a = 1.0 / alpha
    big_a = scipy.special.digamma(a) - scipy.special.digamma(y + a) + np.log1p(alpha * mu)
    d_alpha = big_a / alpha**2 + (y - mu) / (alpha * spread)
    return np.column_stack([cells.x * ((y - mu) / spread)[:, None], d_alpha]), mu


def _information(cells: Cells, beta: np.ndarray, alpha: float) -> np.ndarray:
    """−∂²ℓ/∂θ² in θ = (β, α), summed over the rows."""
    y, n, x = cells.y, cells.n, cells.x
    mu = np.exp(np.minimum(x @ beta, 700.0))
    spread = 1.0 + alpha * mu
    a = 1.0 / alpha
    big_a = scipy.special.digamma(a) - scipy.special.digamma(y + a) + np.log1p(alpha * mu)
    p = x.shape[1]
    found = np.zeros((p + 1, p + 1))
    found[:p, :p] = (x * (n * mu * (1.0 + alpha * y) / spread**2)[:, None]).T @ x
    found[:p, p] = found[p, :p] = x.T @ (n * (y - mu) * mu / spread**2)
    second = (
        (scipy.special.polygamma(1, y + a) - scipy.special.polygamma(1, a)) / alpha**4
        + mu / (alpha**2 * spread)
        - 2.0 * big_a / alpha**3
        - (y - mu) * (1.0 + 2.0 * alpha * mu) / (alpha * spread) ** 2
    )
    found[p, p] = -float(n @ second)
    return found


def newton(cells: Cells, start: np.ndarray) -> tuple[np.ndarray, float] | None:
    """(β, α) at the maximum, from Poisson's β; None without convergence or with α at 0."""
    beta = start.copy()
    mu = np.exp(cells.x @ beta)
    excess = float(cells.n @ ((cells.y - mu) ** 2 - mu))
    alpha = max(excess / max(float(cells.n @ mu**2), 1e-300), 0.1)
    current = _log_likelihood(cells, beta, alpha)
    for _ in range(MAX_ITERATIONS):
        scores, _ = _scores(cells, beta, alpha)
        gradient = cells.n @ scores
        try:
            step = np.linalg.solve(_information(cells, beta, alpha), gradient)
        except np.linalg.LinAlgError:
            return None
        size = 1.0
        while size > 1e-10:  # halve until α stays positive and the likelihood rises
            trial_alpha = alpha + size * step[-1]
            if trial_alpha > 0:
                trial = beta + size * step[:-1]
                found = _log_likelihood(cells, trial, trial_alpha)
                if np.isfinite(found) and found >= current - 1e-12 * abs(current):
                    break
            size /= 2
        else:
            return None
        beta, alpha, current = trial, trial_alpha, found
        theta = np.append(beta, alpha)
        if np.max(np.abs(size * step) / (1.0 + np.abs(theta))) < TOLERANCE:
            return (beta, alpha) if alpha > SMALLEST_ALPHA else None
    return None


def null_alpha(cells: Cells) -> float:
    """α of the model with the constant alone (its mean is the outcome's mean), for the
    null log-likelihood."""
    total = float(cells.n.sum())
    mean = float(cells.n @ cells.y) / total

    def negative(log_alpha: float) -> float:
        return -float(cells.n @ _per_row(cells.y, np.full(len(cells.y), mean), np.exp(log_alpha)))

    found = scipy.optimize.minimize_scalar(negative, bounds=(-20.0, 10.0), method="bounded")
    return float(np.exp(found.x))


def _variance(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    cells: Cells,
    beta: np.ndarray,
    alpha: float,
    covariance: str,
    cluster: Variable | None,
) -> np.ndarray | None:
    """(β, α)'s covariance; None with fewer than two clusters."""
    try:
        inverse = np.linalg.inv(_information(cells, beta, alpha))
    except np.linalg.LinAlgError:
        return None
    if covariance == "classical":
        return inverse
    if covariance == "robust":
        scores, _ = _scores(cells, beta, alpha)
        return inverse @ ((scores * cells.n[:, None]).T @ scores) @ inverse
    key = f'w."{UNIT_COLUMN}"' if cluster is None else col(cluster)
    grouped = _cells(view, y, patterns, key)
    assert grouped.group is not None
    scores, _ = _scores(grouped, beta, alpha)
    count = int(grouped.group.max()) + 1 if len(grouped.group) else 0
    if count < 2:
        return None
    totals = np.zeros((count, scores.shape[1]))
    for j in range(scores.shape[1]):
        totals[:, j] = np.bincount(grouped.group, weights=scores[:, j] * grouped.n, minlength=count)
    rows, k = patterns.rows, scores.shape[1]
    if rows <= k:
        return np.zeros((k, k))  # no residual degrees of freedom: withheld anyway
    factor = count / (count - 1) * (rows - 1) / (rows - k)
    return inverse @ (totals.T @ totals) @ inverse * factor


@dataclass(frozen=True)
class NegbinFit:
    """The fit before output control (`alpha`, `alpha_std_error`: the overdispersion and its
    standard error, not released; nan when not estimated)."""

    plan: RegressionPlan
    alpha: float
    alpha_std_error: float
    # The fit as margins reads a GLM's: β, β's block of (β, α)'s covariance and of the
    # inverse information (α's column of the effects' derivative is 0: μ alone carries x).
    glm: GlmFit | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        return self.plan.release(context)


def fit_negbin(view: DataView, request: Mapping[str, Any]) -> NegbinFit:
    y, x, constant, covariance, cluster, patterns, rows = model_inputs(view, request, "negbin")
    estimate, alphas = Estimate.failed(patterns), None
    weights = scale = None
    alpha = alpha_se = float("nan")
    beta_variance = beta_inverse = None
    start = irls(patterns, "poisson") if patterns.y_min >= 0 and patterns.rows else None
    if start is not None:
        cells = _cells(view, y, patterns)
        found = newton(cells, start[0])
        if found is not None:
            beta, alpha = found
            variance = _variance(view, y, patterns, cells, beta, alpha, covariance, cluster)
            if variance is not None:
                errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
                estimate = Estimate(
                    tuple(patterns.names),
                    beta,
                    errors[:-1],
                    patterns.rows,
                    variance=variance[:-1, :-1],
                )
                alpha_se = float(errors[-1])
                beta_variance = variance[:-1, :-1]
                beta_inverse = np.linalg.inv(_information(cells, beta, alpha))[:-1, :-1]
                mu = np.exp(np.minimum(patterns.predict(beta), 700.0))
                weights, scale = mu / (1.0 + alpha * mu), 1.0 / (1.0 + alpha * mu)
                alphas = (alpha, null_alpha(cells))
    plan = regression_plan(
        view,
        y,
        patterns,
        rows,
        estimate,
        "negbin",
        covariance,
        asked_terms(x, constant),
        weights,
        lambda eta: np.exp(np.minimum(eta, 700.0)),
        scale,
        alphas,
    )
    asked = asked_terms(x, constant)
    glm = GlmFit(y, patterns, rows, estimate, beta_variance, covariance, asked, beta_inverse)
    return NegbinFit(plan, alpha, alpha_se, glm)
