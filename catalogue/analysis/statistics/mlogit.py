"""mlogit: multinomial logit of a categorical outcome (numeric codes), fitted by Newton on
sufficient statistics, with classical standard errors; one equation per outcome level
against the lowest level (the base), each released through the model rules like every
model (output_control/models.py).

Sufficient statistics: the complete cases grouped by pattern and outcome level (the outcome
is taken into the patterns as an i. factor, so its levels are found, and its rare levels
left out, exactly as an i. regressor's are: model_levels.py). Per cell c with n_c rows, its
regressors x_c and level k_c, and p_ck = exp(x_c'β_k)/Σ_l exp(x_c'β_l) (β_base = 0):

    ℓ = Σ_c n_c (x_c'β_{k_c} − log Σ_l exp(x_c'β_l)),
    ∂ℓ/∂β_k = Σ_c n_c x_c (1{k_c = k} − p_ck),
    −∂²ℓ/∂β_k∂β_l' = Σ_c n_c x_c x_c' p_ck (1{k = l} − p_cl).

Standard errors: the inverse observed information (statsmodels' MNLogit; they agree to
1e-6).

Output control: equation k is a model of its own (family mlogit:k, k the level's position,
so that the same question asked again meets its registered answer and never another
equation's), its evidence that of the logit of 1{y = k} at the multinomial fit: residual
1{y = k} − p_k, weight p_k(1 − p_k) (the information's diagonal block: the one-step DFBETA
without the equations' cross terms), the outcome's support the units at level k against
the others; its pairs hold the outcome as given, and its noise is keyed by level k's
indicator, so two equations do not share a draw. An equation whose checks fail is withheld
and the others are not; its level is named in the result's `about` (a level common enough
to be a level at all)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, PositionKeys, RegressionFit, model_evidence
from ..statistic import Statistic
from .shared.common import DataView, Labelled, needs_number, request_error
from .shared.design import parse_terms
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES, model_request
from .shared.model_rows import _groupings
from .shared.ols import Estimate, RegressionPlan, asked_terms

MAX_ITERATIONS = 100
TOLERANCE = 1e-10


def _probabilities(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Per cell the probability of each level; beta is (levels − 1, columns)."""
    eta = np.column_stack([np.zeros(len(x)), x @ beta.T])
    eta -= eta.max(axis=1, keepdims=True)
    weights = np.exp(eta)
    return weights / weights.sum(axis=1, keepdims=True)


def _log_likelihood(x: np.ndarray, n: np.ndarray, level: np.ndarray, beta: np.ndarray) -> float:
    p = _probabilities(x, beta)
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
    """(β, standard errors), each (levels − 1, columns), at the maximum; None when it
    cannot be estimated (a level with no rows, no convergence, a singular information)."""
    columns = x.shape[1]
    if levels < 2 or columns == 0 or len(np.unique(level)) < levels:
        return None
    beta = np.zeros((levels - 1, columns))
    current = _log_likelihood(x, n, level, beta)
    indicator = np.eye(levels)[level]
    for _ in range(MAX_ITERATIONS):
        p = _probabilities(x, beta)
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
                variance = np.linalg.inv(_information(x, n, _probabilities(x, beta)))
            except np.linalg.LinAlgError:
                return None
            diagonal = np.diag(variance)
            if not np.all(np.isfinite(diagonal)) or np.any(diagonal <= 0):
                return None
            return beta, np.sqrt(diagonal).reshape(beta.shape)
    return None


