"""A model's fit statistics and its coefficients' tests, in one place.

Two halves, kept apart on purpose:

- per-unit contributions (`ols_contributions`, `likelihood_contributions`,
  `LikelihoodTerms`): the engine computes, for each unit of a model, its share of the
  totals the fit statistics come from (squared residual and squared deviation for OLS;
  log-likelihood under the model and under the null model for a GLM, evaluated by output
  control at the published coefficients and a released outcome mean, so that each unit's
  term hangs on its own data alone). Output control perturbs each total, as any other
  magnitude, before anything is computed from it;
- statistics (`ols_statistics`, `likelihood_statistics`, `coefficient_tests`): pure
  functions of numbers that have already been released or perturbed (the perturbed N, the
  perturbed totals, the published coefficients and standard errors). They add no
  information of their own, so they need no protection of their own.

Conventions are statsmodels' (and Stata's): R² against the centred total sum of squares with
a constant and the uncentred one without; F = (R²/k)/((1 − R²)/(N − p)) on k = p − 1 (p
without a constant) and N − p degrees of freedom; McFadden's pseudo-R² 1 − ℓ/ℓ₀ with ℓ₀
the log-likelihood of the model with a constant alone; LR χ² = 2(ℓ − ℓ₀) on k degrees of
freedom; t tests on N − p degrees of freedom for OLS and z tests for logit and Poisson,
95 % confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special
import scipy.stats

LEVEL = 0.95  # of the confidence intervals


def per_unit(units: np.ndarray, contributions: np.ndarray) -> np.ndarray:
    """Contributions summed per unit (a unit with several rows contributes once, with all
    its rows): the magnitude noise is scaled by what one unit can change."""
    units = np.asarray(units, dtype=np.int64)
    if len(units) == 0:
        return np.zeros(0)
    _, inverse = np.unique(units, return_inverse=True)
    return np.bincount(inverse, weights=contributions)


def ols_contributions(
    y: np.ndarray, fitted: np.ndarray, constant: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per row its squared residual and its squared deviation from the mean (from 0
    without a constant): the parts of RSS and TSS."""
    y = np.asarray(y, dtype=np.float64)
    centre = float(y.mean()) if constant and len(y) else 0.0
    return (y - fitted) ** 2, (y - centre) ** 2


