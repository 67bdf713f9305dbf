"""oaxaca: the Oaxaca–Blinder decomposition of the difference in an outcome's mean between
the two groups of a binary variable, from each group's OLS on sufficient statistics.

With group A the first of the two values (in natural order) and B the second, x̄ and β̂
each group's regressor means (the constant included) and OLS coefficients:

    difference   = x̄_A'β_A − x̄_B'β_B (= ȳ_A − ȳ_B)
    threefold:     endowments (x̄_A − x̄_B)'β_B, coefficients x̄_B'(β_A − β_B),
                   interaction (x̄_A − x̄_B)'(β_A − β_B)
    twofold (B's coefficients the reference): explained (x̄_A − x̄_B)'β_B,
                   unexplained x̄_A'(β_A − β_B)

(Jann 2008, `oaxaca`'s threefold from B's point of view and twofold with weight 0 on A.)
With `reference` pooled the twofold's reference is β*, the pooled regression over both
groups with the group's indicator (Jann's `pooled`, statsmodels' two_fold "pooled"):
explained (x̄_A − x̄_B)'β*, unexplained x̄_A'(β_A − β*) + x̄_B'(β* − β_B); their standard
errors by the delta method with the joint covariance of (β_A, β_B, β*): each is linear in
y, so Cov(β_g, β*) = A_g X_g'X*_g A* s²_g and Var(β*) = A*(Σ_g s²_g X*_g'X*_g)A*, sums
over the patterns as everything here (a test holds them to the same formula computed row
by row, and the point values to statsmodels' OaxacaBlinder to 1e-6).
Standard errors by the delta method, each component c a bilinear form in (x̄_A, x̄_B,
β_A, β_B): Var(c) = Σ_g ∇_β c' V_g ∇_β c + ∇_x̄ c' S_g/n_g ∇_x̄ c, with V_g = s_g²(X_g'X_g)⁻¹
the group's classical OLS covariance and S_g its regressors' sample covariance (n_g − 1);
the two groups independent, and the product of two variances left out (Jann 2005). A test
holds every component and error to the same formula on statsmodels' OLS fits to 1e-6.

Robust and clustered standard errors (`robust`, `cluster`; Jann 2008's vce(robust) and
vce(cluster)): the same delta method with the joint covariance of the estimates made of
sandwiches. Every β (β_A, β_B and the pooled β*) is linear in y, β = Σ_i l_i y_i with l_i =
A_g x_i for the row's group (A* x*_i for β*), so with e_i the row's residual from its
group's regression their joint covariance is Σ_c u_c u_c', u_c = Σ_{i∈c} l_i e_i √f_g:
- robust: each row its own cluster, f_g = N_g/(N_g − p) (HC1 per group: the β_g blocks are
  statsmodels' OLS(cov_type="HC1") of each group, and the groups independent); the means'
  covariance stays S_g/n_g, which is the HC1 covariance of a mean;
- clustered: u_c summed over the cluster's rows in both groups, f_g = G_g/(G_g − 1)·(N_g −
  1)/(N_g − p) with G_g the clusters holding rows of group g (each β_g block is
  statsmodels' OLS(cov_type="cluster") of its group; a cluster with rows of both groups
  makes β_A and β_B covary, block √(f_A f_B)·Σ_c u_cA u_cB'); the means' covariance is
  clustered alike (scores (x_i − x̄_g)/n_g, factor G_g/(G_g − 1), the mean's cluster-robust
  variance, both groups' means jointly).
Means and coefficients are taken as independent, as in the classical case. Each group must
hold MIN_CLUSTERS clusters (too-few-clusters names the variable and the group). Sums over
the patterns (robust: Σe² per pattern) and over (cluster, pattern) cells (clustered), as
every regcat sandwich (statistics/shared/ols.py). A test holds them to statsmodels' OLS of
each group with the delta method written out row by row, to 1e-6.

Output control: the components are numbers derived from the fully interacted model, y on
(x, [B]·x) over both groups (its coefficients are β_A and β_B − β_A): that model's evidence
(every column's support, so each group must hold min_indicator_units units and each group's
regressors vary; its leverage; the pairs of its values), with what one unit moves each
component (derived_evidence, a digest of its own). What one unit moves a component is
exact for OLS: removing a row of pattern p from its group moves x̄_g by (x̄_g − x_p)/(n_g −
1) and β_g by −A_g x_p e/(1 − h_p) (A_g = (X_g'X_g)⁻¹), so the change is a + b·e per
pattern and its largest is at the pattern's largest or smallest residual. The group is read
as an i. variable: a value held by too few units for a table is left out (so a group of one
is no group: the decomposition is withheld, one group being left)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    RegressionFit,
    Term,
    control_regression,
)
from ..output_control.model_support import Influence, derived_evidence
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import DataView, Labelled, choice, needs_number, request_error
from .shared.design import Factor, Patterns, _columns, parse_terms
from .shared.model_levels import common_levels
from .shared.model_request import (
    MODEL_RELEASES,
    covariance_request,
    group_variable,
    refuse_too_few_clusters,
)
from .shared.model_rows import ModelRows, outcome_mode, rows_evidence
from .shared.ols import cluster_cells

REFERENCES = ("2", "pooled")
STREAM = 0x6F6178616361  # the components' digest: the interacted model's mixed with this
COMPONENTS = (
    "prediction_1",
    "prediction_2",
    "difference",
    "endowments",
    "coefficients",
    "interaction",
    "explained",
    "unexplained",
)


@dataclass(frozen=True)
class Group:
    n: float
    mean: np.ndarray  # x̄ (the constant's entry 1)
    beta: np.ndarray
    inverse: np.ndarray  # (X'X)⁻¹
    covariance: np.ndarray  # s²(X'X)⁻¹
    spread: np.ndarray  # S/n: the mean's covariance


def _component_values(xa: np.ndarray, xb: np.ndarray, ba: np.ndarray, bb: np.ndarray) -> np.ndarray:
    """The components (COMPONENTS' order), vectorised over leading axes."""
    xa, xb, ba, bb = np.broadcast_arrays(xa, xb, ba, bb)
    dx, db = xa - xb, ba - bb
    pa, pb = (xa * ba).sum(-1), (xb * bb).sum(-1)
    endow, coef, inter = (dx * bb).sum(-1), (xb * db).sum(-1), (dx * db).sum(-1)
    return np.stack([pa, pb, pa - pb, endow, coef, inter, endow, (xa * db).sum(-1)], axis=-1)


def _gradients(a: Group, b: Group) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per component its gradient in (x̄_A, x̄_B, β_A, β_B)."""
    xa, xb, ba, bb = a.mean, b.mean, a.beta, b.beta
    dx, db, zero = xa - xb, ba - bb, np.zeros_like(xa)
    return [
        (ba, zero, xa, zero),  # prediction_1
        (zero, bb, zero, xb),  # prediction_2
        (ba, -bb, xa, -xb),  # difference
        (bb, -bb, zero, dx),  # endowments
        (zero, db, xb, -xb),  # coefficients
        (db, -db, dx, -dx),  # interaction
        (bb, -bb, zero, dx),  # explained
        (db, zero, xa, -xa),  # unexplained
    ]


def decompose(a: Group, b: Group) -> tuple[np.ndarray, np.ndarray]:
    """The components and their delta-method standard errors."""
    values = _component_values(a.mean, b.mean, a.beta, b.beta)
    errors = []
    for gxa, gxb, gba, gbb in _gradients(a, b):
        variance = (
            gba @ a.covariance @ gba
            + gbb @ b.covariance @ gbb
            + gxa @ a.spread @ gxa
            + gxb @ b.spread @ gxb
        )
        errors.append(np.sqrt(max(float(variance), 0.0)))
    return values, np.array(errors)


@dataclass(frozen=True)
class Pooled:
    """The pooled reference β* (Jann 2008's `pooled`, statsmodels' two_fold "pooled"): OLS
    over both groups with the group's indicator as a regressor, β* its other coefficients.
    `full` the coefficients with the indicator (last), `inverse` (X*'X*)⁻¹; the covariances
    of β* with β_A and β_B and its own, under each group's error variance (every one linear
    in y: Cov = A_g X_g'X*_g A* σ²_g)."""

    full: np.ndarray
    inverse: np.ndarray
    covariance: np.ndarray  # Var(β*)
    with_a: np.ndarray  # Cov(β_A, β*)
    with_b: np.ndarray  # Cov(β_B, β*)

    @property
    def beta(self) -> np.ndarray:
        return self.full[:-1]


def pooled_fit(
    x: np.ndarray, in_b: np.ndarray, n: np.ndarray, y_sum: np.ndarray, a: Group, b: Group
) -> Pooled | None:
    """β* from the patterns of both groups (see Pooled), or None when singular."""
    design = np.column_stack([x, in_b.astype(np.float64)])
    xtx = (design * n[:, None]).T @ design
    inverse = _inverse(xtx)
    if inverse is None:
        return None
    full = inverse @ (design.T @ y_sum)
    p = x.shape[1]
    parts = []
    meat = np.zeros_like(xtx)
    for side, own in ((False, a), (True, b)):
        chosen = in_b == side
        sigma2 = float(own.covariance[0, 0] / own.inverse[0, 0])
        cross = (x[chosen] * n[chosen, None]).T @ design[chosen]  # X_g'X*_g
        parts.append((own.inverse @ cross @ inverse)[:, :p] * sigma2)
        meat += (design[chosen] * n[chosen, None]).T @ design[chosen] * sigma2
    covariance = (inverse @ meat @ inverse)[:p, :p]
    return Pooled(full, inverse, covariance, parts[0], parts[1])


def pooled_twofold(
    xa: np.ndarray, xb: np.ndarray, ba: np.ndarray, bb: np.ndarray, bstar: np.ndarray
) -> np.ndarray:
    """(explained, unexplained) against β*, vectorised over leading axes."""
    xa, xb, ba, bb, bstar = np.broadcast_arrays(xa, xb, ba, bb, bstar)
    explained = ((xa - xb) * bstar).sum(-1)
    unexplained = (xa * (ba - bstar)).sum(-1) + (xb * (bstar - bb)).sum(-1)
    return np.stack([explained, unexplained], axis=-1)


def decompose_pooled(a: Group, b: Group, pooled: Pooled) -> tuple[np.ndarray, np.ndarray]:
    """The pooled twofold's (explained, unexplained) and their delta-method standard errors
    with the joint covariance of (β_A, β_B, β*) (β_A, β_B independent) and the means'."""
    xa, xb, ba, bb, bs = a.mean, b.mean, a.beta, b.beta, pooled.beta
    dx, zero = xa - xb, np.zeros_like(xa)
    values = pooled_twofold(xa, xb, ba, bb, bs)
    gradients = [
        (bs, -bs, zero, zero, dx),  # explained: (x̄_A, x̄_B, β_A, β_B, β*)
        (ba - bs, bs - bb, xa, -xb, -dx),  # unexplained
    ]
    errors = []
    for gxa, gxb, gba, gbb, gbs in gradients:
        variance = (
            gba @ a.covariance @ gba
            + gbb @ b.covariance @ gbb
            + gbs @ pooled.covariance @ gbs
            + 2.0 * gba @ pooled.with_a @ gbs
            + 2.0 * gbb @ pooled.with_b @ gbs
            + gxa @ a.spread @ gxa
            + gxb @ b.spread @ gxb
        )
        errors.append(np.sqrt(max(float(variance), 0.0)))
    return values, np.array(errors)


@dataclass(frozen=True)
class Joint:
    """A sandwich's joint covariance (module docstring): of the means (x̄_A, x̄_B), 2p × 2p,
    and of the coefficients (β_A, β_B) or, with the pooled reference, (β_A, β_B, β*)."""

    means: np.ndarray
    betas: np.ndarray


def _lifts(
    x: np.ndarray, in_b: np.ndarray, a: Group, b: Group, pooled: Pooled | None
) -> np.ndarray:
    """Per pattern l = ∂(β_A, β_B[, β*])/∂y of one of its rows (module docstring)."""
    p = x.shape[1]
    parts = [(x @ a.inverse) * (~in_b)[:, None], (x @ b.inverse) * in_b[:, None]]
    if pooled is not None:
        xs = np.column_stack([x, in_b.astype(np.float64)])
        parts.append((xs @ pooled.inverse)[:, :p])
    return np.column_stack(parts)


def robust_joint(
    x: np.ndarray,
    in_b: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    a: Group,
    b: Group,
    pooled: Pooled | None,
) -> Joint:
    """HC1 per group: Σ_p l l' Σe² N_g/(N_g − p); the means' S_g/n_g."""
    p = x.shape[1]
    fitted = np.where(in_b, x @ b.beta, x @ a.beta)
    squares = y_m2 + n * (y_sum / n - fitted) ** 2
    factor = np.where(in_b, b.n / (b.n - p), a.n / (a.n - p))
    lifts = _lifts(x, in_b, a, b, pooled)
    betas = (lifts * (squares * factor)[:, None]).T @ lifts
    means = np.zeros((2 * p, 2 * p))
    means[:p, :p], means[p:, p:] = a.spread, b.spread
    return Joint(means, betas)


def cluster_joint(
    x: np.ndarray,
    in_b: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    cluster: np.ndarray,
    a: Group,
    b: Group,
    pooled: Pooled | None,
) -> Joint | None:
    """Clustered, from (cluster, pattern) cells (x, group, rows, Σy and the cell's cluster
    0 … G − 1): Σ_c u_c u_c' of the coefficients' and of the means' scores (module
    docstring). None when a group has fewer than two clusters."""
    p = x.shape[1]
    count = int(cluster.max()) + 1 if len(cluster) else 0
    held = [np.unique(cluster[(in_b == side) & (n > 0)]).size for side in (False, True)]
    if min(held) < 2:
        return None
    f = [g / (g - 1) * (own.n - 1) / (own.n - p) for g, own in zip(held, (a, b), strict=True)]
    h = [g / (g - 1) for g in held]
    fitted = np.where(in_b, x @ b.beta, x @ a.beta)
    residual = (y_sum - n * fitted) * np.sqrt(np.where(in_b, f[1], f[0]))
    lifts = _lifts(x, in_b, a, b, pooled) * residual[:, None]
    deviation = np.column_stack(
        [
            (x - a.mean) * (n / a.n * (~in_b) * np.sqrt(h[0]))[:, None],
            (x - b.mean) * (n / b.n * in_b * np.sqrt(h[1]))[:, None],
        ]
    )
    joint = []
    for scores in (deviation, lifts):
        summed = np.column_stack(
            [
                np.bincount(cluster, weights=scores[:, j], minlength=count)
                for j in range(scores.shape[1])
            ]
        )
        joint.append(summed.T @ summed)
    return Joint(joint[0], joint[1])


def decompose_joint(
    a: Group, b: Group, pooled: Pooled | None, joint: Joint
) -> tuple[np.ndarray, np.ndarray]:
    """The components (the twofold against β* with the pooled reference) and their
    delta-method standard errors under a sandwich's joint covariance."""
    p = len(a.mean)
    values = _component_values(a.mean, b.mean, a.beta, b.beta)
    zero = np.zeros(p)
    gradients = [
        (
            np.concatenate([gxa, gxb]),
            np.concatenate([gba, gbb, *([zero] if pooled is not None else [])]),
        )
        for gxa, gxb, gba, gbb in _gradients(a, b)
    ]
    if pooled is not None:
        xa, xb, ba, bb, bs = a.mean, b.mean, a.beta, b.beta, pooled.beta
        dx = xa - xb
        values[6:8] = pooled_twofold(xa, xb, ba, bb, bs)
        gradients[6:8] = [
            (np.concatenate([bs, -bs]), np.concatenate([zero, zero, dx])),
            (np.concatenate([ba - bs, bs - bb]), np.concatenate([xa, -xb, -dx])),
        ]
    errors = [
        np.sqrt(max(float(gm @ joint.means @ gm + gb @ joint.betas @ gb), 0.0))
        for gm, gb in gradients
    ]
    return values, np.array(errors)


def group_fit(x: np.ndarray, n: np.ndarray, y_sum: np.ndarray, y_m2: np.ndarray) -> Group | None:
    """One group's OLS from its patterns (rows n, outcome sum and within squares), or None
    when it cannot be estimated (singular, no residual degrees of freedom)."""
    rows = float(n.sum())
    p = x.shape[1]
    if rows - p <= 0:
        return None
    xtx = (x * n[:, None]).T @ x
    inverse = _inverse(xtx)
    if inverse is None:
        return None
    beta = inverse @ (x.T @ y_sum)
    fitted = x @ beta
    rss = float((y_m2 + n * (y_sum / n - fitted) ** 2).sum())
    mean = (x * n[:, None]).sum(axis=0) / rows
    deviation = x - mean
    spread = (deviation * n[:, None]).T @ deviation / (rows - 1) / rows
    return Group(rows, mean, beta, inverse, rss / (rows - p) * inverse, spread)


def moved_by_one(
    a: Group,
    b: Group,
    x: np.ndarray,
    in_b: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    pooled: Pooled | None = None,
) -> np.ndarray:
    """Per component the most one row moves it (module docstring): per pattern (x, its
    group, its rows' smallest and largest residual) the change a + b·e at both. With the
    pooled reference, β* moves too: the row's pooled residual is its group residual plus
    x'β_g − x*'β*_full (linear in e as well), and β*_full by −A*x*·e*/(1 − h*)."""
    largest = np.zeros(len(COMPONENTS))
    base = _component_values(a.mean, b.mean, a.beta, b.beta)
    if pooled is not None:
        base[6:8] = pooled_twofold(a.mean, b.mean, a.beta, b.beta, pooled.beta)
    for side, own in ((False, a), (True, b)):
        chosen = in_b == side
        if not chosen.any() or own.n <= 1:
            continue
        xp = x[chosen]
        lifted = xp @ own.inverse
        h = np.einsum("ij,ij->i", lifted, xp)
        kept = np.maximum(1.0 - h, 1e-12)
        mean = own.mean + (own.mean - xp) / (own.n - 1)
        if pooled is not None:
            xs = np.column_stack([xp, np.full(len(xp), float(side))])
            lifted_s = xs @ pooled.inverse
            kept_s = np.maximum(1.0 - np.einsum("ij,ij->i", lifted_s, xs), 1e-12)
            shift = xp @ own.beta - xs @ pooled.full
        for e in (low[chosen], high[chosen]):
            beta = own.beta - lifted * (e / kept)[:, None]
            if side:
                found = _component_values(a.mean[None, :], mean, a.beta[None, :], beta)
            else:
                found = _component_values(mean, b.mean[None, :], beta, b.beta[None, :])
            if pooled is not None:
                moved = pooled.full - lifted_s * ((e + shift) / kept_s)[:, None]
                if side:
                    found[:, 6:8] = pooled_twofold(
                        a.mean[None, :], mean, a.beta[None, :], beta, moved[:, :-1]
                    )
                else:
                    found[:, 6:8] = pooled_twofold(
                        mean, b.mean[None, :], beta, b.beta[None, :], moved[:, :-1]
                    )
            largest = np.maximum(largest, np.abs(found - base).max(axis=0))
    return largest


@dataclass(frozen=True)
class OaxacaPlan:
    fit: RegressionFit
    about: dict[str, Any]
    groups: tuple[Any, ...]
    values: np.ndarray  # at full precision (tests)
    std_errors: np.ndarray
    levels: tuple[str, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        return [Labelled(self.about, control_regression(self.fit, context, groups=self.groups))]


def _per_pattern(values: np.ndarray, pattern: np.ndarray, count: int, pick: np.ufunc) -> np.ndarray:
    """Per pattern the smallest (np.fmin) or largest (np.fmax) of its rows' values."""
    found = np.full(count, np.nan)
    pick.at(found, pattern, values)
    return np.nan_to_num(found, nan=0.0)


_GROUP_HINT = Text(
    "«group» må være navnet på en variabel med to verdier (f.eks. kjonn).",
    "'group' must be the name of a variable of two values (e.g. kjonn).",
)


def prepare_oaxaca(view: DataView, request: Mapping[str, Any]) -> OaxacaPlan:
    if not isinstance(request.get("y"), str):
        raise request_error("y", "«y» må være et variabelnavn.", "'y' must be a variable name.")
    y = view.variable(request["y"], what="y")
    needs_number(y, "oaxaca")
    group = group_variable(view, request, y, _GROUP_HINT)
    reference = choice(request, "reference", REFERENCES, "2")
    x = request.get("x")
    covariance, cluster = covariance_request(view, request)
    terms = parse_terms(view, x)
    for term in terms:
        for factor in term:
            if factor.variable.name == group.name:
                raise request_error(
                    "group",
                    f"Gruppevariabelen «{group.name}» kan ikke også være en forklaringsvariabel.",
                    f"The group variable '{group.name}' cannot also be a regressor.",
                    name=group.name,
                )
    factor = Factor(group, categorical=True)
    patterns, rows = common_levels(view, y, [*terms, [factor]], constant=True, cluster=cluster)
    levels = tuple(patterns.levels.get(factor.key, ()))
    if len(levels) > 2:
        raise request_error(
            "group",
            f"Gruppevariabelen «{group.name}» må ha to verdier; den har {len(levels)}.",
            f"The group variable '{group.name}' must have two values; it has {len(levels)}.",
            name=group.name,
        )
    columns = _columns(terms, patterns.levels, True)
    own = dataclasses.replace(patterns, columns=columns)
    count = len(own.n)
    x_design = own.design(slice(0, count)) if count else np.zeros((0, len(columns)))
    in_b = own.raw[factor.key].astype(np.int64) == 1 if count else np.zeros(0, dtype=bool)
    names = [c.name for c in columns]
    if len(levels) == 2:
        _refuse_too_few_clusters(view, rows, in_b, cluster, group, levels)
    second = levels[1] if len(levels) == 2 else "2"
    interacted = np.column_stack([x_design, x_design * in_b[:, None]])
    terms_full = (
        *own.terms(),
        *(
            Term(f"{second}.{group.name}", "dummy", group.name)
            if c.kind == "constant"
            else Term(f"{second}.{group.name}#{c.name}", "interaction", None, (c.name,))
            for c in columns
        ),
    )
    fits = None
    if len(levels) == 2:
        fa = group_fit(x_design[~in_b], own.n[~in_b], own.y_sum[~in_b], own.y_m2[~in_b])
        fb = group_fit(x_design[in_b], own.n[in_b], own.y_sum[in_b], own.y_m2[in_b])
        if fa is not None and fb is not None:
            fits = (fa, fb)
    fitted = None
    values = np.full(len(COMPONENTS), np.nan)
    errors = classical = values
    influence = Influence.none(len(COMPONENTS))
    pooled = None
    if fits is not None and reference == "pooled":
        pooled = pooled_fit(x_design, in_b, own.n, own.y_sum, *fits)
        if pooled is None:
            fits = None
    if fits is not None:
        fa, fb = fits
        fitted = np.where(in_b, x_design @ fb.beta, x_design @ fa.beta)
        values, errors = decompose(fa, fb)
        if pooled is not None:
            values[6:8], errors[6:8] = decompose_pooled(fa, fb, pooled)
        # The coefficient noise's scale is the classical errors whatever the kind asked
        # (model-noise: coefficient_share classical standard errors, as for every model).
        classical = errors
        if covariance != "classical":
            joint = _joint(
                view, y, own, x_design, in_b, factor, covariance, cluster, fa, fb, pooled
            )
            if joint is None:  # a group of fewer than two clusters: withheld
                errors = np.full(len(COMPONENTS), np.nan)
            else:
                values, errors = decompose_joint(fa, fb, pooled, joint)
        residual = rows.y - fitted[rows.pattern]
        low = _per_pattern(residual, rows.pattern, count, np.fmin)
        high = _per_pattern(residual, rows.pattern, count, np.fmax)
        moved = moved_by_one(fa, fb, x_design, in_b, low, high, pooled)
    evidence = rows_evidence(
        view,
        rows,
        interacted,
        terms_full,
        own,
        fitted=fitted,
        outcome_mode=outcome_mode(rows.y),
        estimable=fits is not None,
        # Every component is a linear predictor's: the same for any basis of the regressors
        # (k·x + c, x₂ + m·x₁), the group kept as it is (model_support.AffineForm).
        invariant_form=(x_design, in_b[:, None].astype(np.float64)),
        clusters=rows.cluster,
        # And linear in the outcome: k·y + c moves every component by k, the groups'
        # predictions (their means of y) by c too.
        linear_outcome=True,
    )
    if fits is not None:
        # What one unit moves a component's error: the most it moves any of the interacted
        # model's (classical, or its sandwich's for robust and clustered errors).
        shares = np.full(
            len(COMPONENTS), float(np.max(evidence.influence.classical_std_error, initial=0.0))
        )
        sandwich = np.full(
            len(COMPONENTS), float(np.max(evidence.influence.sandwich_std_error, initial=0.0))
        )
        influence = Influence(classical, moved, shares, np.maximum(shares, sandwich))
    usable = fits is not None and bool(np.all(np.isfinite(errors)))
    fit = RegressionFit(
        outcome=y.name,
        # The pooled reference is another decomposition of the same pairs: another question
        # (registered as "oaxaca", a pooled one near it got the twofold of group 2's).
        family="oaxaca" if reference == "2" else f"oaxaca:{reference}",
        terms=tuple(Term(c, "continuous") for c in COMPONENTS),
        coefficients=values,
        std_errors=errors,
        evidence=derived_evidence(
            evidence,
            influence,
            STREAM,
            estimable=usable,
            powers=(1,) * len(COMPONENTS),
            shifted=(COMPONENTS.index("prediction_1"), COMPONENTS.index("prediction_2")),
        ),
        terms_asked=len(names) + 1,
        covariance=covariance,
        categorical=True,
    )
    about = {
        "statistic": "oaxaca",
        "y": y.name,
        "x": list(x) if isinstance(x, list) else [x],
        "group": group.name,
        "groups": list(levels),
        "reference": reference,
        **({} if covariance == "classical" else {"std_errors": covariance}),
    }
    found_groups = view.groups_of(
        [y, *(f.variable for f in patterns.factors), *([cluster] if cluster else [])]
    )
    return OaxacaPlan(fit, about, found_groups, values, errors, levels)


def _refuse_too_few_clusters(
    view: DataView,
    rows: ModelRows,
    in_b: np.ndarray,
    cluster: Variable | None,
    group: Variable,
    levels: tuple[str, ...],
) -> None:
    """Each group's sandwich needs its own clusters: MIN_CLUSTERS in each group's rows."""
    if cluster is None or rows.cluster is None:
        return
    side = in_b[rows.pattern] if len(rows.pattern) else np.zeros(0, dtype=bool)
    for chosen, level in ((~side, levels[0]), (side, levels[1])):
        refuse_too_few_clusters(
            view,
            ModelRows(
                rows.units[chosen], rows.pattern[chosen], rows.y[chosen], rows.cluster[chosen]
            ),
            cluster,
            among=Text(f"gruppen {group.name} = {level}", f"the group {group.name} = {level}"),
        )


def _joint(
    view: DataView,
    y: Variable,
    own: Patterns,
    x_design: np.ndarray,
    in_b: np.ndarray,
    factor: Factor,
    covariance: str,
    cluster: Variable | None,
    a: Group,
    b: Group,
    pooled: Pooled | None,
) -> Joint | None:
    """The sandwich's joint covariance: robust from the patterns, clustered from the model's
    rows grouped by cluster and pattern (cluster None: the workspace's unit)."""
    if covariance == "robust":
        return robust_joint(x_design, in_b, own.n, own.y_sum, own.y_m2, a, b, pooled)
    table, raw, levels, clusters = cluster_cells(view, y, own, cluster)
    cells = dataclasses.replace(
        own,
        raw=raw,
        levels=levels,
        n=np.asarray(table.column("n").to_numpy(), dtype=np.float64),
        y_sum=np.asarray(table.column("y_sum").to_numpy(zero_copy_only=False), dtype=np.float64),
        y_mean=np.zeros(0),
        y_m2=np.zeros(0),
    )
    count = len(cells.n)
    x = cells.design(slice(0, count)) if count else np.zeros((0, len(own.columns)))
    side = raw[factor.key].astype(np.int64) == 1 if count else np.zeros(0, dtype=bool)
    return cluster_joint(x, side, cells.n, cells.y_sum, clusters, a, b, pooled)


STATISTIC = Statistic(
    name="oaxaca",
    description=Text(
        "Oaxaca–Blinder-dekomponering av forskjellen i utfallets gjennomsnitt mellom de to "
        "gruppene til en variabel: tredelt (endowments, coefficients, interaction) og todelt "
        "(explained, unexplained, med gruppe 2s koeffisienter som referanse), med "
        "delta-metodens standardfeil (klassiske, robuste eller klyngerobuste).",
        "Oaxaca–Blinder decomposition of the difference in the outcome's mean between the two "
        "groups of a variable: threefold (endowments, coefficients, interaction) and twofold "
        "(explained, unexplained, group 2's coefficients the reference), with delta-method "
        "standard errors (classical, robust or cluster-robust).",
    ),
    fields=(
        Field("y", Takes.VARIABLE, required=True),
        Field(
            "x",
            Takes.TERM,
            many=True,
            required=True,
            description=Text(
                "Forklaringsvariabler (alder, i.utdanning); konstantleddet tas alltid med.",
                "Regressors (alder, i.utdanning); the constant is always included.",
            ),
        ),
        Field(
            "group",
            Takes.VARIABLE,
            required=True,
            description=Text(
                "Variabelen med de to gruppene (f.eks. kjonn); gruppe 1 er den første verdien.",
                "The variable of the two groups (e.g. kjonn); group 1 is its first value.",
            ),
        ),
        Field(
            "reference",
            Takes.TEXT,
            choices=REFERENCES,
            description=Text(
                "Den todelte dekomponeringens referansekoeffisienter: 2 (gruppe 2s, "
                "standard) eller pooled (den samlede regresjonen over begge grupper med "
                "gruppeindikatoren, Jann 2008).",
                "The twofold decomposition's reference coefficients: 2 (group 2's, the "
                "default) or pooled (the regression over both groups with the group's "
                "indicator, Jann 2008).",
            ),
        ),
        Field(
            "robust",
            Takes.TRUTH,
            description=Text(
                "Robuste standardfeil: hver gruppes koeffisienter med HC1-kovarians (Jann "
                "2008, vce(robust)).",
                "Robust standard errors: each group's coefficients with their HC1 covariance "
                "(Jann 2008, vce(robust)).",
            ),
        ),
        Field(
            "cluster",
            Takes.VARIABLE,
            description=Text(
                "Klyngerobuste standardfeil etter en variabel, eller _unit for enheten (ikke "
                "sammen med robust): koeffisientenes og snittenes kovarians klynget, også "
                "mellom gruppene; hver gruppe må ha minst 10 klynger.",
                "Cluster-robust standard errors by a variable, or _unit for the unit (not "
                "together with robust): the coefficients' and the means' covariance "
                "clustered, across the groups too; each group must hold at least 10 "
                "clusters.",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_oaxaca(view, request),
    request="Oaxaca",
    example={"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"},
)


def _inverse(xtx: np.ndarray) -> np.ndarray | None:
    """(X'X)⁻¹ by its equilibrated form (each column scaled to unit length first), or None
    when a column is empty or the scaled matrix is singular (condition over 10¹⁰)."""
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale <= 0):
        return None
    scaled = xtx / np.outer(scale, scale)
    singular = np.linalg.svd(scaled, compute_uv=False)
    if singular[-1] <= 1e-10 * singular[0]:
        return None
    return np.asarray(np.linalg.inv(scaled) / np.outer(scale, scale))
