"""Logit and Poisson by IRLS (Newton–Raphson) on sufficient statistics: per pattern of
regressor values only the number of rows and the outcome's sum enter the likelihood, so
each iteration is one pass over the patterns, not over the units.

Standard errors, with B the inverse information matrix at the maximum and μ the fitted mean:
- classical: B;
- robust: B (Σ_i x_i x_i' (y_i − μ_i)²) B, the meat summed per pattern as
  Σ_g x_g x_g' (m2_g + n_g (ȳ_g − μ_g)²), with no small-sample factor;
- clustered: B (Σ_c u_c u_c') B · G/(G − 1) · (N − 1)/(N − p), with u_c the cluster's
  score Σ x (y − μ), read from the complete cases grouped by cluster and pattern.
These are statsmodels' conventions for discrete models (`Logit`, `Poisson`): cov_type
"nonrobust", "HC1" and "cluster" with its default corrections (a test checks agreement to
1e-6). statsmodels' "HC1" on these models is the plain sandwich (HC0): the N/(N − p) of
OLS's HC1 is not applied. Stata differs slightly: its vce(robust) multiplies the sandwich
by N/(N − 1), and its vce(cluster) by G/(G − 1) alone.

A model that cannot be estimated (a singular design, separation, an outcome of the wrong
kind, fewer than two clusters) is not refused: it goes to output control as not
estimable, which withholds it like any model that fails its checks, with the same reason
(whether it can be estimated may hang on one unit's value)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import scipy.special

from ...variables import Variable
from .common import DataView, needs_number
from .design import Patterns, estimable, parse_terms, solve
from .model_levels import common_levels
from .model_request import covariance_request, model_request
from .ols import Estimate, RegressionPlan, asked_terms, cluster_meat, regression_plan

MAX_ITERATIONS = 100
TOLERANCE = 1e-10


def _mean(family: str, eta: np.ndarray) -> np.ndarray:
    """The inverse link: the mean of one outcome given the linear predictor."""
    if family == "logit":
        return np.asarray(scipy.special.expit(eta))
    # exp overflows past 709; a mean of e^700 already means the model has failed.
    return np.exp(np.minimum(eta, 700.0))


def _mean_and_weight(family: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern the mean of one outcome and its variance (the IRLS weight per row)."""
    mu = _mean(family, eta)
    if family == "logit":
        return mu, mu * (1.0 - mu)
    return mu, mu


def irls(patterns: Patterns, family: str) -> tuple[np.ndarray, np.ndarray] | None:
    """β at the maximum of the likelihood and the inverse information matrix there, or None
    when the model cannot be estimated (a singular design, no convergence: separation)."""
    n, total = patterns.n, patterns.y_sum
    xwx, (x_sums,) = patterns.cross(n, n)
    if not estimable(patterns, xwx, x_sums):
        return None
    beta = np.zeros(len(patterns.columns))
    names = patterns.names
    if family == "poisson" and "_cons" in names:
        mean = float(total.sum() / n.sum())
        beta[names.index("_cons")] = np.log(mean) if mean > 0 else 0.0
    converged = False
    for _ in range(MAX_ITERATIONS):
        mu, weight = _mean_and_weight(family, patterns.predict(beta))
        information, (score,) = patterns.cross(n * weight, total - n * mu)
        try:
            step, _ = solve(information, score)
        except (np.linalg.LinAlgError, ValueError):
            # ValueError: the information went infinite or NaN on the way to a separated
            # optimum; such a model is withheld like any other that cannot be estimated.
            return None
        beta = beta + step
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < TOLERANCE:
            converged = True
            break
    if not converged or not np.all(np.isfinite(beta)):
        return None
    mu, weight = _mean_and_weight(family, patterns.predict(beta))
    information, _ = patterns.cross(n * weight)
    try:
        _, inverse = solve(information, np.zeros(len(beta)))
    except (np.linalg.LinAlgError, ValueError):
        return None
    if family == "logit" and np.any(np.abs(beta) > 30):
        return None
    return beta, inverse


def _std_errors(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    family: str,
    beta: np.ndarray,
    inverse: np.ndarray,
    covariance: str,
    cluster: Variable | None,
) -> np.ndarray | None:
    """`inverse` is the inverse information at β (the bread); `cluster` as in cluster_meat.
    None: fewer than two clusters (the model is withheld)."""
    rows, p = patterns.rows, len(beta)
    if covariance == "classical":
        variance = inverse
    elif covariance == "robust":
        mu = _mean(family, patterns.predict(beta))
        meat, _ = patterns.cross(patterns.y_m2 + patterns.n * (patterns.y_mean - mu) ** 2)
        variance = inverse @ meat @ inverse
    elif rows <= p:
        # No residual degrees of freedom for (N − 1)/(N − p): output control withholds the
        # model anyway, so the standard errors are never shown.
        return np.zeros(p)
    else:
        meat, clusters = cluster_meat(view, y, patterns, beta, cluster, partial(_mean, family))
        if clusters < 2:
            return None
        variance = inverse @ meat @ inverse * (clusters / (clusters - 1) * (rows - 1) / (rows - p))
    return np.sqrt(np.maximum(np.diag(variance), 0.0))


def _outcome_fits(patterns: Patterns, family: str) -> bool:
    """Logit needs a 0/1 outcome, Poisson one that is never negative. Not a refusal: a
    model whose outcome fails is withheld, since one unit's value can make it fail."""
    if family == "logit":
        return patterns.binary
    return patterns.y_min >= 0


def prepare_glm(view: DataView, request: Mapping[str, Any], family: str) -> RegressionPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, family)
    terms = parse_terms(view, x)
    covariance, cluster = covariance_request(view, request)
    patterns, rows = common_levels(view, y, terms, constant=constant, cluster=cluster)
    fitted = irls(patterns, family) if _outcome_fits(patterns, family) else None
    estimate, weights = Estimate.failed(patterns), None
    if fitted is not None:
        beta, inverse = fitted
        std_errors = _std_errors(view, y, patterns, family, beta, inverse, covariance, cluster)
        if std_errors is not None:
            estimate = Estimate(tuple(patterns.names), beta, std_errors, patterns.rows)
            weights = _mean_and_weight(family, patterns.predict(beta))[1]
    asked = asked_terms(x, constant)
    return regression_plan(
        view,
        y,
        patterns,
        rows,
        estimate,
        family,
        covariance,
        asked,
        weights,
        partial(_mean, family),
    )
