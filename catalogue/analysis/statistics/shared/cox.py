"""Cox proportional hazards by Newton–Raphson on the Efron partial likelihood, fitted on
sufficient statistics: the complete cases grouped by (time, event, pattern) into *cells*
with their row counts n. The partial likelihood needs only, per distinct time, the sums over
the units still at risk and over those with an event then, and every sum runs over cells
with weights n, which is exact (ties are cells of several rows).

With r = n·exp(η) per cell, per distinct event time t with d events: S_k the sums of r·x^⊗k
over the cells at risk (time ≥ t), E_k those over its event cells, and for l = 0 … d − 1,
a = l/d and D_l = S0 − a·E0 (Efron's share of the tied events still at risk):

    ℓ = Σ n·δ·η − Σ_t Σ_l log D_l,
    ∂ℓ/∂β = Σ n·δ·x − Σ_t Σ_l (S1 − a·E1)/D_l,
    −∂²ℓ/∂β² = Σ_t Σ_l [(S2 − a·E2)/D_l − (S1 − a·E1)(S1 − a·E1)'/D_l²].

The sums over l need five scalars per time (Σ 1/D, Σ a/D, Σ 1/D², Σ a/D², Σ a²/D²), so the
work is one pass over the events. Standard errors are the inverse observed information's
(lifelines' CoxPHFitter, which uses Efron's method for ties, gives the same to 1e-6).

Output control's evidence (model_support.py) measures what one unit moves: its residual is
the martingale residual δ − exp(η)·Λ(t) (Λ the Efron cumulative baseline hazard, Σ_t Σ_l
1/D_l), and its weight exp(η)·Λ(t), the Poisson form of the Cox model; the regressors are
centred at their weighted mean, the baseline hazard standing in for a constant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITERATIONS = 100
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Cells:
    """Rows grouped by (time, event, pattern): time, event (0/1), count, regressors."""

    time: np.ndarray
    event: np.ndarray
    n: np.ndarray
    x: np.ndarray  # (cells, columns)


@dataclass(frozen=True)
class _Sums:
    log_likelihood: float
    gradient: np.ndarray
    information: np.ndarray
    hazard: np.ndarray  # per distinct time, the baseline hazard's step (times exp(−shift))
    times: np.ndarray  # the distinct times, ascending
    shift: float  # η was lowered by it before exp (ℓ does not change)


def _per_time(index: np.ndarray, weights: np.ndarray, times: int) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=times)


def efron(cells: Cells, beta: np.ndarray) -> _Sums:
    x, n, event = cells.x, cells.n, cells.event
    p = x.shape[1]
    eta = x @ beta
    shift = float(eta.max()) if len(eta) else 0.0
    r = n * np.exp(eta - shift)
    times, index = np.unique(cells.time, return_inverse=True)
    k = len(times)
    happened = event > 0
    deaths = np.rint(_per_time(index, n * happened, k)).astype(np.int64)

    def risk_sum(weights: np.ndarray) -> np.ndarray:  # Σ over cells with time ≥ t
        return np.cumsum(_per_time(index, weights, k)[::-1])[::-1]

    s0 = risk_sum(r)
    e0 = _per_time(index, r * happened, k)
    s1 = np.column_stack([risk_sum(r * x[:, j]) for j in range(p)]) if p else np.zeros((k, 0))
    e1 = np.column_stack([_per_time(index, r * happened * x[:, j], k) for j in range(p)])
    s2 = np.zeros((k, p, p))
    e2 = np.zeros((k, p, p))
    for i in range(p):
        for j in range(i, p):
            s2[:, i, j] = s2[:, j, i] = risk_sum(r * x[:, i] * x[:, j])
            e2[:, i, j] = e2[:, j, i] = _per_time(index, r * happened * x[:, i] * x[:, j], k)
    # One entry per event: its time and Efron's share a = l/d of the tied ones before it.
    at = np.repeat(np.arange(k), deaths)
    first = np.repeat(np.cumsum(deaths) - deaths, deaths)
    share = (np.arange(len(at)) - first) / np.maximum(deaths[at], 1)
    denominator = s0[at] - share * e0[at]
    # A trial β far out (one event: the likelihood's maximum may lie far) can take a risk
    # set's sum below the smallest double: its terms are then not finite, and so is ℓ,
    # which the line search rejects (newton), never a warning or an error.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        q0 = _per_time(at, 1.0 / denominator, k)
        qa = _per_time(at, share / denominator, k)
        r0 = _per_time(at, 1.0 / denominator**2, k)
        ra = _per_time(at, share / denominator**2, k)
        raa = _per_time(at, share**2 / denominator**2, k)
        events_x = (n * happened) @ x
        log_likelihood = float((n * happened) @ (eta - shift) - np.log(denominator).sum())
        gradient = events_x - (s1 * q0[:, None] - e1 * qa[:, None]).sum(axis=0)
        information = np.einsum("t,tij->ij", q0, s2) - np.einsum("t,tij->ij", qa, e2)
        information -= np.einsum("t,ti,tj->ij", r0, s1, s1)
        information += np.einsum("t,ti,tj->ij", ra, s1, e1) + np.einsum("t,ti,tj->ij", ra, e1, s1)
        information -= np.einsum("t,ti,tj->ij", raa, e1, e1)
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(information))):
        log_likelihood = float("nan")
    return _Sums(log_likelihood, gradient, information, q0, times, shift)


@dataclass(frozen=True)
class CoxEstimate:
    coefficients: np.ndarray
    std_errors: np.ndarray
    log_likelihood: float


def newton(cells: Cells) -> CoxEstimate | None:
    """β at the maximum of the partial likelihood from 0, with step halving; None without
    events, without convergence or with a singular information (a constant or collinear
    regressor): the model is then withheld as one that cannot be estimated."""
    p = cells.x.shape[1]
    if p == 0 or not np.any(cells.event > 0):
        return None
    beta = np.zeros(p)
    current = efron(cells, beta)
    for _ in range(MAX_ITERATIONS):
        try:
            step = np.linalg.solve(current.information, current.gradient)
        except np.linalg.LinAlgError:
            return None
        size = 1.0
        while size > 1e-10:
            found = efron(cells, beta + size * step)
            if np.isfinite(found.log_likelihood) and found.log_likelihood >= (
                current.log_likelihood - 1e-12 * abs(current.log_likelihood)
            ):
                break
            size /= 2
        else:
            return None
        beta, current = beta + size * step, found
        if np.max(np.abs(size * step) / (1.0 + np.abs(beta))) < TOLERANCE:
            try:
                variance = np.linalg.inv(current.information)
            except np.linalg.LinAlgError:
                return None
            diagonal = np.diag(variance)
            if not np.all(np.isfinite(diagonal)) or np.any(diagonal <= 0):
                return None
            return CoxEstimate(beta, np.sqrt(diagonal), current.log_likelihood)
    return None


def residuals_and_weights(
    cells: Cells, beta: np.ndarray, time: np.ndarray, event: np.ndarray, eta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row (its time, event and η): the martingale residual δ − exp(η)·Λ(t) and its
    weight exp(η)·Λ(t), Λ the Efron cumulative baseline hazard at the fit."""
    sums = efron(cells, beta)
    cumulative = np.cumsum(sums.hazard)
    at = np.searchsorted(sums.times, time, side="right") - 1
    hazard = np.where(at >= 0, cumulative[np.maximum(at, 0)], 0.0)
    weight = np.exp(eta - sums.shift) * hazard
    return (event > 0).astype(np.float64) - weight, weight


