"""Weibull regression by Newton–Raphson on the censored likelihood, fitted on sufficient
statistics: the complete cases grouped by (time, event, pattern) into cells with their row
counts n (statistics/shared/cox.py's cells). Every sum runs over cells with weights n, which
is exact; the time enters through log t and t^ρ, so unlike OLS the likelihood needs each
distinct time (t^ρ moves with ρ), not one sum per pattern.

The accelerated failure time form (lifelines' WeibullAFTFitter): the scale λ = exp(x'β), the
shape ρ = exp(γ), the survival S(t) = exp(−(t/λ)^ρ). Per row, with z = log t, η = x'β,
w = ρ(z − η) and H = exp(w) (the cumulative hazard at t):

    ℓ = δ(γ + (ρ − 1)z − ρη) − H,
    ∂ℓ/∂β = ρ(H − δ)·x,                   ∂ℓ/∂γ = δ(1 + w) − H·w,
    ∂²ℓ/∂β² = −ρ²H·xx',                    ∂²ℓ/∂β∂γ = ρ(H − δ + H·w)·x,
    ∂²ℓ/∂γ² = δ·w − H·w(w + 1).

Standard errors are the inverse observed information's in (β, γ) (lifelines' are the same
to 1e-6). The proportional hazards form is the same model: the hazard
h(t) = ρt^(ρ−1)·exp(x'b) with b = −ρβ; its standard errors by the delta method through
(β, γ), b's Jacobian being −ρ·I in β and −ρβ in γ."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from .cox import Cells

MAX_ITERATIONS = 200
TOLERANCE = 1e-10
LARGEST_EXPONENT = 700.0  # exp past it overflows: such a fit has failed anyway


@dataclass(frozen=True)
class WeibullEstimate:
    """β (AFT, the log scale's coefficients), γ = log ρ, and the inverse observed
    information in (β, γ)."""

    beta: np.ndarray
    log_shape: float
    covariance: np.ndarray
    log_likelihood: float

    @property
    def shape(self) -> float:
        return float(np.exp(self.log_shape))

    def proportional_hazards(self) -> tuple[np.ndarray, np.ndarray]:
        """b = −ρβ and its covariance by the delta method."""
        rho = self.shape
        p = len(self.beta)
        jacobian = np.zeros((p, p + 1))
        jacobian[:, :p] = -rho * np.eye(p)
        jacobian[:, p] = -rho * self.beta
        return -rho * self.beta, jacobian @ self.covariance @ jacobian.T


def _terms(
    cells: Cells, beta: np.ndarray, gamma: float
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    z = np.log(cells.time)
    rho = float(np.exp(gamma))
    w = rho * (z - cells.x @ beta)
    hazard = np.exp(np.minimum(w, LARGEST_EXPONENT))
    return z, rho, w, hazard


def log_likelihood(cells: Cells, beta: np.ndarray, gamma: float) -> float:
    z, rho, _, hazard = _terms(cells, beta, gamma)
    eta = cells.x @ beta
    per_cell = cells.event * (gamma + (rho - 1.0) * z - rho * eta) - hazard
    return float(cells.n @ per_cell)


def scores(cells: Cells, beta: np.ndarray, gamma: float) -> np.ndarray:
    """Per cell one row's score in (β, γ)."""
    _, rho, w, hazard = _terms(cells, beta, gamma)
    delta = cells.event
    return np.column_stack(
        [cells.x * (rho * (hazard - delta))[:, None], delta * (1.0 + w) - hazard * w]
    )


def information(cells: Cells, beta: np.ndarray, gamma: float) -> np.ndarray:
    """−∂²ℓ over (β, γ), summed over the cells."""
    _, rho, w, hazard = _terms(cells, beta, gamma)
    delta, n, x = cells.event, cells.n, cells.x
    p = x.shape[1]
    found = np.zeros((p + 1, p + 1))
    found[:p, :p] = (x * (n * rho * rho * hazard)[:, None]).T @ x
    cross = -(n * rho * (hazard - delta + hazard * w)) @ x
    found[:p, p] = found[p, :p] = cross
    found[p, p] = -float(n @ (delta * w - hazard * w * (w + 1.0)))
    return found


def newton(cells: Cells, constant: int | None) -> WeibullEstimate | None:
    """(β, γ) at the maximum, from the exponential model's fit (ρ = 1, the constant at
    log(Σt/Σδ)); None without events, without convergence or with a singular information
    (a constant or collinear regressor): the model is then withheld as one that cannot be
    estimated. Far from the maximum the observed information need not be positive
    definite (Newton's step may not climb), so a trust region (scipy's trust-exact, with
    this gradient and information) finds the maximum on columns scaled to a unit root mean
    square, and Newton's steps polish it to TOLERANCE. Overflow on the way (a time that is
    one value for every row: exp(γ) past the largest float) is judged by the finiteness
    checks, never raised (it was HTTP 500 under warnings as errors: red team
    `test_non_finite`)."""
    with np.errstate(all="ignore"):
        return _newton(cells, constant)


def _newton(cells: Cells, constant: int | None) -> WeibullEstimate | None:
    p = cells.x.shape[1]
    events = float(cells.n @ cells.event)
    if p == 0 or events <= 0 or len(cells.n) == 0:
        return None
    spread = np.sqrt((cells.n @ cells.x**2) / float(cells.n.sum()))
    spread[~(spread > 0)] = 1.0
    scaled = Cells(cells.time, cells.event, cells.n, cells.x / spread)
    start = np.zeros(p + 1)
    if constant is not None:
        start[constant] = np.log(float(cells.n @ cells.time) / events) / spread[constant]

    def negative(theta: np.ndarray) -> float:
        found = -log_likelihood(scaled, theta[:p], float(theta[p]))
        return found if np.isfinite(found) else float("inf")

    def gradient(theta: np.ndarray) -> np.ndarray:
        return np.asarray(-(scaled.n @ scores(scaled, theta[:p], float(theta[p]))))

    def hessian(theta: np.ndarray) -> np.ndarray:
        return information(scaled, theta[:p], float(theta[p]))

    with np.errstate(all="ignore"):
        try:
            searched = scipy.optimize.minimize(
                negative,
                start,
                jac=gradient,
                hess=hessian,
                method="trust-exact",
                options={"gtol": 1e-8, "maxiter": MAX_ITERATIONS},
            )
        except (np.linalg.LinAlgError, ValueError):
            return None
    theta = np.asarray(searched.x, dtype=np.float64)
    if not np.all(np.isfinite(theta)):
        return None
    for _ in range(20):
        try:
            step = np.linalg.solve(hessian(theta), -gradient(theta))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        theta = theta + step
        if np.max(np.abs(step) / (1.0 + np.abs(theta))) < TOLERANCE:
            break
    else:
        return None
    try:
        inverse = np.linalg.inv(hessian(theta))
    except np.linalg.LinAlgError:
        return None
    unscale = np.append(1.0 / spread, 1.0)
    covariance = inverse * np.outer(unscale, unscale)
    diagonal = np.diag(covariance)
    if not np.all(np.isfinite(diagonal)) or np.any(diagonal <= 0):
        return None
    beta, gamma = theta[:p] / spread, float(theta[p])
    return WeibullEstimate(beta, gamma, covariance, log_likelihood(cells, beta, gamma))


# Rows multiplied at a time by rows_times: every block but a short input's is at least
# this long, where BLAS gives each row the sum it gives it in one product of every row.
BLOCK_ROWS = 1 << 16


def rows_times(x: np.ndarray, pattern: np.ndarray | None, matrix: np.ndarray) -> np.ndarray:
    """x[pattern] @ matrix (x @ matrix without `pattern`) without making x[pattern], each
    row's regressors, whole: that matrix was ~0.1 GiB per million rows and regressor
    columns. Blocks of BLOCK_ROWS rows, the last taking the rest; an input of fewer than
    twice that is one product, as before."""
    if pattern is None or len(pattern) < 2 * BLOCK_ROWS:
        return (x if pattern is None else x[pattern]) @ matrix
    out = np.empty((len(pattern), *matrix.shape[1:]), dtype=np.float64)
    starts = list(range(0, len(pattern) - BLOCK_ROWS, BLOCK_ROWS))
    for start, stop in zip(starts, [*starts[1:], len(pattern)], strict=True):
        out[start:stop] = x[pattern[start:stop]] @ matrix
    return out


def residuals_and_weights(
    estimate: WeibullEstimate,
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    pattern: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row (its regressors, time and event): the martingale residual δ − H(t) and its
    weight H(t), the cumulative hazard (the Poisson form of the model at a fixed ρ). With
    `pattern`, x holds each pattern's regressors and row i has pattern[i]'s."""
    w = estimate.shape * (np.log(time) - rows_times(x, pattern, estimate.beta))
    hazard = np.exp(np.minimum(w, LARGEST_EXPONENT))
    return (event != 0).astype(np.float64) - hazard, hazard
