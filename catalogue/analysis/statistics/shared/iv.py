"""Instrumental-variables estimators from sufficient statistics: two-stage least squares,
LIML and two-step efficient GMM, with classical, robust or cluster-robust covariances
(statistics/ivregress.py releases them).

The model's complete cases are grouped into patterns of all their regressor and instrument
values (DuckDB's grouped output); D holds per pattern the columns [exogenous, endogenous,
instruments, _cons], n its rows, Σy, ȳ and m2 = Σ(y − ȳ)² its outcome. M = D'diag(n)D,
D'Σy and y'y = Σ(m2 + nȳ²) hold every cross product the three estimators need. With
X = [exogenous, endogenous, _cons], Z = [exogenous, instruments, _cons], X₁ the exogenous
columns with _cons, Π = (Z'Z)⁻¹Z'X and X̂ = ZΠ:

- 2SLS: β = (X̂'X)⁻¹X̂'y.
- LIML: κ the least root of det(W'M_{X₁}W − κ W'M_Z W) = 0, W = [y, endogenous];
  β = V⁻¹((1 − κ)X'y + κX̂'y), V = (1 − κ)X'X + κX̂'X (κ = 1 when exactly identified:
  2SLS).
- GMM, two steps: the first 2SLS, its residuals e₁ give S₁ = Σ e₁²zz' (robust) or
  Σ_g u_g u_g' (clustered, u_g the cluster's Σze₁), W = S₁⁻¹ and
  β = (X'ZWZ'X)⁻¹X'ZWZ'y.

Per pattern a residual's Σe = Σy − n·x'β and Σe² = m2 + n(ȳ − x'β)², so the covariances
are sums over patterns too:

- classical: σ²V⁻¹, σ² = Σe²/N (V = X̂'X for 2SLS);
- robust: V⁻¹(Σ x̂x̂'e²)V⁻¹ for 2SLS and LIML, G⁻¹X'ZW(Σ zz'e²)WZ'XG⁻¹ for GMM
  (G = X'ZWZ'X), with no small-sample factor;
- clustered: the same with the meat Σ_g u_g u_g' (u_g the cluster's Σx̂e or Σze, read
  from the complete cases grouped by cluster and pattern, shared/ols.cluster_meat) and the
  factor G/(G − 1)·(N − 1)/(N − k) of every clustered model here.

These are linearmodels' IV2SLS, IVLIML and IVGMM (weight "robust" or "clustered", two
steps), cov_type "unadjusted" and "robust" with debiased=False and "clustered" with
debiased=True (tests/test_models_iv.py: 1e-6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg

ESTIMATORS = ("2sls", "liml", "gmm")

# Σ_g u_g u_g' over the columns of D for a coefficient vector over D's columns (a residual
# y − d'b, or, with `first`, the first-stage residual d'b itself), and the number of clusters.
Meat = Callable[[np.ndarray, bool], tuple[np.ndarray, int]]


@dataclass(frozen=True)
class Layout:
    """Where each block of columns is in D."""

    x: list[int]  # exogenous, endogenous, _cons
    z: list[int]  # exogenous, instruments, _cons
    exogenous: list[int]  # exogenous with _cons (X₁)
    endogenous: list[int]
    instruments: list[int]
    columns: int


@dataclass(frozen=True)
class Cross:
    m: np.ndarray  # D'diag(n)D
    dy: np.ndarray  # D'Σy
    yy: float  # y'y
    rows: int


@dataclass(frozen=True)
class IvFit:
    """An estimator's coefficients over X, its first-stage Π (X̂ = ZΠ), its covariance
    (None: fewer than two clusters), κ (1 for 2SLS), and for GMM its weight W = S₁⁻¹ over
    Z and the first step's β."""

    beta: np.ndarray
    pi: np.ndarray
    covariance: np.ndarray | None
    kappa: float
    weight: np.ndarray | None = None
    first: np.ndarray | None = None


def cross_of(
    m: np.ndarray, dy: np.ndarray, y_m2: np.ndarray, n: np.ndarray, y_sum: np.ndarray
) -> Cross:
    safe = np.where(n > 0, n, 1.0)
    yy = float(y_m2.sum() + (y_sum * y_sum / safe).sum())
    return Cross(m, dy, yy, int(n.sum()))


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(scipy.linalg.solve(a, b, assume_a="sym"))


