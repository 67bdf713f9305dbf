"""Logit and Poisson by IRLS (Newton–Raphson) on sufficient statistics: per pattern of
regressor values only the number of rows and the outcome's sum enter the likelihood, so
each iteration is one pass over the patterns, not over the units. Standard errors are the
inverse information matrix at the maximum (as statsmodels' Logit and Poisson)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.special

from catalogue.domain.errors import unprocessable

from .common import DataView, needs_number, request_error
from .design import Patterns, check_estimable, fetch_patterns, model_request, parse_terms, solve
from .ols import Estimate, RegressionPlan, regression_plan

MAX_ITERATIONS = 100
TOLERANCE = 1e-10
FAMILIES = ("logit", "poisson")


def _mean_and_weight(family: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern the mean of one outcome and its variance (the IRLS weight per row)."""
    if family == "logit":
        mu = scipy.special.expit(eta)
        return mu, mu * (1.0 - mu)
    mu = np.exp(np.minimum(eta, 700.0))
    return mu, mu


def irls(patterns: Patterns, family: str) -> Estimate:
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
    std_errors = np.sqrt(np.maximum(np.diag(inverse), 0.0))
    if family == "logit" and np.any(np.abs(beta) > 30):
        raise _separation()
    return Estimate(tuple(names), beta, std_errors, patterns.rows)


def _separation() -> Exception:
    return unprocessable(
        "regression-not-converged",
        "Modellen konvergerte ikke: utfallet er trolig perfekt forutsagt av en "
        "forklaringsvariabel (separasjon) for noen enheter. Slå sammen kategorier eller ta bort "
        "variabelen.",
        "The model did not converge: the outcome is probably perfectly predicted by a "
        "regressor for some units (separation). Merge categories or remove the variable.",
    )


def prepare_glm(view: DataView, request: Mapping[str, Any], family: str) -> RegressionPlan:
    y_name, x, constant = model_request(request)
    for unsupported in ("robust", "cluster"):
        if request.get(unsupported):
            raise request_error(
                unsupported,
                f"«{unsupported}» tilbys for regress (OLS), ikke for {family}.",
                f"'{unsupported}' is offered for regress (OLS), not for {family}.",
            )
    y = view.variable(y_name, what="y")
    needs_number(y, family)
    patterns = fetch_patterns(view, y, parse_terms(view, x), constant=constant)
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
    estimate = irls(patterns, family)
    return regression_plan(view, y, patterns, estimate, family, "classical")
