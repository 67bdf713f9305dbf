"""A linear mixed model with random intercepts, y = Xβ + u_g + e, u_g ~ N(0, σ²_u),
e ~ N(0, σ²_e), fitted by REML (the default) or ML from per-group sufficient statistics.

With γ = σ²_u/σ²_e and V_g = I + γ11' (the covariance of group g's rows over σ²_e), every
quantity the likelihood needs is a sum over groups of functions of n_g, the group means
x̄_g and ȳ_g, and the within-group scatter (W_xx, W_xy, W_yy, summed over groups):
V_g⁻¹ = I − γ/(1 + n_gγ)·11', so with d_g = 1/(1 + n_gγ)

    X'V⁻¹X = W_xx + Σ n_g d_g x̄_g x̄_g',  X'V⁻¹y = W_xy + Σ n_g d_g x̄_g ȳ_g,
    y'V⁻¹y = W_yy + Σ n_g d_g ȳ_g²,        log|V| = Σ log(1 + n_gγ).

The within scatter is taken as deviations of each pattern from its group's means (two
passes, no cancellation). β(γ) is GLS, r'V⁻¹r = y'V⁻¹y − β'X'V⁻¹y, and the criterion,
with σ²_e profiled out, is statsmodels MixedLM's:

    ML:   −½ Σ log(1 + n_gγ) − (N/2) log r'V⁻¹r
    REML: −½ Σ log(1 + n_gγ) − ½ log|X'V⁻¹X| − ((N − p)/2) log r'V⁻¹r

maximised over γ ≥ 0 (a grid on log γ, then Brent's method between the grid's neighbours
of its best point; γ = 0 when the boundary is higher). σ²_e = r'V⁻¹r/(N − p) under REML,
/N under ML; σ²_u = γσ²_e.

Standard errors of β are statsmodels' (bse_fe): the inverse of the negative Hessian of the
profile criterion in (β, γ), whose blocks are again sums over groups (with f = N − p under
REML, N under ML, s_g = n_g(ȳ_g − x̄_g'β) the group's residual sum):

    H_ββ = −f·X'V⁻¹X / r'V⁻¹r,   H_γβ = −f/r'V⁻¹r · Σ d_g² n_g x̄_g s_g,
    H_γγ = ½Σ n_g²d_g² − ½f(D/r'V⁻¹r − B²/r'V⁻¹r²), B = Σ d_g²s_g², D = 2Σ n_g d_g³ s_g²,

and under REML H_γγ += ½(tr(M⁻¹A M⁻¹A) − tr(M⁻¹F)), M = X'V⁻¹X, A = Σ n_g²d_g² x̄x̄',
F = 2Σ n_g³d_g³ x̄x̄'. A test holds β, these standard errors and (σ²_u, σ²_e) to
statsmodels' to 1e-6.

The variance components' standard errors are the inverse expected information of the
Gaussian likelihood in (σ²_u, σ²_e) at the estimates (ML's, for either criterion: an
approximation, documented; statsmodels' own bse_re is of another parameterisation), with
I_uu = ½Σ n_g²/τ_g², I_ue = ½Σ n_g/τ_g², I_ee = ½Σ((n_g − 1)/σ⁴_e + 1/τ_g²), τ_g =
σ²_e + n_gσ²_u."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

METHODS = ("reml", "ml")
# A Newton step with β held and ML's expected information understates what removing a unit
# moves the REML estimates by (β moves too): by up to 13 % on the synthetic cases of
# tests/test_models_mml.py, which hold this margin to exact leave-one-out refits.
STEP_MARGIN = 1.25
GRID = np.linspace(-18.0, 12.0, 61)  # log γ


@dataclass(frozen=True)
class GroupSums:
    """A model's sufficient statistics per group: rows, means of the design's columns and
    of the outcome, and the within-group scatter summed over the groups."""

    n: np.ndarray  # G
    x_mean: np.ndarray  # G × p
    y_mean: np.ndarray  # G
    wxx: np.ndarray  # p × p
    wxy: np.ndarray  # p
    wyy: float

    @property
    def rows(self) -> int:
        return int(self.n.sum())


def group_sums(
    design: np.ndarray, n: np.ndarray, y_sum: np.ndarray, y_m2: np.ndarray, group: np.ndarray
) -> GroupSums:
    """From patterns (one row of `design` each, its rows n, outcome sum and within-pattern
    squares) and each pattern's group (0 .. G − 1, every group present)."""
    count = int(group.max()) + 1 if len(group) else 0
    rows = np.bincount(group, weights=n, minlength=count)
    p = design.shape[1]
    x_mean = (
        np.column_stack(
            [np.bincount(group, weights=n * design[:, j], minlength=count) for j in range(p)]
        ).reshape(count, p)
        / rows[:, None]
    )
    y_mean = np.bincount(group, weights=y_sum, minlength=count) / rows
    deviation = design - x_mean[group]
    pattern_mean = y_sum / n
    y_deviation = pattern_mean - y_mean[group]
    wxx = (deviation * n[:, None]).T @ deviation
    wxy = deviation.T @ (n * y_deviation)
    wyy = float(y_m2.sum() + (n * y_deviation**2).sum())
    return GroupSums(rows, x_mean, y_mean, wxx, wxy, wyy)


