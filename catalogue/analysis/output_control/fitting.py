"""A small OLS fit for the controller's callers that have a design matrix in memory (and
for tests). The workspace engine may fit from sufficient statistics instead and build the
RegressionFit itself; the controller only ever sees the fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from catalogue.domain.errors import unprocessable

from .inputs import RegressionFit, Term, indicator_supports


def fit_ols(
    outcome: str,
    units: np.ndarray,
    design: np.ndarray,
    y: np.ndarray,
    terms: Sequence[Term],
) -> RegressionFit:
    """Least squares by QR; standard errors from σ²(XᵀX)⁻¹ with σ² = RSS / (n − p)."""
    x = np.asarray(design, dtype=np.float64)
    target = np.asarray(y, dtype=np.float64)
    n, p = x.shape
    if p != len(terms) or len(target) != n:
        raise ValueError("the design needs one column per term and one row per unit")
    q, r = np.linalg.qr(x)
    if n <= p or np.linalg.matrix_rank(r) < p:
        raise unprocessable(
            "regression-singular",
            "Modellen kan ikke estimeres: forklaringsvariablene er lineært avhengige.",
            "The model cannot be estimated: the explanatory variables are linearly dependent.",
        )
    coefficients = np.linalg.solve(r, q.T @ target)
    residual = target - x @ coefficients
    sigma2 = float(residual @ residual) / (n - p)
    r_inverse = np.linalg.inv(r)
    std_errors = np.sqrt(sigma2 * np.sum(r_inverse**2, axis=1))
    binary = bool(np.all((target == 0) | (target == 1)))
    return RegressionFit(
        outcome=outcome,
        family="ols",
        terms=tuple(terms),
        coefficients=coefficients,
        std_errors=std_errors,
        units=units,
        indicator_supports=indicator_supports(terms, x, target if binary else None),
    )
