"""The tests an instrumental-variables model releases in its summary, as totals for output
control to perturb (output_control/fit_tests.py computes each value from the perturbed
totals and the perturbed N; here only the totals and their largest per-unit contributions).

With Z̃ the excluded instruments partialled on the exogenous regressors X₁ (Frisch–Waugh:
what the instruments add), x̃ an endogenous regressor partialled likewise, e_f its
first-stage residual (on all of Z), e the model's residual:

- first-stage F of an endogenous regressor (the excluded instruments' joint test in its
  first stage, Wald/q): classical s'A⁻¹s/q/(Σe_f²/(N − k_Z)), s = Z̃'x̃, A = Z̃'Z̃ (the
  textbook F: statsmodels' f_test, linearmodels with debiased=True); robust s'A⁻¹s/q,
  A = Σ e_f² z̃z̃' (HC0: linearmodels' f.stat / q); clustered A = Σ_g u_g u_g' · G/(G − 1)
  · (N − 1)/(N − k_Z), u_g the cluster's Σz̃e_f;
- Sargan (2SLS, LIML): N·s'A⁻¹s/Σe², s = Z̃'e, A = Z̃'Z̃ (X₁'e = 0 for both estimators, so
  e'P_Z e = e'P_Z̃ e: linearmodels' `sargan`);
- Hansen's J (GMM): g'S₁⁻¹g, g = Z'e, S₁ the first step's moment covariance; at the
  estimate X'ZS₁⁻¹g = 0, so with C a basis of the null space of X'Z the same value is
  s'A⁻¹s, s = C'g, A = C'S₁C (linearmodels' `j_stat`).

Each is over the q excluded instruments (or q − p overidentifying directions), never the
exogenous columns, so a model with many levels in its `i.` terms has few totals.

A total's largest per-unit contributions: of a sum Σ aᵢ its |aᵢ| (per unit, summed over a
unit's rows); of a clustered Σ_g u_g u_g' what removing the unit changes, u_g w' + w u_g'
− w w' (w the unit's own share of u_g)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ...output_control.cell_key import all_distinct
from ...output_control.fit_tests import FitTest
from ...output_control.rules.magnitude_noise import largest_of
from .iv import IvFit, Layout, Meat

# The weak-instrument threshold: a first-stage F under it is flagged in the result (the
# rule of thumb of Staiger and Stock 1997, near Stock and Yogo's 10 % maximal bias bound
# for one endogenous regressor).
WEAK_F = 10.0


@dataclass(frozen=True)
class Rows:
    """The model's rows: per row its pattern, its unit's key position and its cluster."""

    pattern: np.ndarray
    units: np.ndarray
    clusters: np.ndarray | None  # per row a cluster id (0 … G − 1); None: the unit


class _Largest:
    """The largest per-unit contributions to a total from per-row or per-pattern ones."""

    def __init__(self, rows: Rows, n: np.ndarray, top: int) -> None:
        self.rows, self.n, self.top = rows, n, top
        self.distinct = all_distinct(rows.units)
        self.unit_of_row = None if self.distinct else np.unique(rows.units, return_inverse=True)[1]

    def of_rows(self, values: np.ndarray) -> np.ndarray:
        if self.unit_of_row is not None:
            values = np.bincount(self.unit_of_row, weights=values)
        return largest_of(values, self.top)

    def of_patterns(self, values: np.ndarray) -> np.ndarray:
        if not self.distinct:
            return self.of_rows(values[self.rows.pattern])
        magnitudes = np.abs(values)
        found: list[float] = []
        for p in np.argsort(-magnitudes, kind="stable"):
            found += [float(magnitudes[p])] * int(min(self.n[p], self.top - len(found)))
            if len(found) >= self.top:
                break
        return np.array(found + [0.0] * (self.top - len(found)))


def _vector(largest: _Largest, per_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ over rows of each column, and each column's largest contributions (top × t)."""
    totals = per_row.sum(axis=0)
    tops = np.column_stack([largest.of_rows(per_row[:, j]) for j in range(per_row.shape[1])])
    return totals, tops