def fit(
    estimator: str,
    cross: Cross,
    at: Layout,
    design: np.ndarray,
    n: np.ndarray,
    y_mean: np.ndarray,
    y_m2: np.ndarray,
    covariance: str,
    meat: Meat | None,
) -> IvFit | None:
    """The estimate, or None if a cross product is singular."""
    m, dy = cross.m, cross.dy
    zz, zx, zy = m[np.ix_(at.z, at.z)], m[np.ix_(at.z, at.x)], dy[at.z]
    xx, xy = m[np.ix_(at.x, at.x)], dy[at.x]
    try:
        if np.linalg.cond(zz) > 1e12:
            return None
        pi = _solve(zz, zx)
        projected = zx.T @ pi  # X'Z(Z'Z)⁻¹Z'X = X̂'X̂ = X̂'X
        kappa = 1.0
        weight = first = None
        if estimator == "liml":
            kappa = _kappa(cross, at)
        if estimator == "gmm":
            first = _solve(projected, pi.T @ zy)
            s1 = _moment_cov(at, design, n, y_mean, y_m2, first, covariance, meat)
            if s1 is None or _singular(s1):
                return None  # e.g. fewer clusters than moment conditions: no weight
            weight = np.linalg.inv(s1)
            bread_inverse = zx.T @ weight @ zx
            beta = _solve(bread_inverse, zx.T @ weight @ zy)
        else:
            bread_inverse = (1.0 - kappa) * xx + kappa * projected
            beta = _solve(bread_inverse, (1.0 - kappa) * xy + kappa * (pi.T @ zy))
        bread = np.linalg.inv(bread_inverse)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return None
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(bread))):
        return None
    squared = residual_squares(design, at, n, y_mean, y_m2, beta)
    variance: np.ndarray | None
    if covariance == "classical":
        variance = float(squared.sum()) / cross.rows * bread
    elif estimator == "gmm":
        assert weight is not None
        s2 = _moment_cov(at, design, n, y_mean, y_m2, beta, covariance, meat, small=True)
        lifted = zx.T @ weight
        variance = None if s2 is None else bread @ lifted @ s2 @ lifted.T @ bread
    else:
        fitted = design[:, at.z] @ pi
        if covariance == "robust":
            centre = (fitted * squared[:, None]).T @ fitted
        else:
            assert meat is not None
            found, clusters = meat(_padded(at, beta), False)
            if clusters < 2:
                return IvFit(beta, pi, None, kappa, weight, first)
            centre = (
                pi.T @ found[np.ix_(at.z, at.z)] @ pi * _factor(clusters, cross.rows, len(at.x))
            )
        variance = bread @ centre @ bread
    return IvFit(beta, pi, variance, kappa, weight, first)


def residual_squares(
    design: np.ndarray,
    at: Layout,
    n: np.ndarray,
    y_mean: np.ndarray,
    y_m2: np.ndarray,
    beta: np.ndarray,
) -> np.ndarray:
    """Per pattern Σ(y − x'β)² over its rows."""
    return y_m2 + n * (y_mean - design[:, at.x] @ beta) ** 2


def _padded(at: Layout, beta: np.ndarray) -> np.ndarray:
    """β over D's columns (0 for the instruments)."""
    full = np.zeros(at.columns)
    full[at.x] = beta
    return full


def _factor(clusters: int, rows: int, k: int) -> float:
    return clusters / (clusters - 1) * (rows - 1) / max(rows - k, 1)


def _moment_cov(
    at: Layout,
    design: np.ndarray,
    n: np.ndarray,
    y_mean: np.ndarray,
    y_m2: np.ndarray,
    beta: np.ndarray,
    covariance: str,
    meat: Meat | None,
    *,
    small: bool = False,
) -> np.ndarray | None:
    """Σ zz'e² (robust) or Σ_g u_g u_g' (clustered; `small`: with the clustered factor) at
    β; None with fewer than two clusters."""
    if covariance != "cluster":
        z = design[:, at.z]
        squared = residual_squares(design, at, n, y_mean, y_m2, beta)
        return np.asarray((z * squared[:, None]).T @ z)
    assert meat is not None
    found, clusters = meat(_padded(at, beta), False)
    if clusters < 2:
        return None
    factor = _factor(clusters, int(n.sum()), len(at.x)) if small else 1.0
    return np.asarray(found[np.ix_(at.z, at.z)]) * factor


def _singular(s: np.ndarray) -> bool:
    """Whether a moment covariance is singular, judged on its correlation form (the
    instruments' units do not matter)."""
    scale = np.sqrt(np.diag(s))
    if not np.all(scale > 0):
        return True
    return bool(np.linalg.cond(s / np.outer(scale, scale)) > 1e12)


def _kappa(cross: Cross, at: Layout) -> float:
    """LIML's κ: the least generalised eigenvalue of W'M_{X₁}W against W'M_Z W."""
    m, dy = cross.m, cross.dy
    endogenous = at.endogenous
    size = 1 + len(endogenous)
    ww = np.zeros((size, size))
    ww[0, 0] = cross.yy
    ww[0, 1:] = ww[1:, 0] = dy[endogenous]
    ww[1:, 1:] = m[np.ix_(endogenous, endogenous)]

    def annihilated(columns: list[int]) -> np.ndarray:
        if not columns:
            return ww
        cc = m[np.ix_(columns, columns)]
        cw = np.column_stack([dy[columns], m[np.ix_(columns, endogenous)]])
        return np.asarray(ww - cw.T @ _solve(cc, cw))

    outside_z = annihilated(at.z)
    outside_x1 = annihilated(at.exogenous)
    roots = scipy.linalg.eigh(outside_x1, outside_z, eigvals_only=True)
    return float(np.min(roots))