def likelihood_contributions(
    family: str, y: np.ndarray, mean: np.ndarray, alphas: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row its log-likelihood under the fitted mean and under the null model (the
    constant alone, whose fitted mean is the outcome's mean). `alphas`: a negative
    binomial's overdispersion under the model and under the null model (each its own
    maximum, as statsmodels' llnull fits the constant alone)."""
    y = np.asarray(y, dtype=np.float64)
    null = np.full(len(y), float(y.mean()) if len(y) else 0.0)
    if family in ("logit", "probit"):
        return _bernoulli(y, mean), _bernoulli(y, null)
    if family == "negbin":
        assert alphas is not None
        return negative_binomial(y, mean, alphas[0]), negative_binomial(y, null, alphas[1])
    return _poisson(y, mean), _poisson(y, null)


# A negative binomial's overdispersion where its moments show none (or less than none):
# the model is then Poisson's, within floats.
SMALLEST_ALPHA = 1e-8


@dataclass(frozen=True, eq=False)
class LikelihoodTerms:
    """What a GLM's log-likelihoods are evaluated from when output control releases them,
    at the coefficients it publishes (already noised) and at a perturbed mean of the
    outcome, never at the fit's own (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`, totals
    that are not sums). Why: at the fit, one unit's outcome moves the coefficients and with
    them every other unit's term, so capping each unit's own term left the others' shift
    showing (red team test_spreads_and_reach: a target far out at x = 12 beside 100 known
    people, its diagnosis read 8 of 8, a likelihood ratio of 32-46 a reading against a
    count's 0.17). At published values each unit's term hangs on its own data alone.

    A negative binomial's overdispersion α is not published, and its maximum moves with
    one unit as β's does (an outlying count raises it for everyone): it is taken at the
    moment estimate α = Σ((y − μ)² − μ) / Σ μ² of the model at the published coefficients
    (and of the null model at its mean), whose two totals are sums of each unit's own terms
    and are released capped as the log-likelihoods are (`moments`).

    Per row its outcome and pattern (`linear(β)`: per pattern x'β), and its unit (None:
    each row a unit of its own)."""

    family: str
    y: np.ndarray
    pattern: np.ndarray
    units: np.ndarray | None
    linear: Callable[[np.ndarray], np.ndarray]

    def _means(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row x'β at `beta`, and the mean of a log link (exp, kept finite)."""
        eta = np.asarray(self.linear(np.asarray(beta, dtype=np.float64)), np.float64)[self.pattern]
        return eta, np.exp(np.minimum(eta, 700.0))

    def moments(
        self, beta: np.ndarray, null_mean: float
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Per unit its terms of a negative binomial's moment estimate of α, (y − μ)² − μ
        and μ², under the model at `beta` and under the null model at `null_mean`."""
        _, mu = self._means(beta)
        null = np.full(len(self.y), float(null_mean))
        return (
            (self._per_unit((self.y - mu) ** 2 - mu), self._per_unit(mu**2)),
            (self._per_unit((self.y - null) ** 2 - null), self._per_unit(null**2)),
        )

    def at(
        self, beta: np.ndarray, null_mean: float, alphas: tuple[float, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per unit its log-likelihood terms under the model at `beta` and under the null
        model whose mean is `null_mean` (`alphas`: a negative binomial's α of each). The
        model's from x'β directly, so that a published coefficient putting a mean at 0 or 1
        in floats gives its (large, finite) term."""
        eta, mu = self._means(beta)
        y = self.y
        null = np.full(len(y), float(null_mean))
        if self.family == "logit":
            model = -(y * np.logaddexp(0.0, -eta) + (1.0 - y) * np.logaddexp(0.0, eta))
            both = model, _bernoulli(y, null)
        elif self.family == "probit":
            model = y * scipy.special.log_ndtr(eta) + (1.0 - y) * scipy.special.log_ndtr(-eta)
            both = model, _bernoulli(y, null)
        elif self.family == "negbin":
            assert alphas is not None
            both = negative_binomial(y, mu, alphas[0]), negative_binomial(y, null, alphas[1])
        else:
            eta = np.minimum(eta, 700.0)
            both = y * eta - mu - scipy.special.gammaln(y + 1.0), _poisson(y, null)
        return self._per_unit(both[0]), self._per_unit(both[1])

    def outcome(self) -> tuple[np.ndarray, np.ndarray]:
        """Per unit its outcomes' sum and its number of rows: the null model's mean is
        their two totals' ratio, each perturbed."""
        return self._per_unit(self.y), self._per_unit(np.ones(len(self.y)))

    def null_mean(self, outcome: float, rows: float) -> float:
        """The null model's mean from the two perturbed totals, kept inside the family's
        range (half a row from its ends)."""
        rows = max(rows, 1.0)
        found = outcome / rows if math.isfinite(outcome) else 0.0
        if self.family in ("logit", "probit"):
            return min(max(found, 0.5 / rows), 1.0 - 0.5 / rows)
        return max(found, 0.5 / rows)

    def _per_unit(self, values: np.ndarray) -> np.ndarray:
        values = np.nan_to_num(np.asarray(values, dtype=np.float64), neginf=-1e300, posinf=1e300)
        return values if self.units is None else per_unit(self.units, values)


def moment_alpha(excess: float, squares: float) -> float:
    """A negative binomial's α from the two (perturbed) totals Σ((y − μ)² − μ) and Σ μ²; at
    least SMALLEST_ALPHA (no overdispersion shown: Poisson's)."""
    if not (math.isfinite(excess) and math.isfinite(squares)) or squares <= 0:
        return SMALLEST_ALPHA
    return max(excess / squares, SMALLEST_ALPHA)


def negative_binomial(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """NB2's log-likelihood of each outcome: variance μ + αμ²."""
    a = 1.0 / alpha
    return np.asarray(
        scipy.special.gammaln(y + a)
        - scipy.special.gammaln(a)
        - scipy.special.gammaln(y + 1.0)
        - a * np.log1p(alpha * mu)
        + scipy.special.xlogy(y, alpha * mu)
        - scipy.special.xlogy(y, 1.0 + alpha * mu)
    )


def _bernoulli(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    return np.asarray(scipy.special.xlogy(y, mu) + scipy.special.xlog1py(1.0 - y, -mu))


def _poisson(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    return np.asarray(scipy.special.xlogy(y, mu) - mu - scipy.special.gammaln(y + 1.0))


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def ols_statistics(
    n: int, parameters: int, constant: bool, rss: float, tss: float
) -> dict[str, Any]:
    """R², adjusted R², F and its p-value from N, the number of parameters and the two sums
    of squares (all as released or perturbed)."""
    k = parameters - 1 if constant else parameters
    dof = n - parameters
    if tss <= 0 or dof <= 0 or k <= 0:
        return {
            "r2": None,
            "r2_adjusted": None,
            "f": None,
            "f_df1": None,
            "f_df2": None,
            "f_p": None,
        }
    r2 = min(1.0, max(0.0, 1.0 - rss / tss))
    adjusted = 1.0 - (1.0 - r2) * ((n - 1) if constant else n) / dof
    f = (r2 / k) / ((1.0 - r2) / dof) if r2 < 1.0 else math.inf
    return {
        "r2": r2,
        "r2_adjusted": adjusted,
        "f": _finite(f),
        "f_df1": k,
        "f_df2": dof,
        "f_p": float(scipy.stats.f.sf(f, k, dof)) if math.isfinite(f) else 0.0,
    }


def likelihood_statistics(
    parameters: int, constant: bool, log_likelihood: float, null_log_likelihood: float
) -> dict[str, Any]:
    """Log-likelihoods, McFadden's pseudo-R² and the likelihood-ratio χ² with its p-value,
    from the (perturbed) log-likelihoods of the model and of the null model."""
    k = parameters - 1 if constant else parameters
    chi2 = max(0.0, 2.0 * (log_likelihood - null_log_likelihood))
    pseudo = 1.0 - log_likelihood / null_log_likelihood if null_log_likelihood < 0 else None
    return {
        "log_likelihood": log_likelihood,
        "log_likelihood_null": null_log_likelihood,
        "pseudo_r2": None if pseudo is None else min(1.0, max(0.0, pseudo)),
        "lr_chi2": chi2 if k > 0 else None,
        "lr_df": k if k > 0 else None,
        "lr_p": float(scipy.stats.chi2.sf(chi2, k)) if k > 0 else None,
    }


def coefficient_tests(
    coefficient: float, std_error: float, dof: int | None
) -> tuple[float | None, float | None, float | None, float | None]:
    """(t or z, its two-sided p-value, the confidence interval's bounds) of one published
    coefficient and standard error: t on `dof` degrees of freedom, z when `dof` is None."""
    if not std_error > 0 or not math.isfinite(std_error) or (dof is not None and dof <= 0):
        return None, None, None, None
    statistic = coefficient / std_error
    law = scipy.stats.norm if dof is None else scipy.stats.t(dof)
    p = float(2.0 * law.sf(abs(statistic)))
    critical = float(law.ppf(0.5 + LEVEL / 2.0))
    return statistic, p, coefficient - critical * std_error, coefficient + critical * std_error
