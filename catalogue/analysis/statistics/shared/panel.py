"""Linear panel regression (pooled, fixed effects by the within transformation, between,
random effects) on sufficient statistics, with classical, robust or cluster-robust
standard errors: linearmodels' PooledOLS, PanelOLS(entity_effects=True), BetweenOLS and
RandomEffects (a test holds us to them to 1e-6).

The panel is the workspace in panel form: its unit is the entity, its rows the periods.
Every estimator is OLS on transformed rows, and DuckDB does the transforming (window
means per unit) and then groups the transformed rows by their regressor values into
patterns, with per pattern the number of rows and the transformed outcome's sum, mean
and within-pattern squares: the sufficient statistics of OLS (shared/ols.py), so that X'X,
X'y, the residual sum of squares and the robust meat are sums over patterns, and the
clustered meat sums over (cluster, pattern) groups. Per row (y and each design column x):

- pooled: y, x;
- fixed effects: y − ȳ_i + ȳ, x − x̄_i + x̄ (the grand means added back, as linearmodels
  and Stata do, so the constant is the mean fitted at the grand means);
- between: one row per unit, ȳ_i and x̄_i (unweighted);
- random effects: y − θ_i ȳ_i, x − θ_i x̄_i, θ_i = 1 − √(σ²_e/(T_i σ²_u + σ²_e)), with σ²_e
  the within fit's RSS/(N − n − k_w) (k_w the regressors that vary within units) and
  σ²_u = max(0, RSS_between/(n − p) − σ²_e/T̄), T̄ the harmonic mean of the T_i
  (linearmodels' default, Swamy–Arora for unbalanced panels as it computes them).

Standard errors, with M = X̃'X̃, N rows, p parameters and e the absorbed effects (n − 1 for
fixed effects, else 0): classical s²M⁻¹ with s² = RSS/(N − p − e); robust
M⁻¹(Σ x̃x̃'ê²)M⁻¹ · N/(N − p − e); clustered M⁻¹(Σ_c u_c u_c')M⁻¹ · G/(G − 1)·(N − 1)/(N − p)
(the effects, nested in clusters of units, are not counted, as Stata's xtreg does).
linearmodels: debiased=True, count_effects as stated, group_debias=True for clusters.

Output control sees the transformed model: its evidence (support of every design column,
leverage, what one unit moves each coefficient by) is of the transformed rows, so under
fixed effects a regressor that varies within only a few units fails the support check
(its coefficient is those units' own), however much it varies between units. A model whose
transformed regressor is constant (no variation within units, under fixed effects) is
withheld like any model that cannot be estimated. Before that, a regressor standing alone
as a term whose within-entity variation is held by fewer units than a table shows (a
panel of one period, a birth year) is refused with `panel-no-time-variation` naming it
(refuse_without_time_variation: on the perturbed count).

Every method is affine-equivariant in its outcome (k·y + X·d: b·k + d, the constant
k·b_0 + c for k·y + c), and so the model's evidence has the outcome in its form
(model_evidence's `linear_outcome`), so that each such image of a released model is given
its registered draw transformed, never a fresh one to average. Pooled rows are the values
as asked; fixed effects' and between's move with the outcome as k·ty + c and with X·d as
the transformed X·d, so their form is of the transformed rows, as their pairs are (one
unit's value moved shifts every fixed-effects row by one constant, which the form takes).
Random effects' rows move by c·(1 − θ_i) and every one of them with θ, which one unit's
value moves: their pairs and form are of the values as asked, with the entity's code
beside them when the entity is a variable's (`_asked_evidence`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from catalogue.domain.errors import invalid_input

from ... import db
from ...output_control import (
    PositionKeys,
    RegressionFit,
    correlation_matrix,
    model_evidence,
    reaching_threshold,
)
from ...output_control.model_support import entity_codes
from ...output_control.rounding import significant
from ...variables import UNIT_COLUMN, Kind, Variable
from .common import DataView, choice, col, number_sql, request_error, text_sql
from .design import CONSTANT, Column, Patterns
from .model_levels import model_inputs
from .model_rows import outcome_mode
from .ols import Estimate, RegressionPlan, asked_terms

METHODS = ("fe", "re", "be", "pooled")
UNIT_ENTITY = "_unit"
ROWS_TABLE = "regcat_panel_rows"
SIGMA_DIGITS = 10


def _column_sql(column: Column) -> str:
    """A design column's value per row (alias w)."""
    if column.kind == "constant":
        return "1.0"
    parts = []
    for factor, level in column.parts:
        v = factor.variable
        if level is not None:
            label = level.replace("'", "''")
            parts.append(f"(CASE WHEN {text_sql(v)} = '{label}' THEN 1.0 ELSE 0.0 END)")
        elif v.kind == Kind.STRING:
            parts.append(f"TRY_CAST({col(v)} AS DOUBLE)")
        else:
            parts.append(number_sql(v))
    return " * ".join(parts)