def score_residuals(cells: Cells, beta: np.ndarray) -> np.ndarray:
    """Per cell one row's score residual (Efron's form, as R's survival gives it; with no
    tied times it is Lin and Wei's, lifelines' too): summed over every row they make the
    partial likelihood's score. With r = exp(η), D_l and x̄_l = (S1 − a_l·E1)/D_l Efron's
    denominators and means at each event time t (a_l = l/d), a row at time t_i gets
    −r·Σ_{t ≤ t_i} Σ_l w_l·(x − x̄_l)/D_l, w_l = 1 − a_l at its own time if it is one of its
    events and 1 otherwise, plus, for an event, x − (1/d)·Σ_l x̄_l. The robust covariance is
    B (Σ n_c L_c L_c') B, B the inverse information (rows of a cell share L)."""
    x, n, event = cells.x, cells.n, cells.event
    p = x.shape[1]
    eta = x @ beta
    shift = float(eta.max()) if len(eta) else 0.0
    risk = np.exp(eta - shift)
    r = n * risk
    times, index = np.unique(cells.time, return_inverse=True)
    k = len(times)
    happened = event > 0
    deaths = np.rint(_per_time(index, n * happened, k)).astype(np.int64)

    def risk_sum(weights: np.ndarray) -> np.ndarray:
        return np.cumsum(_per_time(index, weights, k)[::-1])[::-1]

    s0 = risk_sum(r)
    e0 = _per_time(index, r * happened, k)
    s1 = np.column_stack([risk_sum(r * x[:, j]) for j in range(p)])
    e1 = np.column_stack([_per_time(index, r * happened * x[:, j], k) for j in range(p)])
    at = np.repeat(np.arange(k), deaths)
    first = np.repeat(np.cumsum(deaths) - deaths, deaths)
    share = (np.arange(len(at)) - first) / np.maximum(deaths[at], 1)
    denominator = s0[at] - share * e0[at]
    q0 = _per_time(at, 1.0 / denominator, k)
    qa = _per_time(at, share / denominator, k)
    r0 = _per_time(at, 1.0 / denominator**2, k)
    ra = _per_time(at, share / denominator**2, k)
    raa = _per_time(at, share**2 / denominator**2, k)
    # Per time: Σ_l 1/D_l and Σ_l x̄_l/D_l (every row at risk), their (1 − a_l)-weighted
    # forms (the time's own events), and the mean (1/d)·Σ_l x̄_l of its events.
    full = q0
    full_x = s1 * r0[:, None] - e1 * ra[:, None]
    own = q0 - qa
    own_x = full_x - (s1 * ra[:, None] - e1 * raa[:, None])
    mean_x = (s1 * q0[:, None] - e1 * qa[:, None]) / np.maximum(deaths, 1)[:, None]
    before = np.cumsum(full) - full  # over the times before each time
    before_x = np.cumsum(full_x, axis=0) - full_x
    here = np.where(happened, own[index], full[index])
    here_x = np.where(happened[:, None], own_x[index], full_x[index])
    hazard = before[index] + here
    hazard_x = before_x[index] + here_x
    residual = -risk[:, None] * (x * hazard[:, None] - hazard_x)
    residual += happened[:, None] * (x - mean_x[index])
    return residual