@dataclass(frozen=True)
class MixedFit:
    method: str
    gamma: float  # σ²_u / σ²_e
    beta: np.ndarray
    std_errors: np.ndarray  # statsmodels' bse_fe
    sigma_u: float  # σ²_u
    sigma_e: float  # σ²_e
    variance_errors: np.ndarray  # of (σ²_u, σ²_e)
    criterion: float
    covariance: np.ndarray  # of (β, γ): inverse negative Hessian


@dataclass(frozen=True)
class _At:
    d: np.ndarray
    m: np.ndarray
    v: np.ndarray
    beta: np.ndarray
    rvir: float
    criterion: float


def _at(sums: GroupSums, gamma: float, method: str) -> _At | None:
    n = sums.n
    d = 1.0 / (1.0 + n * gamma)
    weight = n * d
    m = sums.wxx + (sums.x_mean * weight[:, None]).T @ sums.x_mean
    v = sums.wxy + sums.x_mean.T @ (weight * sums.y_mean)
    c = sums.wyy + float(weight @ sums.y_mean**2)
    try:
        factor = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return None
    beta = np.linalg.solve(m, v)
    rvir = c - float(beta @ v)
    if not rvir > 0:
        return None
    rows, p = sums.rows, len(beta)
    logdet_v = float(np.log1p(n * gamma).sum())
    if method == "ml":
        criterion = -0.5 * logdet_v - 0.5 * rows * math.log(rvir)
    else:
        logdet_m = 2.0 * float(np.log(np.diag(factor)).sum())
        criterion = -0.5 * logdet_v - 0.5 * logdet_m - 0.5 * (rows - p) * math.log(rvir)
    return _At(d, m, v, beta, rvir, criterion)


def _value(sums: GroupSums, gamma: float, method: str) -> float:
    found = _at(sums, gamma, method)
    return -math.inf if found is None else found.criterion


def _score(sums: GroupSums, gamma: float, method: str) -> float:
    """The criterion's derivative in γ (β at its GLS value: its own derivative is 0 there):
    −½Σn_g d_g + (f/2)·Σd_g²s_g²/r'V⁻¹r, and under REML + ½tr(M⁻¹A)."""
    at = _at(sums, gamma, method)
    if at is None:
        return math.nan
    n, d, x = sums.n, at.d, sums.x_mean
    s = n * (sums.y_mean - x @ at.beta)
    p = len(at.beta)
    f = sums.rows - p if method == "reml" else sums.rows
    score = -0.5 * float((n * d).sum()) + 0.5 * f * float((d * d * s * s).sum()) / at.rvir
    if method == "reml":
        a = (x * (n * n * d * d)[:, None]).T @ x
        score += 0.5 * float(np.trace(np.linalg.solve(at.m, a)))
    return score


def _polished(sums: GroupSums, t: float, method: str) -> float:
    """γ = exp(t) refined to the root of the criterion's derivative (the search on the
    criterion's values stops where they no longer differ, √ε away), when a root is
    bracketed within a factor of 2 of it; else γ as found."""

    def score(u: float) -> float:
        return _score(sums, math.exp(u), method)

    low, high = t - 0.7, t + 0.7
    a, b = score(low), score(high)
    if not (math.isfinite(a) and math.isfinite(b)) or a * b > 0:
        return math.exp(t)
    root = scipy.optimize.brentq(score, low, high, xtol=1e-14, rtol=1e-15, maxiter=200)
    return math.exp(float(root))