@dataclass(frozen=True)
class Transformed:
    """The transformed rows grouped into patterns: per pattern its design row and the
    transformed outcome's statistics; `units` the number of units (entities)."""

    x: np.ndarray
    n: np.ndarray
    y_sum: np.ndarray
    y_mean: np.ndarray
    y_m2: np.ndarray
    units: int
    inverse_t: float  # Σ 1/T_i over units
    # Per pattern the design as asked, before the transformation (random effects' evidence
    # is of those values: `_asked_evidence`); None when not read.
    asked: np.ndarray | None = None


def _transformed_sql(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    method: str,
    theta: tuple[float, float] | None,
    cluster: str | None,
    entity: str,
    asked: bool = False,
) -> str:
    """The rows (one per unit for between) with the transformed outcome ty, design t0..,
    the entity u, a row id r and the cluster c. `theta` (σ²_e, σ²_u) for random effects;
    `entity` the SQL of each row's entity; `asked` (pooled or random effects): the outcome
    and design as asked beside them, ay and a0.."""
    p = len(patterns.columns)
    columns = [_column_sql(c) for c in patterns.columns]
    base = (
        f"SELECT w.rowid AS r, {entity} AS u, {number_sql(y)} AS y, "
        + "".join(f"{c} AS c{j}, " for j, c in enumerate(columns))
        + f"{'NULL' if cluster is None else cluster} AS c "
        f'FROM "{view.table}" AS w WHERE {patterns.where} AND {entity} IS NOT NULL'
    )
    if method == "pooled":
        shown = ", ".join(f"c{j} AS t{j}" for j in range(p))
        kept = "".join(f", c{j} AS a{j}" for j in range(p)) + ", y AS ay" if asked else ""
        return f"SELECT r, u, c, y AS ty, {shown}{kept} FROM ({base})"
    # Per-unit means as ordered aggregates: each sum taken in the order of its values, so
    # the same rows give the same bits whatever order the workspace's table holds them in
    # (a window AVG sums in the order the rows arrive, which differs between two builds of
    # the same workspace; the transformed rows' last bits would differ, and with them the
    # evidence's digest, which keys the model's noise: every fresh workspace would draw
    # fresh noise, and averaging them would take it away).
    means = ", ".join(f"AVG(c{j} ORDER BY c{j}) AS m{j}" for j in range(p))
    unit_means = (
        f"SELECT u, MIN(r) AS r, ANY_VALUE(c) AS c, COUNT(*) AS t, "
        f"AVG(y ORDER BY y) AS my{', ' if p else ''}{means} FROM ({base}) GROUP BY u"
    )
    if method == "be":
        shown = ", ".join(f"m{j} AS t{j}" for j in range(p))
        return f"SELECT r, u, c, my AS ty{', ' if p else ''}{shown} FROM ({unit_means})"
    joined = f"({base}) AS b JOIN ({unit_means}) AS m USING (u)"
    if method == "fe":
        # The grand means over rows, as the units' means weighted by their rows, summed
        # in the units' order.
        grand = ", ".join(f"SUM(m{j} * t ORDER BY u) / SUM(t ORDER BY u) AS g{j}" for j in range(p))
        grand_sql = (
            f"SELECT SUM(my * t ORDER BY u) / SUM(t ORDER BY u) AS gy"
            f"{', ' if p else ''}{grand} FROM ({unit_means})"
        )
        shown = ", ".join(f"b.c{j} - m.m{j} + g.g{j} AS t{j}" for j in range(p))
        return (
            f"SELECT b.r AS r, b.u AS u, b.c AS c, b.y - m.my + g.gy AS ty"
            f"{', ' if p else ''}{shown} FROM {joined} CROSS JOIN ({grand_sql}) AS g"
        )
    assert theta is not None
    sigma_e, sigma_u = theta
    weight = f"(1 - sqrt({sigma_e!r} / (m.t * {sigma_u!r} + {sigma_e!r})))"
    shown = ", ".join(f"b.c{j} - {weight} * m.m{j} AS t{j}" for j in range(p))
    kept = "".join(f", b.c{j} AS a{j}" for j in range(p)) + ", b.y AS ay" if asked else ""
    return (
        f"SELECT b.r AS r, b.u AS u, b.c AS c, b.y - {weight} * m.my AS ty"
        f"{', ' if p else ''}{shown}{kept} FROM {joined}"
    )


