"""OLS by the normal equations on sufficient statistics: X'X and X'y summed over patterns of
regressor values in DuckDB's grouped output, solved by Cholesky on the equilibrated matrix.

Standard errors:
- classical: σ²(X'X)⁻¹ with σ² = RSS / (N − p);
- robust (HC1): (X'X)⁻¹ (Σ e² x x') (X'X)⁻¹ · N / (N − p), the meat summed per pattern as
  Σ_g x_g x_g' (m2_g + n_g (ȳ_g − ŷ_g)²);
- clustered: (X'X)⁻¹ (Σ_c u_c u_c') (X'X)⁻¹ · G/(G − 1) · (N − 1)/(N − p), with u_c the
  cluster's sum of e·x, read from the complete cases grouped by cluster and pattern.
These are the conventions of Stata and statsmodels (a test checks agreement to 1e-6)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from ... import db
from ...model_fit import (
    LikelihoodTerms,
    likelihood_contributions,
    ols_contributions,
    per_unit,
)
from ...output_control import (
    ControlContext,
    FitSums,
    RegressionFit,
    control_regression,
    correlation_matrix,
)
from ...output_control.fingerprint import SetFingerprint
from ...output_control.influence import capped_by
from ...output_control.model_support import Influence, derived_evidence
from ...output_control.rules.magnitude_noise import MagnitudeNoise, largest_of
from ...variables import UNIT_COLUMN, Variable
from .common import DataView, Labelled, col
from .design import Patterns, encode_factors, estimable, grouped_sql, solve
from .model_rows import ModelRows, evidence_of


@dataclass(frozen=True)
class Estimate:
    """A model's estimates at full precision (before output control rounds them)."""

    names: tuple[str, ...]
    coefficients: np.ndarray
    std_errors: np.ndarray
    observations: int
    estimable: bool = True  # False: withheld by output control, the numbers are nan
    # The coefficients' covariance matrix (its diagonal the errors' squares), when known:
    # its correlations go with the fit (RegressionFit.correlations).
    variance: np.ndarray | None = None

    @classmethod
    def failed(cls, patterns: Patterns) -> Estimate:
        """A model that cannot be estimated (see design.estimable)."""
        nothing = np.full(len(patterns.columns), np.nan)
        return cls(tuple(patterns.names), nothing, nothing, patterns.rows, estimable=False)


def ols_estimate(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    covariance: str,
    cluster: Variable | None = None,
) -> Estimate:
    """`cluster` None with covariance "cluster" clusters on the workspace's unit."""
    xwx, (xy, x_sums) = patterns.cross(patterns.n, patterns.y_sum, patterns.n)
    if not estimable(patterns, xwx, x_sums):
        return Estimate.failed(patterns)
    beta, inverse = solve(xwx, xy)
    fitted = patterns.predict(beta)
    squared = patterns.y_m2 + patterns.n * (patterns.y_mean - fitted) ** 2
    rows, p = patterns.rows, len(beta)
    dof = rows - p
    if dof <= 0:
        # Too few units to estimate an error variance: output control withholds the model
        # (residual degrees of freedom), so the standard errors are never shown.
        return Estimate(tuple(patterns.names), beta, np.zeros(p), rows)
    if covariance == "classical":
        variance = float(squared.sum()) / dof * inverse
    elif covariance == "robust":
        meat, _ = patterns.cross(squared)
        variance = inverse @ meat @ inverse * rows / dof
    else:
        meat, clusters = cluster_meat(view, y, patterns, beta, cluster)
        if clusters < 2:
            return Estimate.failed(patterns)
        factor = clusters / (clusters - 1) * (rows - 1) / dof
        variance = inverse @ meat @ inverse * factor
    std_errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
    return Estimate(tuple(patterns.names), beta, std_errors, rows, variance=variance)