def fit_mixed(sums: GroupSums, method: str) -> MixedFit | None:
    """The fit, or None when it cannot be estimated (singular X'V⁻¹X, too few rows or
    groups, no residual variance)."""
    p = sums.x_mean.shape[1]
    if len(sums.n) < 2 or sums.rows - p <= 0:
        return None
    values = np.array([_value(sums, math.exp(t), method) for t in GRID])
    if not np.isfinite(values).any():
        return None
    best = int(np.argmax(values))
    low, high = GRID[max(best - 1, 0)], GRID[min(best + 1, len(GRID) - 1)]
    # Values near the largest float (an outcome scaled by 1e300) make the criterion ±∞ or
    # NaN on the way: judged below (a fit that is not finite cannot be estimated), never a
    # warning raised (red team test_non_finite: an HTTP 500 under warnings as errors).
    with np.errstate(all="ignore"):
        found = scipy.optimize.minimize_scalar(
            lambda t: -_value(sums, math.exp(t), method),
            bounds=(low, high),
            method="bounded",
            options={"xatol": 1e-12, "maxiter": 500},
        )
        gamma = _polished(sums, float(found.x), method)
    if _value(sums, 0.0, method) >= _value(sums, gamma, method):
        gamma = 0.0
    at = _at(sums, gamma, method)
    if at is None:
        return None
    rows = sums.rows
    f = rows - p if method == "reml" else rows
    sigma_e = at.rvir / f
    covariance = _covariance(sums, at, gamma, method, f)
    if covariance is None:
        return None
    std_errors = np.sqrt(np.maximum(np.diag(covariance)[:p], 0.0))
    sigma_u = gamma * sigma_e
    return MixedFit(
        method,
        gamma,
        at.beta,
        std_errors,
        sigma_u,
        sigma_e,
        variance_errors(sums.n, sigma_u, sigma_e),
        at.criterion,
        covariance,
    )


def _covariance(sums: GroupSums, at: _At, gamma: float, method: str, f: float) -> np.ndarray | None:
    """The inverse negative Hessian of the profile criterion in (β, γ) (module docstring)."""
    n, d, x = sums.n, at.d, sums.x_mean
    s = n * (sums.y_mean - x @ at.beta)  # each group's residual sum
    p = len(at.beta)
    h_bb = -f * at.m / at.rvir
    h_gb = -f / at.rvir * (x.T @ (n * d * d * s))
    b = float((d * d * s * s).sum())
    big_d = 2.0 * float((n * d**3 * s * s).sum())
    h_gg = 0.5 * float((n * n * d * d).sum()) - 0.5 * f * (big_d / at.rvir - b * b / at.rvir**2)
    if method == "reml":
        a = (x * (n * n * d * d)[:, None]).T @ x
        big_f = 2.0 * (x * (n**3 * d**3)[:, None]).T @ x
        ql = np.linalg.solve(at.m, a)
        h_gg += 0.5 * (float(np.sum(ql.T * ql)) - float(np.trace(np.linalg.solve(at.m, big_f))))
    hessian = np.zeros((p + 1, p + 1))
    hessian[:p, :p] = h_bb
    hessian[:p, p] = hessian[p, :p] = h_gb
    hessian[p, p] = h_gg
    # On the boundary (γ = 0) too, as statsmodels does (its γ there is tiny, not 0); a
    # Hessian that is not invertible there leaves β's errors those of GLS at γ.
    try:
        found = np.asarray(np.linalg.inv(-hessian))
    except np.linalg.LinAlgError:
        found = None
    if found is None or not np.all(np.diag(found)[:p] > 0):
        try:
            found = np.zeros((p + 1, p + 1))
            found[:p, :p] = np.linalg.inv(-h_bb)
        except np.linalg.LinAlgError:
            return None
    return found


def variance_errors(n: np.ndarray, sigma_u: float, sigma_e: float) -> np.ndarray:
    """Standard errors of (σ²_u, σ²_e): the inverse expected information (module
    docstring)."""
    info = expected_information(n, sigma_u, sigma_e)
    try:
        inverse = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(2, np.nan)
    return np.sqrt(np.maximum(np.diag(inverse), 0.0))


def expected_information(n: np.ndarray, sigma_u: float, sigma_e: float) -> np.ndarray:
    tau = sigma_e + n * sigma_u
    uu = 0.5 * float((n * n / tau**2).sum())
    ue = 0.5 * float((n / tau**2).sum())
    ee = 0.5 * float(((n - 1) / sigma_e**2 + 1.0 / tau**2).sum())
    return np.array([[uu, ue], [ue, ee]])