def _read(
    view: DataView,
    sql: str,
    p: int,
    asked: bool = False,
    by_entity: bool = False,
    cluster_hashes: bool = False,
) -> tuple[Transformed, dict[str, np.ndarray]]:
    """The patterns of the transformed rows, and per row (r, g, ty, c). `asked` (the rows
    hold the values as asked, `_transformed_sql`): a pattern is of the transformed and the
    asked design at once, each row's outcome as asked is read too (ay); `by_entity`: of
    one entity too, each row's entity read (u); `cluster_hashes`: each row's cluster's
    MD5 too (ch, as model_rows hashes a cluster's text)."""
    columns = [f"t{j}" for j in range(p)]
    if asked:
        columns += [f"a{j}" for j in range(p)]
    if by_entity:
        columns.append("u")
    keys = ", ".join(columns)
    view.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS SELECT *, "
        f"DENSE_RANK() OVER (ORDER BY {keys}) - 1 AS g FROM ({sql})"
    )
    kept = "".join(f", ANY_VALUE(a{j}) AS a{j}" for j in range(p)) if asked else ""
    try:
        grouped = db.arrow(
            view.con,
            f"SELECT g, {', '.join(f'ANY_VALUE(t{j}) AS t{j}' for j in range(p))}{kept}, "
            "COUNT(*) AS n, SUM(ty) AS y_sum, AVG(ty) AS y_mean, "
            f"COALESCE(VAR_POP(ty), 0) * COUNT(*) AS y_m2 FROM {ROWS_TABLE} GROUP BY g ORDER BY g",
        )
        (units, inverse_t) = db.one(
            view.con,
            f"SELECT COUNT(*), COALESCE(SUM(1.0 / t), 0) FROM "
            f"(SELECT COUNT(*) AS t FROM {ROWS_TABLE} GROUP BY u)",
        )
        view.check_memory(grouped.num_rows, (2 * p if asked else p) + 5)
        read = "r, g, ty, c" + (", ay" if asked else "") + (", u" if by_entity else "")
        read += ", md5_number_lower(c) AS ch" if cluster_hashes else ""
        rows = db.arrays(view.con, f"SELECT {read} FROM {ROWS_TABLE}")
    finally:
        view.con.execute(f"DROP TABLE IF EXISTS {ROWS_TABLE}")
    found = Transformed(
        _design(grouped, "t", p),
        _floats(grouped, "n"),
        _floats(grouped, "y_sum"),
        _floats(grouped, "y_mean"),
        _floats(grouped, "y_m2"),
        int(units),
        float(inverse_t),
        _design(grouped, "a", p) if asked else None,
    )
    return found, rows


