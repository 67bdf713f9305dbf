"""A small OLS fit for the controller's callers that have a design matrix in memory (and
for tests). The workspace engine fits from sufficient statistics instead and builds the
RegressionFit itself; the controller only ever sees the fit, with its evidence."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .cell_key import KeySource
from .inputs import RegressionFit
from .model_support import Term, model_evidence, term_groupings


def fit_ols(
    outcome: str,
    units: np.ndarray,
    design: np.ndarray,
    y: np.ndarray,
    terms: Sequence[Term],
    keys: KeySource,
) -> RegressionFit:
    """Least squares by QR; standard errors from σ²(XᵀX)⁻¹ with σ² = RSS / (n − p). Each
    row is a pattern of its own. A design that cannot be estimated gives a fit that is
    withheld (not a refusal: whether it can be estimated may hang on one unit)."""
    x = np.asarray(design, dtype=np.float64)
    target = np.asarray(y, dtype=np.float64)
    n, p = x.shape
    if p != len(terms) or len(target) != n:
        raise ValueError("the design needs one column per term and one row per unit")
    q, r = np.linalg.qr(x)
    estimable = n > p and np.linalg.matrix_rank(r) == p
    coefficients = np.full(p, np.nan)
    std_errors = np.full(p, np.nan)
    if estimable:
        coefficients = np.linalg.solve(r, q.T @ target)
        residual = target - x @ coefficients
        sigma2 = float(residual @ residual) / (n - p)
        std_errors = np.sqrt(sigma2 * np.sum(np.linalg.inv(r) ** 2, axis=1))
    binary = bool(np.all((target == 0) | (target == 1)))
    evidence = model_evidence(
        keys,
        units,
        target,
        np.arange(n),
        x,
        terms,
        term_groupings(terms, x),
        fitted=x @ coefficients if estimable else None,
        binary_outcome=binary,
        estimable=bool(estimable),
    )
    return RegressionFit(
        outcome=outcome,
        family="ols",
        terms=tuple(terms),
        coefficients=coefficients,
        std_errors=std_errors,
        evidence=evidence,
        terms_asked=len(terms),
        covariance="classical",
    )