def _scores(
    n: np.ndarray, mean: np.ndarray, within: np.ndarray, sigma_u: float, sigma_e: float
) -> np.ndarray:
    """Per group (n rows, residual mean, within squares) its ML score in (σ²_u, σ²_e), at
    fixed β; an empty group scores 0."""
    tau = sigma_e + n * sigma_u
    su = -0.5 * (n / tau - n * n * mean * mean / tau**2)
    se = -0.5 * ((n - 1) / sigma_e + 1.0 / tau - within / sigma_e**2 - n * mean * mean / tau**2)
    empty = n <= 0
    return np.column_stack([np.where(empty, 0.0, su), np.where(empty, 0.0, se)])


def variance_influence(
    residuals: np.ndarray,
    group: np.ndarray,
    unit: np.ndarray,
    n: np.ndarray,
    sigma_u: float,
    sigma_e: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What one unit moves (σ²_u, σ²_e) by, one Newton step from the estimate: removing
    the unit's rows from its group changes that group's score by δ, and the estimate by
    I⁻¹δ (I the expected information), summed over the groups the unit has rows in; β is
    held at its estimate (its own movement is the coefficients' influence), the step taken
    STEP_MARGIN times. Per component:
    the largest and second largest |I⁻¹δ| over units, and the largest share one unit
    moves its standard error by (half the relative change it makes to the information's
    diagonal, at most 1). `residuals`, `group`, `unit` are per row (y − x'β, the row's
    group, its unit as 0 .. U − 1)."""
    count = len(n)
    total = np.bincount(group, weights=residuals, minlength=count)
    mean = total / n
    within = np.bincount(group, weights=(residuals - mean[group]) ** 2, minlength=count)
    # The unit's rows within each group it has rows in, removed together.
    if len(np.unique(unit)) == len(unit):  # one row per unit: each row its own pair
        pairs, index = np.column_stack([unit, group]), np.arange(len(unit))
    else:
        pairs, index = np.unique(np.column_stack([unit, group]), axis=0, return_inverse=True)
        index = index.reshape(-1)
    k = np.bincount(index, minlength=len(pairs)).astype(np.float64)
    r_sum = np.bincount(index, weights=residuals, minlength=len(pairs))
    r_squares = np.bincount(index, weights=residuals**2, minlength=len(pairs))
    g = pairs[:, 1]
    left = n[g] - k
    left_mean = np.where(left > 0, (total[g] - r_sum) / np.maximum(left, 1.0), 0.0)
    # Σ over the remaining rows of (r − their mean)²: total squares less the unit's, less
    # the remaining rows' left_mean² · left (all about 0).
    squares = within[g] + n[g] * mean[g] ** 2
    left_within = np.maximum(squares - r_squares - left * left_mean**2, 0.0)
    before = _scores(n[g], mean[g], within[g], sigma_u, sigma_e)
    after = _scores(left, left_mean, left_within, sigma_u, sigma_e)
    info = expected_information(n, sigma_u, sigma_e)
    inverse = np.linalg.inv(info)
    moved_pairs = (after - before) @ inverse.T
    units = int(unit.max()) + 1 if len(unit) else 0
    owner = pairs[:, 0]
    moved = np.column_stack(
        [np.abs(np.bincount(owner, weights=moved_pairs[:, j], minlength=units)) for j in range(2)]
    )
    moved = moved * STEP_MARGIN
    largest = moved.max(axis=0) if units else np.zeros(2)
    second = np.sort(moved, axis=0)[-2] if units > 1 else np.zeros(2)
    # The share one unit moves each component's information term by.
    tau_before = sigma_e + n[g] * sigma_u
    tau_after = sigma_e + left * sigma_u
    d_uu = 0.5 * np.abs(n[g] ** 2 / tau_before**2 - left**2 / tau_after**2)
    d_ee = 0.5 * np.abs(
        (n[g] - 1) / sigma_e**2
        + 1.0 / tau_before**2
        - np.where(left > 0, (left - 1) / sigma_e**2 + 1.0 / tau_after**2, 0.0)
    )
    per_unit = np.column_stack(
        [np.bincount(owner, weights=w, minlength=units) for w in (d_uu, d_ee)]
    )
    shares = per_unit.max(axis=0) / np.maximum(np.diag(info), 1e-300) if units else np.zeros(2)
    return largest, second, np.minimum(1.0, 0.5 * shares)


def transformed(sums: GroupSums, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """θ_g = 1 − √d_g per group and the transform's group means: x̃ = x − θ_g x̄_g and
    ỹ = y − θ_g ȳ_g make GLS the OLS of the transformed rows (X̃'X̃ = X'V⁻¹X)."""
    theta = 1.0 - np.sqrt(1.0 / (1.0 + sums.n * gamma))
    return theta, sums.x_mean * theta[:, None]