def _design(grouped: pa.Table, prefix: str, p: int) -> np.ndarray:
    """Per pattern the columns prefix0.. (patterns × p)."""
    if not p:
        return np.zeros((grouped.num_rows, 0))
    x = np.column_stack([_floats(grouped, f"{prefix}{j}") for j in range(p)])
    return x.reshape(grouped.num_rows, p)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _varies(data: Transformed, j: int) -> bool:
    total = float(data.n.sum())
    mean = float(data.n @ data.x[:, j]) / total
    spread = float(data.n @ (data.x[:, j] - mean) ** 2) / total
    return spread > 1e-12 * max(1.0, mean * mean)


def _estimable(data: Transformed, constant: int | None) -> bool:
    """Full rank, and no regressor but the constant constant over the rows."""
    total = float(data.n.sum())
    if total <= 0 or not np.all(np.isfinite(data.x)):
        return False
    if any(not _varies(data, j) for j in range(data.x.shape[1]) if j != constant):
        return False
    xtx = (data.x * data.n[:, None]).T @ data.x
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale <= 0):
        return False
    singular = np.linalg.svd(xtx / np.outer(scale, scale), compute_uv=False)
    return bool(singular[-1] > 1e-10 * singular[0])


@dataclass(frozen=True)
class Ols:
    beta: np.ndarray
    inverse: np.ndarray  # (X̃'X̃)⁻¹
    squares: np.ndarray  # per pattern Σ ê²
    rows: int


def _ols(data: Transformed) -> Ols:
    xtx = (data.x * data.n[:, None]).T @ data.x
    inverse = np.linalg.inv(xtx)
    beta = inverse @ (data.x.T @ data.y_sum)
    fitted = data.x @ beta
    squares = data.y_m2 + data.n * (data.y_mean - fitted) ** 2
    return Ols(beta, inverse, squares, int(data.n.sum()))


def _sorted_codes(values: np.ndarray) -> np.ndarray:
    """Each row's position among the distinct values in sorted order: what
    `np.unique(values, return_inverse=True)[1]` gives, the same codes, so the same sums in
    the same order. For text (an object array: the clusters' values as DuckDB gives them)
    the distinct values are found by a dict and only they are sorted; np.unique sorted
    every row's object (5.5 million rows: 29.5 s against 1.8 s, bench/models.py)."""
    if values.dtype != object:
        return np.unique(values, return_inverse=True)[1].reshape(-1)
    first: dict[Any, int] = {}
    found = np.fromiter(
        (first.setdefault(v, len(first)) for v in values), dtype=np.int64, count=len(values)
    )
    distinct = np.empty(len(first), dtype=object)
    distinct[:] = list(first)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(distinct, kind="stable")] = np.arange(len(first))
    return rank[found]


def _variance(
    fit: Ols,
    data: Transformed,
    rows: dict[str, np.ndarray],
    covariance: str,
    absorbed: int,
) -> np.ndarray | None:
    """β's covariance (module docstring); None with fewer than two clusters."""
    n, p = fit.rows, len(fit.beta)
    dof = n - p - absorbed
    if dof <= 0:
        return np.zeros((p, p))  # withheld by output control (residual degrees of freedom)
    if covariance == "classical":
        return float(fit.squares.sum()) / dof * fit.inverse
    if covariance == "robust":
        meat = (data.x * fit.squares[:, None]).T @ data.x
        return fit.inverse @ meat @ fit.inverse * n / dof
    clusters = _sorted_codes(rows["c"])
    count = int(clusters.max()) + 1 if len(clusters) else 0
    if count < 2 or n <= p:
        return None
    residual = rows["ty"] - (data.x @ fit.beta)[rows["g"]]
    scores = np.zeros((count, p))
    for j in range(p):
        scores[:, j] = np.bincount(
            clusters, weights=data.x[rows["g"], j] * residual, minlength=count
        )
    factor = count / (count - 1) * (n - 1) / (n - p)
    return fit.inverse @ (scores.T @ scores) @ fit.inverse * factor