def _vector_of_patterns(
    largest: _Largest, per_pattern: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    totals = (per_pattern * largest.n[:, None]).sum(axis=0)
    tops = np.column_stack(
        [largest.of_patterns(per_pattern[:, j]) for j in range(per_pattern.shape[1])]
    )
    return totals, tops


def _matrix_of_patterns(
    largest: _Largest, a: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Σ_p n_p w_p a_p a_p' and each entry's largest contributions (w_p a_pj a_pk)."""
    t = a.shape[1]
    total = (a * (largest.n * weight)[:, None]).T @ a
    tops = np.zeros((largest.top, t, t))
    for j in range(t):
        for k in range(j, t):
            tops[:, j, k] = tops[:, k, j] = largest.of_patterns(weight * a[:, j] * a[:, k])
    return total, tops


def _matrix_of_rows(largest: _Largest, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ w w' over rows (w per row) and each entry's largest contributions."""
    t = w.shape[1]
    total = w.T @ w
    tops = np.zeros((largest.top, t, t))
    for j in range(t):
        for k in range(j, t):
            tops[:, j, k] = tops[:, k, j] = largest.of_rows(w[:, j] * w[:, k])
    return total, tops


def _clustered(largest: _Largest, w: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Per entry of Σ_g u_g u_g' (u_g = Σ w over the cluster's rows) the largest changes
    one unit makes: u_g w' + w u_g' − w w' summed over its rows."""
    t = w.shape[1]
    count = int(clusters.max()) + 1 if len(clusters) else 0
    u = np.column_stack([np.bincount(clusters, weights=w[:, j], minlength=count) for j in range(t)])
    mine = u[clusters]
    tops = np.zeros((largest.top, t, t))
    for j in range(t):
        for k in range(j, t):
            change = mine[:, j] * w[:, k] + w[:, j] * mine[:, k] - w[:, j] * w[:, k]
            tops[:, j, k] = tops[:, k, j] = largest.of_rows(change)
    return tops


def _factor(clusters: int, rows: int, k: int) -> float:
    return clusters / (clusters - 1) * (rows - 1) / max(rows - k, 1)


def iv_tests(
    *,
    design: np.ndarray,
    n: np.ndarray,
    m: np.ndarray,
    at: Layout,
    found: IvFit,
    residuals: np.ndarray,
    rows: Rows,
    estimator: str,
    covariance: str,
    meat: Meat | None,
    names: Sequence[str],
    top: int,
) -> tuple[FitTest, ...]:
    """The first-stage F of each endogenous regressor (classical always, and of the model's
    kind of standard errors when robust or clustered; the weak-instrument flag on the one of
    the model's kind) and the test of overidentification when there is one."""
    largest = _Largest(rows, n, top)
    x1, instruments = at.exogenous, at.instruments
    q = len(instruments)
    total_rows = int(n.sum())
    try:
        gamma = (
            scipy.linalg.solve(m[np.ix_(x1, x1)], m[np.ix_(x1, instruments)], assume_a="sym")
            if x1
            else np.zeros((0, q))
        )
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return ()
    partial = design[:, instruments] - design[:, x1] @ gamma  # Z̃ per pattern
    z_at = at.z
    tests: list[FitTest] = []
    zz_total, zz_top = _matrix_of_patterns(largest, partial, np.ones(len(n)))
    for name, column in zip(names, at.endogenous, strict=True):
        try:
            first = scipy.linalg.solve(m[np.ix_(z_at, z_at)], m[z_at, column], assume_a="sym")
            own = (
                scipy.linalg.solve(m[np.ix_(x1, x1)], m[x1, column], assume_a="sym")
                if x1
                else np.zeros(0)
            )
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            continue
        residual = design[:, column] - design[:, z_at] @ first  # e_f per pattern
        regressor = design[:, column] - design[:, x1] @ own  # x̃ per pattern
        s, s_top = _vector_of_patterns(largest, partial * regressor[:, None])
        rss, rss_top = _vector_of_patterns(largest, (residual**2)[:, None])
        tests.append(
            FitTest(
                "first_stage_f",
                name,
                s,
                s_top,
                zz_total,
                zz_top,
                "f",
                q,
                divisor=q,
                offset=len(z_at),
                ratio=float(rss[0]),
                ratio_largest=rss_top[:, 0],
                weak_below=WEAK_F if covariance == "classical" else None,
            )
        )
        if covariance == "robust":
            a, a_top = _matrix_of_patterns(largest, partial, residual**2)
        elif covariance == "cluster":
            assert meat is not None and rows.clusters is not None
            coefficients = np.zeros(at.columns)
            coefficients[column] = 1.0
            coefficients[z_at] -= first
            u, clusters = meat(coefficients, True)
            if clusters < 2:
                continue
            lift = np.zeros((at.columns, q))
            lift[instruments, :] = np.eye(q)
            lift[x1, :] -= gamma
            factor = _factor(clusters, total_rows, len(z_at))
            a = lift.T @ u @ lift * factor
            w = (partial * residual[:, None])[rows.pattern]
            a_top = _clustered(largest, w, rows.clusters) * factor
        else:
            continue
        tests.append(
            FitTest(
                f"first_stage_f_{covariance}",
                name,
                s,
                s_top,
                a,
                a_top,
                "chi2",
                q,
                divisor=q,
                weak_below=WEAK_F,
            )
        )
    over = q - len(at.endogenous)
    if over > 0:
        overid = _overidentification(
            design, n, m, at, found, residuals, rows, estimator, covariance, partial, largest
        )
        if overid is not None:
            tests.append(overid)
    return tuple(tests)


def _overidentification(
    design: np.ndarray,
    n: np.ndarray,
    m: np.ndarray,
    at: Layout,
    found: IvFit,
    residuals: np.ndarray,
    rows: Rows,
    estimator: str,
    covariance: str,
    partial: np.ndarray,
    largest: _Largest,
) -> FitTest | None:
    over = len(at.instruments) - len(at.endogenous)
    if estimator != "gmm":
        s, s_top = _vector(largest, partial[rows.pattern] * residuals[:, None])
        a, a_top = _matrix_of_patterns(largest, partial, np.ones(len(n)))
        ee, ee_top = _vector(largest, (residuals**2)[:, None])
        return FitTest(
            "sargan",
            "",
            s,
            s_top,
            a,
            a_top,
            "chi2",
            over,
            offset=0,
            ratio=float(ee[0]),
            ratio_largest=ee_top[:, 0],
        )
    # Hansen's J over a basis C of the null space of X'Z (scaled columns of Z).
    z = design[:, at.z]
    scale = np.sqrt(np.maximum(np.diag(m[np.ix_(at.z, at.z)]), 1e-300))
    b = m[np.ix_(at.z, at.x)] / scale[:, None]
    basis = scipy.linalg.null_space(b.T)
    if basis.shape[1] != over:
        return None
    c = (z / scale[None, :]) @ basis  # C'z per pattern
    s, s_top = _vector(largest, c[rows.pattern] * residuals[:, None])
    assert found.first is not None
    first_residuals = residuals + (design[:, at.x] @ (found.beta - found.first))[rows.pattern]
    w = c[rows.pattern] * first_residuals[:, None]
    assert found.weight is not None
    lift = basis / scale[:, None]  # C over Z's columns
    a = lift.T @ np.linalg.inv(found.weight) @ lift  # C'S₁C, S₁ as the estimate used it
    if covariance == "cluster":
        assert rows.clusters is not None
        a_top = _clustered(largest, w, rows.clusters)
    else:
        _, a_top = _matrix_of_rows(largest, w)
    return FitTest("hansen_j", "", s, s_top, a, a_top, "chi2", over)