def cluster_cells(
    view: DataView, y: Variable, patterns: Patterns, cluster: Variable | None
) -> tuple[pa.Table, dict[str, np.ndarray], dict[str, list[str]], np.ndarray]:
    """The model's complete cases grouped by cluster and pattern (columns as grouped_sql
    gives them), the factors encoded to the patterns' levels (raw, levels), and each
    cell's cluster numbered 0 … G − 1. `cluster` None clusters on the workspace's unit.
    One home for every cluster-robust meat (cluster_meat, mlogit's)."""
    key = f'w."{UNIT_COLUMN}"' if cluster is None else col(cluster)
    grouped = grouped_sql(view, patterns.factors, y, patterns.where, leading=[key])
    ranked = f"SELECT DENSE_RANK() OVER (ORDER BY g0) - 1 AS cluster, * FROM ({grouped})"
    table = db.arrow(view.con, ranked)
    view.check_memory(table.num_rows, len(patterns.columns) + len(patterns.factors) + 4)
    raw, levels = encode_factors(view, table, patterns.factors, patterns.levels)
    groups = np.asarray(table.column("cluster").to_numpy(), dtype=np.int64)
    return table, raw, levels, groups


def cluster_meat(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    beta: np.ndarray,
    cluster: Variable | None,
    score: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Σ_c u_c u_c' and the number of clusters G, u_c the cluster's score Σ x·dℓ/dη, with
    score(n, Σy, x'β) that sum over a group of rows of one pattern (Σ(y − x'β) for OLS, the
    default; Σ(y − μ) for a GLM with its canonical link). `cluster` None
    clusters on the workspace's unit. With fewer than two clusters the meat is zero (the
    scores sum to zero at the estimate): the caller withholds the model."""
    table, raw, levels, groups = cluster_cells(view, y, patterns, cluster)
    rows = Patterns(
        raw,
        levels,
        np.asarray(table.column("n").to_numpy(), dtype=np.float64),
        np.asarray(table.column("y_sum").to_numpy(zero_copy_only=False), dtype=np.float64),
        np.zeros(0),
        np.zeros(0),
        patterns.binary,
        patterns.y_min,
        patterns.columns,
        patterns.factors,
        patterns.where,
    )
    count = int(groups.max()) + 1 if len(groups) else 0
    scores = np.zeros((count, len(beta)))
    for chunk in rows.chunks():
        x = rows.design(chunk)
        eta = x @ beta
        n, total = rows.n[chunk], rows.y_sum[chunk]
        residual_sums = total - n * eta if score is None else score(n, total, eta)
        contributions = x * residual_sums[:, None]
        for j in range(len(beta)):
            scores[:, j] += np.bincount(groups[chunk], weights=contributions[:, j], minlength=count)
    return scores.T @ scores, count


def asked_terms(x: object, constant: bool) -> list[str]:
    """The terms a model request names (x as given, and the constant)."""
    named = [x] if isinstance(x, str) else [str(t) for t in x] if isinstance(x, list) else []
    return [*named, *(["_cons"] if constant else [])]


def regression_plan(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    rows: ModelRows,
    estimate: Estimate,
    family: str,
    covariance: str,
    asked: list[str],
    weights: np.ndarray | None = None,
    mean: Callable[[np.ndarray], np.ndarray] | None = None,
    score_scale: np.ndarray | None = None,
    alphas: tuple[float, float] | None = None,
) -> RegressionPlan:
    """`rows`: the model's rows (model_levels.common_levels); `asked`: the terms as the
    request named them (the charge counts them, and they are
    what the result says it is about: the columns a categorical term expands to are named
    by levels found in the data, shown only in a released model's rows); `weights`: the
    fit's per pattern at the estimate (for the leverage; None for OLS); `mean`: the inverse
    link of a GLM (None for OLS); `score_scale`: per pattern dℓ/dη over (y − μ) for a
    GLM with a link that is not its canonical one (probit; None: 1); `alphas`: a negative
    binomial's overdispersion under the model and the null model (its likelihoods')."""
    fitted = None
    if estimate.estimable:
        eta = patterns.predict(estimate.coefficients)
        fitted = eta if mean is None else mean(eta)
    evidence = evidence_of(
        view,
        y,
        patterns,
        fitted=fitted,
        weights=weights,
        # A GLM's dispersion is known (1 for logit and Poisson); OLS estimates its own.
        dispersion=None if mean is None else 1.0,
        binary=patterns.binary,
        estimable=estimate.estimable,
        rows=rows,
        score_scale=score_scale,
        # A linear model's outcome as k·y + c is the same model (its coefficients times k).
        linear=mean is None,
        # A symmetric link's 0/1 outcome as 1 − y is the same model (its coefficients
        # negated): logit and probit.
        flips=family in ("logit", "probit"),
    )
    sums = None
    if estimate.estimable:
        distinct = evidence.units == len(rows.units)  # counted already: no second pass
        sums = fit_sums(view, family, rows, patterns, estimate, mean, distinct, alphas)
    fit = RegressionFit(
        outcome=y.name,
        family=family,
        terms=patterns.terms(),
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked),
        sums=sums,
        covariance=covariance,
        categorical=any(f.categorical for f in patterns.factors),
        correlations=correlation_matrix(estimate.variance),
    )
    about = {"statistic": family, "y": y.name, "x": asked, "std_errors": covariance}
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    return RegressionPlan(fit, about, estimate, groups)


def fit_sums(
    view: DataView,
    family: str,
    rows: ModelRows,
    patterns: Patterns,
    estimate: Estimate,
    mean: Callable[[np.ndarray], np.ndarray] | None,
    distinct: bool,
    alphas: tuple[float, float] | None = None,
) -> FitSums:
    """The totals behind the fit statistics, with their largest per-unit contributions
    (model_fit.py): RSS and TSS for OLS, the log-likelihoods of the model and of the
    constant alone for a GLM. `distinct`: each row is a unit of its own."""
    view.check_memory(len(rows.y), 4)
    eta = patterns.predict(estimate.coefficients)[rows.pattern]
    noise = view.parameters.rule(MagnitudeNoise)
    top = noise.parameters.top_k
    if mean is not None:
        # A GLM's log-likelihoods are released at the published coefficients and a
        # perturbed outcome mean (model_fit.LikelihoodTerms, models._likelihoods_at): each
        # unit's term then hangs on its own data alone, and is capped as a table cell's.
        # At the fit the refit's pull on everyone else's term showed (docs/
        # OUTPUT_CONTROL.md §12). The totals at the fit are what is shown with magnitude
        # noise off.
        model, null = likelihood_contributions(family, rows.y, mean(eta), alphas)
        units = None if distinct else rows.units
        return FitSums(
            "likelihood",
            float(model.sum()),
            float(null.sum()),
            largest_of(model if units is None else per_unit(units, model), top),
            largest_of(null if units is None else per_unit(units, null), top),
            terms=LikelihoodTerms(family, rows.y, rows.pattern, units, patterns.predict),
        )
    model, null = ols_contributions(rows.y, eta, "_cons" in patterns.names)
    # Each unit's influence on the total (the total less the total refitted without it):
    # e²/(1 − h) on RSS and d²·n/(n − 1) on TSS about the mean (exact). Capped at the cap
    # of the influences, with a count's noise at it (influence.py, models._fit_statistics).
    # Why: the top-k noise of RSS and TSS was set by a target at the top (100 known people
    # at small values and the target at 1 if diagnosed: R² read 8 of 8 diagnoses; red team
    # test_capped_paths).
    # The outcome clipped to its centred caps and refitted (the same design), so that a
    # unit far from the rest does not move everyone's residual (one_variable.
    # centred_clip): the target's 1 among 100 at small values moved the others'
    # residuals, and with them the cap, by more than their spread.
    y = clipped_outcome(noise, rows.y)
    design = patterns.every_design()
    counts = np.bincount(rows.pattern, minlength=len(design)).astype(np.float64)
    inverse = np.linalg.pinv((design * counts[:, None]).T @ design)
    sums = np.bincount(rows.pattern, weights=y, minlength=len(design))
    fitted = (design @ (inverse @ (design.T @ sums)))[rows.pattern]
    capped_model, capped_null = ols_contributions(y, fitted, "_cons" in patterns.names)
    h = np.einsum("ij,jk,ik->i", design, inverse, design)[rows.pattern]
    model_influence = capped_model / np.maximum(1.0 - h, 1e-12)
    null_influence = capped_null
    if "_cons" in patterns.names and len(null) > 1:
        null_influence = capped_null * len(null) / (len(null) - 1)
    if not distinct:  # a unit on several rows: what one unit contributes is its sum
        mine, theirs = per_unit(rows.units, model), per_unit(rows.units, null)
        model_influence = per_unit(rows.units, model_influence)
        null_influence = per_unit(rows.units, null_influence)
    else:
        mine, theirs = model, null
    rank = noise.parameters.cap_rank
    # Read on the square roots (the outcome's scale) and squared, as a summary's sum of
    # squares (one_variable.capped_total).
    model_cap, null_cap = (
        float(noise.caps(largest_of(np.abs(i) ** (1 / 2), rank)[:, None])[0]) ** 2
        for i in (model_influence, null_influence)
    )
    return FitSums(
        "squares",
        float(model.sum()),
        float(null.sum()),
        largest_of(mine, top),
        largest_of(theirs, top),
        (
            capped_by(float(capped_model.sum()), model_influence, model_cap),
            capped_by(float(capped_null.sum()), null_influence, null_cap),
            model_cap,
            null_cap,
        ),
    )


def clipped_outcome(noise: MagnitudeNoise, y: np.ndarray) -> np.ndarray:
    """The outcome clipped to the caps of its deviations from its median, each side's a
    table cell's cap (MagnitudeNoise.signed_caps). The caps read a side's cap_rank
    largest deviations and no other, so of a long outcome only its ends are sorted, after
    one partition that also gives the median (`_median_and_ends`): a sort of every row was
    0.2 to 0.3 s of CPU for 5.5 million. The same values as sorting every deviation
    (`clipped_outcome_sorted`, the reference; held equal by
    tests/test_regress_clipped_outcome.py)."""
    y = np.asarray(y, dtype=np.float64)
    rank = noise.parameters.cap_rank
    if len(y) <= 2 * rank + 2:
        return clipped_outcome_sorted(noise, y)
    centre, low, high = _median_and_ends(y, rank)
    if np.isnan(high[-1]) or not np.isfinite(centre):  # a nan or ±inf: as the reference
        return clipped_outcome_sorted(noise, y)
    ordered = np.concatenate([low - centre, high - centre])
    upper, lower = noise.signed_caps(ordered, np.zeros(1, np.int64), np.array([len(ordered)]))
    return centre + np.clip(y - centre, lower[0], upper[0])


def _median_and_ends(y: np.ndarray, rank: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The median of `y` (as np.median computes it: the middle value, or the mean of the
    two middle ones) and its `rank` smallest and largest values, each ascending, from one
    partition (len(y) > 2·rank + 2). x − c keeps the order of x, so these less the median
    are the ends of the deviations, sorted."""
    n = len(y)
    middle = n // 2
    kth = sorted({rank - 1, middle - 1, middle, n - rank})
    part = np.partition(y, kth)
    centre = float(np.mean(part[middle - 1 : middle + 1])) if n % 2 == 0 else float(part[middle])
    return centre, np.sort(part[:rank]), np.sort(part[n - rank :])