@dataclass(frozen=True)
class PanelPlan:
    plan: RegressionPlan
    variance: np.ndarray | None  # β's, at full precision (tests)
    sigmas: tuple[float, float] | None = None  # random effects' (σ²_e, σ²_u)

    def release(self, context: Any) -> Any:
        return self.plan.release(context)


def _method(request: Mapping[str, Any]) -> str:
    return choice(request, "method", METHODS, "fe")


def entity_sql(view: DataView, request: Mapping[str, Any]) -> str:
    """The SQL of each row's entity: the unit (in panel form), or a variable's value."""
    name = request.get("entity", UNIT_ENTITY)
    if name != UNIT_ENTITY:
        found = view.variable(name, what="entity")
        return f"CAST({col(found)} AS VARCHAR)"
    if not view.state.is_panel:
        raise invalid_input("needs-panel-form", field="entity")
    return f'w."{UNIT_COLUMN}"'


def prepare_panel(view: DataView, request: Mapping[str, Any]) -> PanelPlan:
    method = _method(request)
    entity = entity_sql(view, request)
    if method == "be" and request.get("entity", UNIT_ENTITY) != UNIT_ENTITY:
        # One row per entity: output control's evidence is per unit, and an entity of
        # many units would stand for one of them.
        raise request_error(
            "entity",
            "between (be) tar enheten som entitet, ikke en variabel.",
            "between (be) takes the unit as its entity, not a variable.",
        )
    y, x, constant, covariance, cluster, patterns, _complete = model_inputs(
        view, request, "regress_panel"
    )
    if method == "fe":
        refuse_without_time_variation(view, patterns, entity)
    named = str(request.get("entity", UNIT_ENTITY))
    return fit_panel(view, y, patterns, method, covariance, cluster, entity, x, constant, named)


