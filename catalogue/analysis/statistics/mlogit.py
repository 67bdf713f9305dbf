"""mlogit: multinomial logit of a categorical outcome (numeric codes), fitted by Newton on
sufficient statistics, with classical, robust or cluster-robust standard errors; one equation per outcome level
against the lowest level (the base), each released through the model rules like every
model (output_control/models.py).

Sufficient statistics: the complete cases grouped by pattern and outcome level (the outcome
is taken into the patterns as an i. factor, so its levels are found, and its rare levels
left out, exactly as an i. regressor's are: model_levels.py). Per cell c with n_c rows, its
regressors x_c and level k_c, and p_ck = exp(x_c'β_k)/Σ_l exp(x_c'β_l) (β_base = 0):

    ℓ = Σ_c n_c (x_c'β_{k_c} − log Σ_l exp(x_c'β_l)),
    ∂ℓ/∂β_k = Σ_c n_c x_c (1{k_c = k} − p_ck),
    −∂²ℓ/∂β_k∂β_l' = Σ_c n_c x_c x_c' p_ck (1{k = l} − p_cl).

The cells are summed in an order fixed by their values (`canonical_order`), never in the
order DuckDB returned them, so the fit, and whether it converges, is the same in every
process (tests/test_model_determinism.py).

Standard errors (statsmodels' MNLogit; they agree to 1e-6): classical, the inverse observed
information B; robust, B (Σ_c n_c s_c s_c') B with s_c a row's score in all of β (each cell's
rows share it, so the meat is exact on cells; statsmodels' "HC0", no small-sample factor);
clustered, B (Σ_g u_g u_g') B · G/(G − 1) · (N − 1)/(N − K), u_g the cluster's summed score
from the complete cases grouped by cluster, pattern and level, K counting every equation's
coefficients (statsmodels' "cluster").

Output control draws the classes, not the equations, so that the same fit asked with
another base class (the outcome recoded) is the same draws differenced, never a fresh
draw to average (red team `test_reparam_draws` test_k; OUTPUT_CONTROL.md §3 `regression`,
"A multinomial logit's classes"). Class j is a model of its own (family mlogit-class:r,
r its rank by its smallest-keyed unit, `contrasts.class_ranks`, so the same question
asked again meets its registered answer and never another class's): its coefficients
γ_j = β_j − mean_m β_m (`centred`, the same in every coding), its evidence that of the
logit of 1{y = j} at the multinomial fit (residual 1{y = j} − p_j, weight p_j(1 − p_j)),
its pairs' outcome each row's class rank (the same in every coding, so the classes
recoded over a set one unit away meet their registered draws, red team
`test_mlogit_classes`), its noise keyed by class j's indicator, so two classes do not
share a draw. What its noise is scaled
by is the larger of that logit's and the contrasts' (`class_influence`): the largest
classical error of β_j − β_b over the other classes, and the most one unit moves such a
contrast, each over √2, so that each equation, two draws differenced
(output_control/contrasts.py), has at least its own fit's noise. An equation is withheld
when either of its classes is; its level is named in the result's `about` (a level common
enough to be a level at all)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, PositionKeys, RegressionFit, model_evidence
from ..output_control.contrasts import class_ranks, combined
from ..output_control.model_support import Influence, with_influence
from ..output_control.rules.regression import Regression
from ..statistic import Statistic
from ..variables import Variable
from .shared.common import DataView, Labelled
from .shared.design import Patterns
from .shared.model_levels import model_inputs, outcome_factor_key
from .shared.model_request import (
    MODEL_FIELDS,
    MODEL_RELEASES,
)
from .shared.model_rows import _groupings
from .shared.ols import Estimate, RegressionPlan, asked_terms, cluster_cells

MAX_ITERATIONS = 100
TOLERANCE = 1e-10


def level_probabilities(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Per cell the probability of each level; beta is (levels − 1, columns)."""
    eta = np.column_stack([np.zeros(len(x)), x @ beta.T])
    eta -= eta.max(axis=1, keepdims=True)
    weights = np.exp(eta)
    return weights / weights.sum(axis=1, keepdims=True)


def _log_likelihood(x: np.ndarray, n: np.ndarray, level: np.ndarray, beta: np.ndarray) -> float:
    p = level_probabilities(x, beta)
    return float(n @ np.log(np.maximum(p[np.arange(len(level)), level], 1e-300)))


