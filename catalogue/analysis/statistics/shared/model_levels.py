"""The levels of a model's categorical factors, decided on perturbed counts
(OUTPUT_CONTROL.md §1.5; docs/OUTPUT_CONTROL.md §3 `regression` and §8), for every family
that fits on patterns (OLS, logit, Poisson): one path, so none can take its levels from
exact counts.

A value of an `i.` variable found among a model's complete cases is a level of the model
only when it is *common*: when the perturbed count of the units holding it reaches the
threshold, as a table of the variable over the same rows would publish it. Likewise each
cell of an interaction of categorical factors, among the rows of common levels. The rows
of rarer levels and cells are left out of the model as rows with a missing value are, and
the result says so in a note given to every model with an `i.` term (never how many rows,
nor which levels: a note only when some were left out would tell that a rare level
exists).

Why: a level held by one unit withheld the model (its support is under 10 units) while a
level held by nobody was no level at all, and the level limit (`max_categories`) counted
every level found, so a 501st level held by one unit made a refusal (red team:
test_presence.py, 16 of 16 diagnoses each). Now a level of one unit and a level of nobody
look the same: no level, no refusal, the rows not in the model. What is left is a model
over a set one unit smaller, which the differencing guard and model-noise's floor (at
least twice what one unit moves each coefficient) answer as they answer a missing value.

Why left out rather than pooled (with the reference level, or into a level of rare
values): pooled rows would change what every coefficient means by an amount nobody can
see (the reference's mean would mix in units of other values), and a pool of rare values
would itself be a level that exists only when rare values do. Left-out rows change only
N, which is perturbed, exactly as missing values do.

Cost: the rows are read once here (and reused for the model's evidence); a level (or cell)
on fewer rows than `min_count` − `max_noise` can never be common and one of at least
`min_count` + `max_noise` distinct units always is, so only the levels between get their
perturbed counts (as tables do, tabulate.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ...output_control import PositionKeys, reaching_threshold
from ...output_control.cell_key import all_distinct
from ...output_control.rules.cell_key_noise import CellKeyNoise
from ...output_control.rules.threshold import Threshold
from ...variables import Variable
from .common import DataView, needs_number, request_error
from .design import Factor, Patterns, factor_sql, fetch_patterns, parse_terms, with_columns
from .model_request import covariance_request, model_request, refuse_too_few_clusters
from .model_rows import ModelRows, model_rows


class ModelInputs(NamedTuple):
    """What a model of y on x asks for and the rows it is fitted on (model_inputs)."""

    y: Variable
    x: object  # the regressors as asked (asked_terms reads them)
    constant: bool
    covariance: str  # "classical", "robust" or "cluster"
    cluster: Variable | None
    patterns: Patterns
    rows: ModelRows


def model_inputs(
    view: DataView, request: Mapping[str, Any], what: str, *, outcome_levels: bool = False
) -> ModelInputs:
    """The request of a model of a numeric y on x terms with the standard errors it asks
    for, read in one order (y, the terms, the standard errors, the common levels, the
    clusters) so every family refuses the same request with the same error: regress,
    logit, probit, poisson, negbin, regress_panel, mlogit. `what`: the statistic named in
    an error about y. `outcome_levels` (mlogit): y is an `i.` factor of the patterns too,
    its key `outcome_factor_key(y)`, so its levels are common ones as an `i.` regressor's are (the
    rows of rare levels left out) and each cell has one level; y may then not stand among
    the regressors."""
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, what)
    if outcome_levels:
        _refuse_outcome_among_regressors(y, x)
    terms = parse_terms(view, x)
    if outcome_levels:
        terms = [*terms, *parse_terms(view, [f"i.{y.name}"])]
    covariance, cluster = covariance_request(view, request)
    patterns, rows = common_levels(view, y, terms, constant=constant, cluster=cluster)
    refuse_too_few_clusters(view, rows, cluster)
    return ModelInputs(y, x, constant, covariance, cluster, patterns, rows)


def outcome_factor_key(y: Variable) -> str:
    """The key of the outcome's factor among the patterns of model_inputs(outcome_levels)."""
    return Factor(y, categorical=True).key


def _refuse_outcome_among_regressors(y: Variable, x: object) -> None:
    named = [x] if isinstance(x, str) else x
    if isinstance(named, list) and any(
        isinstance(t, str) and t.split(".")[-1].split("#")[0] == y.name for t in named
    ):
        raise request_error(
            "x",
            f"«{y.name}» er utfallet og kan ikke også være forklaringsvariabel.",
            f"'{y.name}' is the outcome and cannot be a regressor too.",
        )