def fit_panel(
    view: DataView,
    y: Variable,
    patterns: Patterns,
    method: str,
    covariance: str,
    cluster: Variable | None,
    entity: str,
    x: object,
    constant: bool,
    entity_name: str = UNIT_ENTITY,
) -> PanelPlan:
    """The panel model on patterns whose levels and columns are made (common_levels,
    with_columns): the transformation, the fit and its output-control evidence. did's
    event-time form with unit effects builds its own columns (treated × event time against
    the reference period) and fits them here."""
    cluster_sql = None
    if covariance == "cluster":
        cluster_sql = (
            f'w."{UNIT_COLUMN}"' if cluster is None else f"CAST({col(cluster)} AS VARCHAR)"
        )
    p = len(patterns.columns)
    names = patterns.names
    at_constant = names.index(CONSTANT) if CONSTANT in names else None
    sigmas = None
    theta = None
    if method == "re":
        theta = _random_effects_sigmas(view, y, patterns, at_constant, entity)
        sigmas = theta
    # Random effects without their variances (a within or between fit that cannot be
    # estimated) are withheld; their rows are read as pooled for the evidence.
    shape = "pooled" if method == "re" and theta is None else method
    # Random effects' evidence is of the values as asked beside the transformed rows
    # (`_asked_evidence`), with the entity when it is a variable's.
    asked = method == "re"
    by_entity = asked and entity_name != UNIT_ENTITY
    data, rows = _read(
        view,
        _transformed_sql(view, y, patterns, shape, theta, cluster_sql, entity, asked),
        p,
        asked,
        by_entity,
        covariance == "cluster" and cluster is not None,
    )
    estimable = (method != "re" or theta is not None) and _estimable(data, at_constant)
    estimate, variance, fitted = Estimate.failed(patterns), None, None
    if estimable:
        fit = _ols(data)
        absorbed = data.units - 1 if method == "fe" and covariance != "cluster" else 0
        variance = _variance(fit, data, rows, covariance, absorbed)
        if variance is not None:
            errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
            estimate = Estimate(tuple(names), fit.beta, errors, fit.rows, variance=variance)
            fitted = data.x @ fit.beta
    rows_y = np.asarray(rows["ty"], dtype=np.float64)
    keys = PositionKeys(view.rows.snapshot.arrays)
    units = view.rows.protected(np.asarray(rows["r"], dtype=np.int64))
    row_pattern = np.asarray(rows["g"], dtype=np.int64)
    evidence = model_evidence(
        keys,
        units,
        rows_y,
        row_pattern,
        data.x,
        patterns.terms(),
        fitted=fitted if estimate.estimable else None,
        outcome_mode=outcome_mode(rows_y),
        estimable=estimate.estimable,
        # The clusters of a variable's clustering are in the pairs: the same rows clustered
        # otherwise are another question (other errors), not the registered answer. The
        # unit's clustering is the rows' own units.
        clusters=None if "ch" not in rows else np.asarray(rows["ch"], dtype=np.uint64),
        # Pooled rows are the outcome as asked, fixed effects' and between's move with it
        # as k·ty + c (y − ȳ_i + ȳ, ȳ_i): k·y + c is the same fit (b·k, the constant
        # k·b_0 + c), and so is y + X·d (b + d), their form too. Random effects' form is
        # of the values as asked (`_asked_evidence`).
        **(
            _asked_evidence(keys, units, row_pattern, data, rows, by_entity)
            if asked
            else {"linear_outcome": True}
        ),
    )
    fit_ = RegressionFit(
        outcome=y.name,
        family=f"panel-{method}",
        terms=patterns.terms(),
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked_terms(x, constant)),
        covariance=covariance,
        categorical=any(f.categorical for f in patterns.factors),
        correlations=correlation_matrix(estimate.variance),
    )
    about = {
        "statistic": "regress_panel",
        "method": method,
        "entity": entity_name,
        "y": y.name,
        "x": asked_terms(x, constant),
        "std_errors": covariance,
    }
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    return PanelPlan(RegressionPlan(fit_, about, estimate, groups), variance, sigmas)


def _asked_evidence(
    keys: PositionKeys,
    units: np.ndarray,
    row_pattern: np.ndarray,
    data: Transformed,
    rows: dict[str, np.ndarray],
    by_entity: bool,
) -> dict[str, Any]:
    """model_evidence's options for random effects: the pairs and the form of the values
    as asked (the outcome and the design before the transformation; model_evidence(
    asked=, form_design=), as a mixed model's), with each row's entity code beside the
    design when the entity is a variable's (`entity_codes`: the fit is the entity's, and
    the same rows by other entities another fit), held in the form as the span of the
    codes (`also_spanned`).

    Why not the transformed rows, as fixed effects and between: random effects' rows move
    with the outcome by c·(1 − θ_i) under k·y + c (no form of k·ty + c finds them), and
    every one of them moves with θ, which one unit's value moves: the same model with the
    target's wage changed was far from the registered one's rows, answered afresh, while
    the unchanged copy got the registered answer ("differs" told whether the wage had
    changed: red team `test_panel_outcome_forms`, 12 of 12 right). GLS with θ from the
    Swamy–Arora components is affine-equivariant in the outcome as asked (y + X·d: the
    within and between residuals stay, θ too, b + d; k·y: the components k², θ the same,
    k·b) and transforms as any linear fit in another basis of X (b' = T⁻¹·b), so the form
    of the values as asked is a form of the fit."""
    assert data.asked is not None
    found: dict[str, Any] = {
        "form_design": data.asked,
        "linear_outcome": True,
    }
    asked_y = np.asarray(rows["ay"], dtype=np.float64)
    if not by_entity:
        # The entity is the unit, which every pair holds already.
        return {**found, "asked": (asked_y, data.asked), "asked_form": True}
    codes = entity_codes(keys, units, _sorted_codes(rows["u"]))
    per_pattern = np.zeros(len(data.n))
    per_pattern[row_pattern] = codes  # a pattern is of one entity (`_read`)
    return {
        **found,
        "asked": (asked_y, np.column_stack([data.asked, per_pattern])),
        "asked_columns": range(data.asked.shape[1]),
        "also_spanned": per_pattern[:, None],
    }