def _information(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    equations, columns = p.shape[1] - 1, x.shape[1]
    found = np.zeros((equations * columns, equations * columns))
    for k in range(equations):
        for m in range(k, equations):
            w = p[:, k + 1] * ((k == m) - p[:, m + 1]) * n
            block = (x * w[:, None]).T @ x
            found[k * columns : (k + 1) * columns, m * columns : (m + 1) * columns] = block
            found[m * columns : (m + 1) * columns, k * columns : (k + 1) * columns] = block.T
    return found


def newton(
    x: np.ndarray, n: np.ndarray, level: np.ndarray, levels: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """β, (levels − 1, columns), at the maximum and the inverse observed information there
    (equation by equation, column within); None when it cannot be estimated (a level with
    no rows, no convergence, a singular information)."""
    columns = x.shape[1]
    if levels < 2 or columns == 0 or len(np.unique(level)) < levels:
        return None
    beta = np.zeros((levels - 1, columns))
    current = _log_likelihood(x, n, level, beta)
    indicator = np.eye(levels)[level]
    for _ in range(MAX_ITERATIONS):
        p = level_probabilities(x, beta)
        gradient = ((indicator - p)[:, 1:] * n[:, None]).T @ x  # (levels − 1, columns)
        try:
            step = np.linalg.solve(_information(x, n, p), gradient.reshape(-1))
        except np.linalg.LinAlgError:
            return None
        step = step.reshape(beta.shape)
        size = 1.0
        while size > 1e-10:
            trial = beta + size * step
            found = _log_likelihood(x, n, level, trial)
            if np.isfinite(found) and found >= current - 1e-12 * abs(current):
                break
            size /= 2
        else:
            return None
        beta, current = trial, found
        if np.max(np.abs(size * step) / (1.0 + np.abs(beta))) < TOLERANCE:
            try:
                variance = np.linalg.inv(_information(x, n, level_probabilities(x, beta)))
            except np.linalg.LinAlgError:
                return None
            diagonal = np.diag(variance)
            if not np.all(np.isfinite(diagonal)) or np.any(diagonal <= 0):
                return None
            return beta, variance
    return None


def canonical_order(x: np.ndarray, level: np.ndarray, *leading: np.ndarray) -> np.ndarray:
    """The cells in an order fixed by their values (any `leading` keys first, then the
    regressors column by column, then the level), not by the order DuckDB returned them:
    every sum over cells is then taken in one order, so the fit, and whether it converges
    at all, is a function of the data alone. A fit near the edge (a class that only the
    extreme value of a regressor holds: no finite maximum, β drifting off) converged in one
    order of the cells and not in another, so the same question was released in one
    process and withheld in the next."""
    columns = [np.asarray(level)] + [x[:, j] for j in range(x.shape[1] - 1, -1, -1)]
    return np.lexsort([*columns, *reversed(leading)])


def _scores(x: np.ndarray, level: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per cell one row's score in all of β, equation by equation: (1{k_c = k} − p_ck)·x_c."""
    residual = (np.eye(p.shape[1])[level] - p)[:, 1:]
    return (residual[:, :, None] * x[:, None, :]).reshape(len(x), -1)


def _cluster_meat(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    kept: list[int],
    outcome_key: str,
    beta: np.ndarray,
    cluster: Variable | None,
) -> tuple[np.ndarray, int]:
    """Σ_g u_g u_g' over the clusters and their number, u_g the sum of the scores of the
    cluster's rows, from the complete cases grouped by cluster, pattern and level."""
    table, raw, levels, groups = cluster_cells(view, y, patterns, cluster)
    n = np.asarray(table.column("n").to_numpy(), dtype=np.float64)
    cells = dataclasses.replace(patterns, raw=raw, levels=levels, n=n)
    x = cells.every_design()[:, kept]
    level = raw[outcome_key].astype(np.int64)
    order = canonical_order(x, level, groups)
    x, level, n, groups = x[order], level[order], n[order], groups[order]
    count = int(groups.max()) + 1 if len(groups) else 0
    contributions = _scores(x, level, level_probabilities(x, beta)) * n[:, None]
    totals = np.zeros((count, contributions.shape[1]))
    for j in range(contributions.shape[1]):
        totals[:, j] = np.bincount(groups, weights=contributions[:, j], minlength=count)
    return totals.T @ totals, count


def class_influence(
    x: np.ndarray, n: np.ndarray, level: np.ndarray, probabilities: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per class and coefficient what scales its draw (`fit_mlogit`): the largest classical
    standard error of a contrast against another class, β_j − β_b, and the most one unit
    moves such a contrast, each over √2. One unit's move is the
    multinomial one-step DFBETA A·s over the cells holding rows (A the inverse information
    of all equations, s = (1{level} − p)[1:] ⊗ x its score in all of them). Why the
    multinomial fit's own and not each class's logit against everyone: a unit of a small
    class moves every contrast against that class by about 1/n_class (thirteen units in the
    base: one moved an intercept by up to 1.6 while that logit put it, and the noise, near
    0.003; red team `test_unattacked_models`). Why over √2: an equation released is two
    classes' draws differenced, whose noise has the variance σ_j² + σ_b² ≥ 2·(its own σ/√2)²,
    so every equation's noise is at least its own fit's, whichever base was asked."""
    equations = probabilities.shape[1] - 1
    columns = x.shape[1]
    classes = equations + 1
    blocks = np.zeros((classes, classes, columns))  # per term the inverse's (class, class)
    for j in range(1, classes):
        for b in range(1, classes):
            block = inverse[(j - 1) * columns : j * columns, (b - 1) * columns : b * columns]
            blocks[j, b] = np.diag(block)
    own = np.einsum("jjq->jq", blocks)
    contrast = own[:, None, :] + own[None, :, :] - 2.0 * blocks  # Var(β_j − β_b), per term
    held = n > 0
    moved = np.zeros((classes, classes, columns))
    for start in range(0, len(x), 1 << 14):
        chunk = slice(start, start + (1 << 14))
        kept = held[chunk]
        if not kept.any():
            continue
        scores = _scores(x[chunk][kept], level[chunk][kept], probabilities[chunk][kept])
        steps = (scores @ inverse).reshape(len(scores), equations, columns)
        steps = np.concatenate([np.zeros((len(scores), 1, columns)), steps], axis=1)
        for b in range(classes):
            found = np.abs(steps - steps[:, b : b + 1, :]).max(axis=0)
            moved[:, b, :] = np.maximum(moved[:, b, :], found)
    scale = np.sqrt(np.maximum(contrast, 0.0)).max(axis=1) / np.sqrt(2.0)
    return scale, moved.max(axis=1) / np.sqrt(2.0)


def centred(classes: int) -> np.ndarray:
    """The map from the equations' β (class k ≥ 1 against class 0, β_0 = 0) to the classes'
    γ_j = β_j − mean_m β_m: the same numbers in every coding of the outcome (no class is
    the base), and every equation a difference of two, β_j − β_b = γ_j − γ_b."""
    found = np.zeros((classes, classes - 1))
    found[1:, :] = np.eye(classes - 1)
    return found - found.mean(axis=0, keepdims=True)


def _variance(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    kept: list[int],
    outcome_key: str,
    found: tuple[np.ndarray, np.ndarray],
    covariance: str,
    cluster: Variable | None,
) -> np.ndarray | None:
    """β's covariance, all equations: classical (the inverse information), robust (the
    sandwich with the cells' scores, no small-sample factor: statsmodels' "HC0") or
    clustered (· G/(G − 1)·(N − 1)/(N − K), K all of β: statsmodels' "cluster"). None:
    fewer than two clusters (the model is withheld)."""
    beta, inverse = found
    if covariance == "classical":
        return inverse
    if covariance == "robust":
        x = patterns.design(slice(0, len(patterns.n)))[:, kept]
        level = patterns.raw[outcome_key].astype(np.int64)
        order = canonical_order(x, level)
        x, level, n = x[order], level[order], patterns.n[order]
        scores = _scores(x, level, level_probabilities(x, beta))
        return inverse @ ((scores * n[:, None]).T @ scores) @ inverse
    rows, k = patterns.rows, beta.size
    if rows <= k:
        return np.zeros((k, k))  # no residual degrees of freedom: withheld anyway
    meat, clusters = _cluster_meat(view, y, patterns, kept, outcome_key, beta, cluster)
    if clusters < 2:
        return None
    return inverse @ meat @ inverse * (clusters / (clusters - 1) * (rows - 1) / (rows - k))


@dataclass(frozen=True)
class MlogitFit:
    """The fit on cells, before output control (margins reads it): the design of the kept
    columns, the cells' row counts, β (levels − 1, columns), its covariance of the kind
    asked for (equation-major), the inverse observed information, and each cell's level."""

    design: np.ndarray
    n: np.ndarray
    beta: np.ndarray
    variance: np.ndarray
    inverse: np.ndarray
    constant: list[int]  # the constant's column among the kept ones (none or one)
    level: np.ndarray

    def largest_moves(self, linear: np.ndarray) -> np.ndarray:
        """Per row of `linear` (a map of all of β, equation-major) the most one unit moves
        that combination of β: max over the cells holding rows of |linear·A·s|, the
        one-step DFBETA (`class_influence`). The same number in every coding of the
        outcome when the combination is (margins' effects): no bound that sums the
        equations' moves term by term, which would hang on which class is the base."""
        largest = np.zeros(len(linear))
        probabilities = level_probabilities(self.design, self.beta)
        held = self.n > 0
        for start in range(0, len(self.design), 1 << 14):
            chunk = slice(start, start + (1 << 14))
            kept = held[chunk]
            if not kept.any():
                continue
            x, level = self.design[chunk][kept], self.level[chunk][kept]
            steps = _scores(x, level, probabilities[chunk][kept]) @ self.inverse
            largest = np.maximum(largest, np.abs(steps @ linear.T).max(axis=0))
        return largest


@dataclass(frozen=True)
class MlogitEquation:
    """One equation as shown: class `level` against class `base` (positions among the
    outcome's levels), what it is about, and its exact estimate (tests compare it with
    statsmodels; what is released is the two classes' draws differenced)."""

    level: int
    base: int
    about: dict[str, Any]
    estimate: Estimate


@dataclass(frozen=True)
class MlogitPlan:
    """Per class of the outcome its fit γ_j (`centred`), what output control draws noise
    for, and the equations shown, each γ_level − γ_base of the released draws."""

    classes: tuple[RegressionPlan, ...]
    equations: tuple[MlogitEquation, ...]
    fit: MlogitFit | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        released = [plan.release(context)[0].result for plan in self.classes]
        digits = context.parameters.of(Regression).significant_digits
        return [
            Labelled(
                equation.about,
                combined(
                    [(1.0, released[equation.level]), (-1.0, released[equation.base])], digits
                ),
            )
            for equation in self.equations
        ]


def fit_mlogit(view: DataView, request: Mapping[str, Any]) -> MlogitPlan:
    y, x, constant, covariance, cluster, patterns, rows = model_inputs(
        view, request, "mlogit", outcome_levels=True
    )
    outcome_key = outcome_factor_key(y)
    labels = patterns.levels.get(outcome_key, [])
    kept = [
        j
        for j, column in enumerate(patterns.columns)
        if all(factor.key != outcome_key for factor, _ in column.parts)
    ]
    all_terms = patterns.terms()
    names = tuple(patterns.names[j] for j in kept)
    design = patterns.every_design()[:, kept]
    level = patterns.raw[outcome_key].astype(np.int64) if len(patterns.n) else np.zeros(0, int)
    order = canonical_order(design, level)
    found = (
        newton(design[order], patterns.n[order], level[order], len(labels)) if len(order) else None
    )
    classes = max(len(labels), 2)
    columns = len(kept)
    to_classes = np.kron(centred(classes), np.eye(columns))  # β (equation-major) to γ
    variance = None
    if found is not None:
        variance = _variance(view, y, patterns, kept, outcome_key, found, covariance, cluster)
    probabilities = (
        None if found is None or variance is None else level_probabilities(design, found[0])
    )
    moves = (
        None
        if found is None or probabilities is None
        else class_influence(design, patterns.n, level, probabilities, found[1])
    )
    asked = asked_terms(x, constant)
    keys = PositionKeys(view.rows.snapshot.arrays)
    groupings = [(label, codes) for label, codes in _groupings(patterns) if label != outcome_key]
    row_level = level[rows.pattern] if len(rows.pattern) else np.zeros(0, int)
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    terms = tuple(all_terms[j] for j in kept)
    nothing = np.full(columns, np.nan)
    ranks = class_ranks(keys, rows.units, row_level, classes)
    named = ranks[row_level].astype(np.float64)  # each row's class by its coding-free name
    plans = []
    for j in range(classes):
        indicator = (row_level == j).astype(np.float64)
        if found is None or variance is None or probabilities is None or moves is None:
            estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
            weights = residuals = None
        else:
            gamma = (to_classes @ found[0].reshape(-1)).reshape(classes, columns)[j]
            rows_of = to_classes[j * columns : (j + 1) * columns]
            errors = np.sqrt(np.maximum(np.einsum("kl,lm,km->k", rows_of, variance, rows_of), 0))
            estimate = Estimate(names, gamma, errors, patterns.rows)
            p_j = probabilities[:, j]
            weights = p_j * (1.0 - p_j)
            residuals = indicator - p_j[rows.pattern]
        evidence = model_evidence(
            keys,
            rows.units,
            indicator,
            rows.pattern,
            design,
            terms,
            groupings,
            weights,
            fitted=None if residuals is None else np.zeros(len(patterns.n)),
            dispersion=1.0,
            binary_outcome=True,
            estimable=estimate.estimable,
            asked=(named, design),
            # Each class's coefficients transform with the design (x as k·x + c, x₂ +
            # m·x₁: b' = T⁻¹·b): the model has a form, so such images are one fit.
            asked_form=True,
            clusters=rows.cluster,
            residuals=residuals,
        )
        if moves is not None and evidence.estimable:
            own = evidence.influence
            evidence = with_influence(
                evidence,
                Influence(
                    np.maximum(own.scale, moves[0][j]),
                    np.maximum(own.coefficient, moves[1][j]),
                    own.classical_std_error,
                    own.sandwich_std_error,
                ),
            )
        fit = RegressionFit(
            outcome=y.name,
            # Its rank by its smallest-keyed unit, as its pairs' outcome is: the same class
            # in any coding, over a set a unit away, meets its registered answer, never
            # another class's (`class_ranks`).
            family=f"mlogit-class:{ranks[j]}",
            terms=terms,
            coefficients=estimate.coefficients,
            std_errors=estimate.std_errors,
            evidence=evidence,
            terms_asked=len(asked),
            covariance=covariance,
            categorical=True,
        )
        about: dict[str, Any] = {
            "statistic": "mlogit",
            "y": y.name,
            "x": asked,
            "std_errors": covariance,
        }
        plans.append(RegressionPlan(fit, about, estimate, groups))
    whole = None
    if found is not None and variance is not None and moves is not None:
        at = [i for i, j in enumerate(kept) if patterns.columns[j].kind == "constant"]
        whole = MlogitFit(design, patterns.n, found[0], variance, found[1], at, level)
    equations = []
    for k in range(1, classes):
        if whole is None:
            estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
        else:
            part = slice((k - 1) * columns, k * columns)
            errors = np.sqrt(np.maximum(np.diag(whole.variance)[part], 0.0))
            estimate = Estimate(names, whole.beta[k - 1], errors, patterns.rows)
        about = {
            "statistic": "mlogit",
            "y": y.name,
            "x": asked,
            "std_errors": covariance,
            "base": labels[0] if whole is not None else None,
            "level": labels[k] if whole is not None else None,
        }
        equations.append(MlogitEquation(k, 0, about, estimate))
    return MlogitPlan(tuple(plans), tuple(equations), whole)


STATISTIC = Statistic(
    name="mlogit",
    description=Text(
        "Multinomisk logit av et kategorisk utfall (tallkoder), én ligning per nivå mot det "
        "laveste, med klassiske, robuste (sandwich uten småutvalgsfaktor) eller "
        "klyngerobuste standardfeil.",
        "Multinomial logit of a categorical outcome (numeric codes), one equation per level "
        "against the lowest, with classical, robust (the sandwich without small-sample "
        "factor) or cluster-robust standard errors.",
    ),
    fields=MODEL_FIELDS,
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_mlogit(view, request),
    request="Mlogit",
    example={"y": "utdanning", "x": ["alder", "i.kjonn"]},
)
