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
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import scipy.special

from ...variables import Variable
from .common import DataView
from .design import Patterns, estimable, full_rank, solve
from .model_levels import model_inputs
from .model_rows import ModelRows
from .ols import Estimate, RegressionPlan, asked_terms, cluster_meat, regression_plan

MAX_ITERATIONS = 100
TOLERANCE = 1e-10
FAMILIES = ("logit", "probit", "poisson")


def _mean(family: str, eta: np.ndarray) -> np.ndarray:
    """The inverse link: the mean of one outcome given the linear predictor."""
    if family == "logit":
        return np.asarray(scipy.special.expit(eta))
    if family == "probit":
        return np.asarray(scipy.special.ndtr(eta))
    # exp overflows past 709; a mean of e^700 already means the model has failed.
    return np.exp(np.minimum(eta, 700.0))


def _mills(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probit's dℓ/dη of one outcome of 1 (φ/Φ) and of one of 0 (−φ/(1 − Φ)), from logs so
    that neither tail divides 0 by 0."""
    log_density = -0.5 * eta * eta - 0.5 * np.log(2.0 * np.pi)
    one = np.exp(log_density - scipy.special.log_ndtr(eta))
    zero = -np.exp(log_density - scipy.special.log_ndtr(-eta))
    return one, zero


def glm_weights(family: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern the mean of one outcome and its Fisher weight per row (for logit and
    Poisson, with their canonical links, the variance; for probit φ²/(Φ(1 − Φ)))."""
    mu = _mean(family, eta)
    if family == "logit":
        return mu, mu * (1.0 - mu)
    if family == "probit":
        one, zero = _mills(eta)
        return mu, -one * zero  # φ/Φ · φ/(1 − Φ)
    return mu, mu


def score_scale(family: str, eta: np.ndarray) -> np.ndarray | None:
    """dℓ/dη over (y − μ) per pattern: 1 with a canonical link (None), φ/(Φ(1 − Φ)) for
    probit. Output control's influence of one unit is Pregibon's step with this score."""
    if family != "probit":
        return None
    one, zero = _mills(eta)
    return one - zero  # φ/Φ + φ/(1 − Φ) = φ/(Φ(1 − Φ))


def _score_sums(family: str, n: np.ndarray, total: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Per pattern (or cluster and pattern) Σ dℓ/dη over its rows, from its rows and the
    outcome's sum alone (a 0/1 outcome for probit)."""
    if family == "probit":
        one, zero = _mills(eta)
        return total * one + (n - total) * zero
    return total - n * _mean(family, eta)


def _observed_weights(family: str, patterns: Patterns, eta: np.ndarray) -> np.ndarray:
    """Per pattern −Σ d²ℓ/dη² over its rows: the observed information's weight (equal to
    the Fisher weight times n for the canonical links)."""
    n = patterns.n
    if family == "probit":
        one, zero = _mills(eta)
        ones = patterns.y_sum
        return ones * one * (eta + one) + (n - ones) * zero * (eta + zero)
    return n * glm_weights(family, eta)[1]


def _score_squares(family: str, patterns: Patterns, eta: np.ndarray) -> np.ndarray:
    """Per pattern Σ (dℓ/dη)² over its rows: the robust sandwich's meat."""
    if family == "probit":
        one, zero = _mills(eta)
        ones = patterns.y_sum
        return ones * one * one + (patterns.n - ones) * zero * zero
    mu = _mean(family, eta)
    return patterns.y_m2 + patterns.n * (patterns.y_mean - mu) ** 2


def _solved(information: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """solve(information, score), or None when the information has gone infinite, NaN or
    flat in a column (a weight under- or overflowed on the way to a separated optimum)."""
    diagonal = np.diag(information)
    if not (np.all(np.isfinite(information)) and np.all(np.isfinite(score))):
        return None
    if np.any(diagonal <= 0):
        return None
    try:
        return solve(information, score)
    except (np.linalg.LinAlgError, ValueError):
        return None


def flat_direction(information: np.ndarray) -> bool:
    """Whether the information at the end of the iterations is singular after
    equilibration (rank by pivoted QR, as `estimable` judges X'X): the mark of separation,
    where the likelihood has no maximum and IRLS stops only because the steps along the
    separating direction have shrunk (a level of outcome 0 fitted a mean of 1e-19, its
    rows' weights gone, so its dummy and the constant carry the same information). A fit
    with a few extreme but finite fitted means (a probit η of 8) keeps its full rank."""
    return not full_rank(information)


def irls(patterns: Patterns, family: str) -> tuple[np.ndarray, np.ndarray] | None:
    """β at the maximum of the likelihood and the inverse of the observed information there
    (Newton–Raphson; for the canonical links it is Fisher scoring, IRLS), or None when the
    model cannot be estimated: a singular design, no convergence, or separation (the
    likelihood has no maximum: an information singular at the end, weights that under- or
    overflow, a non-finite β). Floating-point overflow and underflow are expected on the
    way to a separated optimum: they are silenced here and what they lead to checked."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        return _irls(patterns, family)


def _irls(patterns: Patterns, family: str) -> tuple[np.ndarray, np.ndarray] | None:
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
        eta = patterns.predict(beta)
        if not np.all(np.isfinite(eta)):
            return None
        information, (score,) = patterns.cross(
            _observed_weights(family, patterns, eta), _score_sums(family, n, total, eta)
        )
        solved = _solved(information, score)
        if solved is None:
            return None
        step = solved[0]
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            return None
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < TOLERANCE:
            converged = True
            break
    if not converged:
        return None
    eta = patterns.predict(beta)
    if not np.all(np.isfinite(eta)):
        return None
    information, _ = patterns.cross(_observed_weights(family, patterns, eta))
    solved = _solved(information, np.zeros(len(beta)))
    if solved is None or not np.all(np.isfinite(solved[1])) or flat_direction(information):
        return None
    if family in ("logit", "probit") and np.any(np.abs(beta) > 30):
        return None
    return beta, solved[1]


def glm_variance(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    family: str,
    beta: np.ndarray,
    inverse: np.ndarray,
    covariance: str,
    cluster: Variable | None,
) -> np.ndarray | None:
    """The covariance matrix of β: `inverse` is the inverse information at β (the bread);
    `cluster` as in cluster_meat. None: fewer than two clusters (the model is withheld)."""
    rows, p = patterns.rows, len(beta)
    if covariance == "classical":
        return inverse
    if covariance == "robust":
        meat, _ = patterns.cross(_score_squares(family, patterns, patterns.predict(beta)))
        return inverse @ meat @ inverse
    if rows <= p:
        # No residual degrees of freedom for (N − 1)/(N − p): output control withholds the
        # model anyway, so the standard errors are never shown.
        return np.zeros((p, p))
    meat, clusters = cluster_meat(view, y, patterns, beta, cluster, partial(_score_sums, family))
    if clusters < 2:
        return None
    return inverse @ meat @ inverse * (clusters / (clusters - 1) * (rows - 1) / (rows - p))


def _outcome_fits(patterns: Patterns, family: str) -> bool:
    """Logit and probit need a 0/1 outcome, Poisson one that is never negative. Not a
    refusal: a model whose outcome fails is withheld, since one unit's value can make it
    fail."""
    if family in ("logit", "probit"):
        return patterns.binary
    return patterns.y_min >= 0


@dataclass(frozen=True)
class GlmFit:
    """A GLM as fitted, before output control: what its plan and its margins are made of
    (`variance`: β's covariance of the kind asked for, None if not estimated)."""

    y: Variable
    patterns: Patterns
    rows: ModelRows
    estimate: Estimate
    variance: np.ndarray | None
    covariance: str
    asked: list[str]
    inverse: np.ndarray | None = None  # the inverse observed information at β


def fit_glm(view: DataView, request: Mapping[str, Any], family: str) -> GlmFit:
    y, x, constant, covariance, cluster, patterns, rows = model_inputs(view, request, family)
    fitted = irls(patterns, family) if _outcome_fits(patterns, family) else None
    estimate, variance, inverse = Estimate.failed(patterns), None, None
    if fitted is not None:
        beta, inverse = fitted
        variance = glm_variance(view, y, patterns, family, beta, inverse, covariance, cluster)
        if variance is not None:
            std_errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
            estimate = Estimate(
                tuple(patterns.names), beta, std_errors, patterns.rows, variance=variance
            )
    asked = asked_terms(x, constant)
    return GlmFit(y, patterns, rows, estimate, variance, covariance, asked, inverse)


def glm_plan(fit: GlmFit, view: DataView, family: str) -> RegressionPlan:
    weights = scale = None
    if fit.estimate.estimable:
        eta = fit.patterns.predict(fit.estimate.coefficients)
        weights = glm_weights(family, eta)[1]
        scale = score_scale(family, eta)
    return regression_plan(
        view,
        fit.y,
        fit.patterns,
        fit.rows,
        fit.estimate,
        family,
        fit.covariance,
        fit.asked,
        weights,
        partial(_mean, family),
        scale,
    )


def prepare_glm(view: DataView, request: Mapping[str, Any], family: str) -> RegressionPlan:
    return glm_plan(fit_glm(view, request, family), view, family)