def common_levels(
    view: DataView,
    y: Variable,
    terms: Sequence[Sequence[Factor]],
    *,
    constant: bool,
    cluster: Variable | None = None,
    also: Variable | None = None,
    within: Callable[[Patterns], np.ndarray] | None = None,
    condition: str | None = None,
) -> tuple[Patterns, ModelRows]:
    """The model's patterns (with their columns) and rows, the rows of rare levels and of
    rare interaction cells left out; `cluster`: the variable the standard errors are
    clustered by (its rows must have a value, and each row's is read with it); `also`: a
    second per-row value the family needs (ModelRows.also; its rows must have one too);
    `within`: per pattern whether it is in the model's scope at all (a difference in
    differences' window of event times), applied before levels are counted, so that a
    level is common among the model's own rows; `condition`: SQL that selects the rows in
    scope before they are grouped, where it is known before the patterns are (rdd's given
    bandwidth; `within` still decides per pattern)."""
    extra = [v for v in (cluster, also) if v is not None]
    found = fetch_patterns(view, y, terms, extra=extra, condition=condition)
    scope = np.ones(len(found.n), dtype=bool) if within is None else within(found)
    scoped = not scope.all()
    if scoped:
        # Only the rows of patterns in scope are read (rdd's bandwidth, did's window: the
        # rows joined to these patterns alone), and their levels counted as before.
        found = _in_scope(found, scope)
    rows = model_rows(view, y, found, cluster, also)
    categorical = [f.key for f in found.factors if f.categorical]
    if (categorical and len(rows.units)) or scoped:
        found, rows, where = keep_common(view, found, rows, terms, np.ones(len(found.n), bool))
        if where is None and scoped:
            # Nothing more left out: the condition and the outcome's figures as when the
            # rows out of scope were read and left out here (their levels are not listed).
            found, rows = _kept(found, rows, np.ones(len(found.n), dtype=bool))
            narrowed = _kept_sql(found.factors, found.levels, found.raw, _interacting(terms))
            where = f"({found.where}) AND {narrowed}"
        if where is not None:
            # After the limits: the condition lists every kept level and cell.
            patterns = with_columns(view, found, terms, constant=constant)
            return dataclasses.replace(patterns, where=where), rows
    return with_columns(view, found, terms, constant=constant), rows


def _in_scope(found: Patterns, scope: np.ndarray) -> Patterns:
    """The patterns in `scope`, a categorical factor's levels those of these patterns (the
    model's rows are then read for them alone: model_rows joins the rows to them)."""
    empty = ModelRows(
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    )
    return _kept(found, empty, scope)[0]


def keep_common(
    view: DataView,
    found: Patterns,
    rows: ModelRows,
    terms: Sequence[Sequence[Factor]],
    keep: np.ndarray,
) -> tuple[Patterns, ModelRows, str | None]:
    """Of the patterns in `keep` (changed in place), those whose every categorical level
    and interaction cell is common; with the rows of the others left out, and the
    complete-case condition narrowed to what is kept (None when nothing was left out, the
    patterns and rows then as given). One home for common_levels and the families that
    shape their own patterns (regress_mml's group factor)."""
    counter = _Counter(view, rows)
    for key in [f.key for f in found.factors if f.categorical]:
        keep &= counter.common(found.raw[key].astype(np.int64), keep)
    for keys in _interacting(terms):
        keep &= counter.common(_cells(found, keys), keep)
    if keep.all():
        return found, rows, None
    found, rows = _kept(found, rows, keep)
    narrowed = _kept_sql(found.factors, found.levels, found.raw, _interacting(terms))
    return found, rows, f"({found.where}) AND {narrowed}"


def _interacting(terms: Sequence[Sequence[Factor]]) -> list[tuple[str, ...]]:
    """The sets of two or more categorical factors that interact in a term."""
    found = {tuple(sorted({f.key for f in term if f.categorical})) for term in terms}
    return sorted(keys for keys in found if len(keys) >= 2)


def _cells(patterns: Patterns, keys: Sequence[str]) -> np.ndarray:
    """Per pattern its cell of the interaction of these factors (0, 1, ... dense)."""
    combined = np.zeros(len(patterns.n), dtype=np.int64)
    for key in keys:
        combined = combined * len(patterns.levels[key]) + patterns.raw[key].astype(np.int64)
    return np.unique(combined, return_inverse=True)[1].reshape(-1)


