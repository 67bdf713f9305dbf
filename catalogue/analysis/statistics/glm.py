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
by N/(N − 1), and its vce(cluster) by G/(G − 1) alone."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import scipy.special

from catalogue.domain.errors import unprocessable

from ..variables import Variable
from .common import DataView, needs_number
from .design import Patterns, check_estimable, fetch_patterns, model_request, parse_terms, solve
from .ols import Estimate, RegressionPlan, cluster_meat, covariance_request, regression_plan

MAX_ITERATIONS = 100
TOLERANCE = 1e-10
FAMILIES = ("logit", "poisson")


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


def irls(patterns: Patterns, family: str) -> tuple[np.ndarray, np.ndarray]:
    """β at the maximum of the likelihood and the inverse information matrix there."""
    n, total = patterns.n, patterns.y_sum
    xwx, (x_sums,) = patterns.cross(n, n)
    check_estimable(patterns, xwx, x_sums)
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
        except np.linalg.LinAlgError:
            raise _separation() from None
        beta = beta + step
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < TOLERANCE:
            converged = True
            break
    if not converged or not np.all(np.isfinite(beta)):
        raise _separation()
    mu, weight = _mean_and_weight(family, patterns.predict(beta))
    information, _ = patterns.cross(n * weight)
    try:
        _, inverse = solve(information, np.zeros(len(beta)))
    except np.linalg.LinAlgError:
        raise _separation() from None
    if family == "logit" and np.any(np.abs(beta) > 30):
        raise _separation()
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
) -> np.ndarray:
    """`inverse` is the inverse information at β (the bread); `cluster` as in cluster_meat."""
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
        variance = inverse @ meat @ inverse * (clusters / (clusters - 1) * (rows - 1) / (rows - p))
    return np.sqrt(np.maximum(np.diag(variance), 0.0))


def _separation() -> Exception:
    return unprocessable(
        "regression-not-converged",
        "Modellen konvergerte ikke: utfallet er trolig perfekt forutsagt av en "
        "forklaringsvariabel (separasjon) for noen enheter. Slå sammen kategorier eller ta bort "
        "variabelen.",
        "The model did not converge: the outcome is probably perfectly predicted by a "
        "regressor for some units (separation). Merge categories or remove the variable.",
    )


def _check_outcome(patterns: Patterns, y: Variable, family: str) -> None:
    if family == "logit" and not patterns.binary:
        raise unprocessable(
            "logit-needs-binary",
            f"logit krever et utfall som er 0 eller 1 (eller sann/usann); «{y.name}» er ikke det.",
            f"logit needs an outcome that is 0 or 1 (or true/false); '{y.name}' is not.",
            name=y.name,
        )
    if family == "poisson" and patterns.y_min < 0:
        raise unprocessable(
            "poisson-needs-counts",
            f"poisson krever et utfall som ikke er negativt; «{y.name}» har negative verdier.",
            f"poisson needs an outcome that is not negative; '{y.name}' has negative values.",
            name=y.name,
        )


def prepare_glm(view: DataView, request: Mapping[str, Any], family: str) -> RegressionPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, family)
    terms = parse_terms(view, x)
    covariance, cluster = covariance_request(view, request)
    extra = [cluster] if cluster is not None else []
    patterns = fetch_patterns(view, y, terms, constant=constant, extra=extra)
    _check_outcome(patterns, y, family)
    beta, inverse = irls(patterns, family)
    std_errors = _std_errors(view, y, patterns, family, beta, inverse, covariance, cluster)
    estimate = Estimate(tuple(patterns.names), beta, std_errors, patterns.rows)
    return regression_plan(view, y, patterns, estimate, family, covariance)