@dataclass(frozen=True)
class MlogitPlan:
    """One regression plan per equation (level against the base)."""

    equations: tuple[RegressionPlan, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        return [item for plan in self.equations for item in plan.release(context)]


def fit_mlogit(view: DataView, request: Mapping[str, Any]) -> MlogitPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, "mlogit")
    named = [x] if isinstance(x, str) else x
    if isinstance(named, list) and any(
        isinstance(t, str) and t.split(".")[-1].split("#")[0] == y.name for t in named
    ):
        raise request_error(
            "x",
            f"«{y.name}» er utfallet og kan ikke også være forklaringsvariabel.",
            f"'{y.name}' is the outcome and cannot be a regressor too.",
        )
    terms = parse_terms(view, x)
    # The outcome as an i. factor of the patterns: its levels are common ones, as an i.
    # regressor's are (rows of rare levels left out), and each cell has one level.
    outcome_terms = parse_terms(view, [f"i.{y.name}"])
    patterns, rows = common_levels(view, y, [*terms, *outcome_terms], constant=constant)
    outcome_key = outcome_terms[0][0].key
    labels = patterns.levels.get(outcome_key, [])
    kept = [
        j
        for j, column in enumerate(patterns.columns)
        if all(factor.key != outcome_key for factor, _ in column.parts)
    ]
    all_terms = patterns.terms()
    names = tuple(patterns.names[j] for j in kept)
    design = (
        patterns.design(slice(0, len(patterns.n)))[:, kept]
        if len(patterns.n)
        else np.zeros((0, len(kept)))
    )
    level = patterns.raw[outcome_key].astype(np.int64) if len(patterns.n) else np.zeros(0, int)
    fitted = newton(design, patterns.n, level, len(labels)) if len(patterns.n) else None
    probabilities = None if fitted is None else _probabilities(design, fitted[0])
    asked = asked_terms(x, constant)
    keys = PositionKeys(view.rows.snapshot.arrays)
    groupings = [(label, codes) for label, codes in _groupings(patterns) if label != outcome_key]
    row_level = level[rows.pattern] if len(rows.pattern) else np.zeros(0, int)
    equations = []
    for k in range(1, max(len(labels), 2)):
        indicator = (row_level == k).astype(np.float64)
        if fitted is None or probabilities is None:
            nothing = np.full(len(kept), np.nan)
            estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
            weights = residuals = None
        else:
            beta, errors = fitted
            estimate = Estimate(names, beta[k - 1], errors[k - 1], patterns.rows)
            p_k = probabilities[:, k]
            weights = p_k * (1.0 - p_k)
            residuals = indicator - p_k[rows.pattern]
        evidence = model_evidence(
            keys,
            rows.units,
            indicator,
            rows.pattern,
            design,
            tuple(all_terms[j] for j in kept),
            groupings,
            weights,
            fitted=None if residuals is None else np.zeros(len(patterns.n)),
            dispersion=1.0,
            binary_outcome=True,
            estimable=estimate.estimable,
            asked=(rows.y, design),
            residuals=residuals,
        )
        fit = RegressionFit(
            outcome=y.name,
            family=f"mlogit:{k}",
            terms=tuple(all_terms[j] for j in kept),
            coefficients=estimate.coefficients,
            std_errors=estimate.std_errors,
            evidence=evidence,
            terms_asked=len(asked),
            covariance="classical",
            categorical=True,
        )
        about = {
            "statistic": "mlogit",
            "y": y.name,
            "x": asked,
            "std_errors": "classical",
            "base": labels[0] if fitted is not None else None,
            "level": labels[k] if fitted is not None else None,
        }
        groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
        equations.append(RegressionPlan(fit, about, estimate, groups))
    return MlogitPlan(tuple(equations))


STATISTIC = Statistic(
    name="mlogit",
    description=Text(
        "Multinomisk logit av et kategorisk utfall (tallkoder), én ligning per nivå mot det "
        "laveste, med klassiske standardfeil.",
        "Multinomial logit of a categorical outcome (numeric codes), one equation per level "
        "against the lowest, with classical standard errors.",
    ),
    fields=tuple(f for f in MODEL_FIELDS if f.name in ("y", "x", "constant")),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_mlogit(view, request),
    request="Mlogit",
    example={"y": "utdanning", "x": ["alder", "i.kjonn"]},
)