def refuse_without_time_variation(view: DataView, patterns: Patterns, entity: str) -> None:
    """Fixed effects estimate a regressor from its variation within entities: when the
    units of the entities in which it varies (among the model's complete cases) do not
    reach the table threshold by their perturbed count, the request is refused with
    `panel-no-time-variation` naming the regressor (a panel of one period, or a regressor
    fixed per unit such as a birth year). On the perturbed count, as rdd's support on each
    side (OUTPUT_CONTROL.md §1.5): whether one unit's value varies is never what decides;
    a regressor that varies for a few units more than none is withheld by output control's
    support check as before."""
    alone = {c.parts[0][0].key: c.parts[0][0] for c in patterns.columns if len(c.parts) == 1}
    for factor in alone.values():  # an interaction may vary where its factors do not
        value = col(factor.variable)
        found = db.arrays(
            view.con,
            f'SELECT w.rowid AS r FROM "{view.table}" AS w WHERE ({patterns.where}) AND '
            f'{entity} IN (SELECT {entity} FROM "{view.table}" AS w WHERE '
            f"({patterns.where}) GROUP BY 1 HAVING count(DISTINCT {value}) > 1)",
        )
        units = view.rows.protected(np.asarray(found["r"], dtype=np.int64))
        keys = PositionKeys(view.rows.snapshot.arrays)
        reached = reaching_threshold(view.parameters, np.zeros(len(units), np.int64), units, keys)
        if not (len(reached) and reached[0]):
            name = factor.variable.name
            raise invalid_input(
                "panel-no-time-variation",
                f"«{name}» varierer ikke over tid innen enhetene (eller bare for færre enn en "
                "tabell viser): faste effekter kan ikke estimere den. Bruk method re, be "
                "eller pooled, eller ta den ut.",
                f"'{name}' does not vary over time within the units (or only for fewer than a "
                "table shows): fixed effects cannot estimate it. Use method re, be or pooled, "
                "or leave it out.",
                name=name,
                field="x",
            )


def _random_effects_sigmas(
    view: DataView, y: Variable, patterns: Patterns, at_constant: int | None, entity: str
) -> tuple[float, float] | None:
    """(σ²_e, σ²_u) from the within and the between fits (module docstring); None when
    either cannot be estimated."""
    p = len(patterns.columns)
    within, _ = _read(view, _transformed_sql(view, y, patterns, "fe", None, None, entity), p)
    between, _ = _read(view, _transformed_sql(view, y, patterns, "be", None, None, entity), p)
    # The within fit keeps the regressors that vary within entities (and the constant):
    # the others have no coefficient there and use no degree of freedom.
    kept = [j for j in range(p) if j == at_constant or _varies(within, j)]
    within = dataclasses.replace(within, x=within.x[:, kept])
    at = None if at_constant is None else kept.index(at_constant)
    if not (_estimable(within, at) and _estimable(between, at_constant)):
        return None
    varying = len(kept) - (0 if at_constant is None else 1)
    rows, units = int(within.n.sum()), within.units
    df_within, df_between = rows - units - varying, units - p
    if df_within <= 0 or df_between <= 0:
        return None
    sigma_e = float(_ols(within).squares.sum()) / df_within
    t_bar = units / within.inverse_t
    sigma_u = max(0.0, float(_ols(between).squares.sum()) / df_between - sigma_e / t_bar)
    # To 10 significant digits: the fits' sums over patterns are taken in an order that may
    # differ between runs (their last bits with it), and θ must not: it makes every
    # transformed row, and so the digest that keys the noise.
    return significant(sigma_e, SIGMA_DIGITS), significant(sigma_u, SIGMA_DIGITS)