class _Counter:
    """Whether groups of the model's rows are common (perturbed count ≥ the threshold)."""

    def __init__(self, view: DataView, rows: ModelRows) -> None:
        self.parameters = view.parameters
        self.rows = rows
        self.keys = PositionKeys(view.rows.snapshot.arrays)
        self.distinct = all_distinct(rows.units)  # each unit on one row
        self.least = int(view.parameters.of(Threshold).min_count)
        noise = view.parameters.of(CellKeyNoise)
        self.spread = int(noise.max_noise) if noise.enabled else 0

    def common(self, group_of_pattern: np.ndarray, considered: np.ndarray) -> np.ndarray:
        """Per pattern: considered, and its group (among considered patterns' rows) is
        common."""
        in_rows = considered[self.rows.pattern]
        group = group_of_pattern[self.rows.pattern[in_rows]]
        size = int(group_of_pattern.max()) + 1 if len(group_of_pattern) else 0
        rows = np.bincount(group, minlength=size)  # at least the group's distinct units
        sure = rows >= self.least + self.spread if self.distinct else np.zeros(size, bool)
        unsure = (rows >= max(1, self.least - self.spread)) & ~sure
        if unsure.any():
            chosen = unsure[group]
            compact = np.cumsum(unsure) - 1
            reached = reaching_threshold(
                self.parameters,
                compact[group[chosen]],
                self.rows.units[in_rows][chosen],
                self.keys,
            )
            sure[np.flatnonzero(unsure)] = reached
        return considered & sure[group_of_pattern]


def _kept(found: Patterns, rows: ModelRows, keep: np.ndarray) -> tuple[Patterns, ModelRows]:
    """The patterns and rows kept, a categorical factor's levels those of kept patterns
    (the complete-case condition is narrowed to them by the caller, `_kept_sql`: clustered
    standard errors read the rows again by it)."""
    index = np.flatnonzero(keep)
    renumber = np.full(len(keep), -1, dtype=np.int64)
    renumber[index] = np.arange(len(index))
    raw: dict[str, np.ndarray] = {}
    levels: dict[str, list[str]] = {}
    for factor in found.factors:
        values = found.raw[factor.key][index]
        if factor.categorical:
            used = np.unique(values.astype(np.int64))
            levels[factor.key] = [found.levels[factor.key][k] for k in used.tolist()]
            values = np.searchsorted(used, values.astype(np.int64)).astype(np.float64)
        raw[factor.key] = values
    on_kept = keep[rows.pattern]
    kept_rows = ModelRows(
        rows.units[on_kept],
        renumber[rows.pattern[on_kept]],
        rows.y[on_kept],
        None if rows.cluster is None else rows.cluster[on_kept],
        None if rows.also is None else rows.also[on_kept],
    )
    y = kept_rows.y
    narrowed = dataclasses.replace(
        found,
        raw=raw,
        levels=levels,
        n=found.n[index],
        y_sum=found.y_sum[index],
        y_mean=found.y_mean[index],
        y_m2=found.y_m2[index],
        binary=bool(np.all((y == 0) | (y == 1))),
        y_min=float(np.min(y, initial=0.0)),
        grouped=None if found.grouped is None else found.grouped.take(index),
    )
    return narrowed, kept_rows


def _kept_sql(
    factors: Sequence[Factor],
    levels: dict[str, list[str]],
    raw: dict[str, np.ndarray],
    interacting: Sequence[tuple[str, ...]],
) -> str:
    """A condition true exactly on the rows of kept levels and kept interaction cells."""
    by_key = {f.key: f for f in factors}
    conditions = ["TRUE"]
    for factor in factors:
        if factor.categorical:
            listed = ", ".join(_quoted(label) for label in levels[factor.key])
            conditions.append(f"{factor_sql(factor)} IN ({listed or 'NULL'})")
    for keys in interacting:
        labels = np.column_stack([raw[key].astype(np.int64) for key in keys])
        cells = {tuple(row) for row in labels.tolist()}
        listed = ", ".join(
            "[" + ", ".join(_quoted(levels[k][i]) for k, i in zip(keys, cell, strict=True)) + "]"
            for cell in sorted(cells)
        )
        together = "[" + ", ".join(factor_sql(by_key[k]) for k in keys) + "]"
        conditions.append(f"{together} IN ({listed or 'NULL'})")
    return " AND ".join(conditions)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