def clipped_outcome_sorted(noise: MagnitudeNoise, y: np.ndarray) -> np.ndarray:
    """`clipped_outcome` from every deviation sorted (the reference twin)."""
    y = np.asarray(y, dtype=np.float64)
    if not len(y):
        return y
    centre = float(np.median(y))
    ordered = np.sort(y - centre)
    upper, lower = noise.signed_caps(ordered, np.zeros(1, np.int64), np.array([len(y)]))
    return centre + np.clip(y - centre, lower[0], upper[0])


@dataclass(frozen=True)
class RegressionPlan:
    fit: RegressionFit
    about: dict[str, Any]
    estimate: Estimate
    groups: tuple[SetFingerprint, ...] = ()

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_regression(self.fit, context, groups=self.groups)
        return [Labelled(self.about, result)]

    def release_with(
        self, derived: RegressionFit, about: dict[str, Any], context: ControlContext
    ) -> list[Labelled]:
        """The model, then a fit derived from it (margins' effects, a mixed model's variance
        components) under the model's groups; withheld when the model is, so a derived fit
        never shows what its model hides."""
        (released,) = self.release(context)
        if released.result.population is None:
            derived = _withheld(derived)
        result = control_regression(derived, context, groups=self.groups)
        return [released, Labelled(about, result)]


def _withheld(fit: RegressionFit) -> RegressionFit:
    evidence = derived_evidence(fit.evidence, Influence.none(len(fit.terms)), 0, estimable=False)
    nothing = np.full(len(fit.terms), np.nan)
    return dataclasses.replace(fit, coefficients=nothing, std_errors=nothing, evidence=evidence)
