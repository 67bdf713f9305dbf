"""Model specifications and their sufficient statistics.

Terms are written as in Stata: `alder` or `c.alder` (a number), `i.utdanning` (one dummy per
level except the lowest, the reference), and products `i.utdanning#c.alder`,
`i.kjonn#i.utdanning`, `alder#alder`; a constant `_cons` is added unless asked not to.

Rather than a design matrix of one row per unit, DuckDB groups the complete cases by every
distinct combination of the regressors' values (a *pattern*) and returns per pattern the
number of rows n, the outcome's sum, mean and within-pattern sum of squared deviations. All
the models here are exact on these: X'WX and X'Wy sum over patterns with weights n, the
residual sum of squares is Σ m2 + n (ȳ − ŷ)², and so is the HC1 meat. With categorical
regressors and ages there are a few hundred patterns for millions of units; with a
continuous regressor of many values there are as many patterns as rows, and the sums run
over chunks of patterns so memory stays bounded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.linalg

from catalogue.domain.errors import invalid_input

from ... import db
from ...output_control import Term
from ...output_control.model_support import TermKind
from ...variables import Kind, Variable
from .common import DataView, natural_order, number_sql, request_error, text_sql

CONSTANT = "_cons"
MAX_FACTORS = 3
CHUNK_VALUES = 20_000_000  # floats of one chunk of the design (160 MB)


@dataclass(frozen=True)
class Factor:
    variable: Variable
    categorical: bool

    @property
    def key(self) -> str:
        return f"{'i' if self.categorical else 'c'}.{self.variable.name}"


@dataclass(frozen=True)
class Column:
    """One design column: the product of its parts, each a number (level None) or the
    indicator of one level of a categorical factor."""

    name: str
    kind: TermKind
    parts: tuple[tuple[Factor, str | None], ...]
    group: str | None = None

    def term(self) -> Term:
        components = tuple(
            f.key if level is None else f"{level}.{f.variable.name}" for f, level in self.parts
        )
        return Term(
            self.name, self.kind, self.group, components if self.kind == "interaction" else ()
        )


def _parse_factor(view: DataView, text: str) -> Factor:
    prefix, dot, name = text.partition(".")
    if dot and prefix.lower() in ("i", "c"):
        variable = view.variable(name, what="x")
        categorical = prefix.lower() == "i"
    else:
        variable = view.variable(text, what="x")
        categorical = False
    if not categorical and variable.kind not in (Kind.NUMBER, Kind.BOOL, Kind.STRING):
        raise invalid_input(
            "regression-variable-type",
            f"«{variable.name}» er {variable.kind.value} og kan ikke være en tallvariabel i en "
            "modell; bruk i. for kategorier.",
            f"'{variable.name}' is {variable.kind.value} and cannot be a numeric regressor; use "
            "i. for categories.",
            name=variable.name,
        )
    return Factor(variable, categorical)


def parse_terms(view: DataView, raw: object) -> list[list[Factor]]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise request_error(
            "x",
            "«x» må være en liste med forklaringsvariabler (f.eks. alder, i.utdanning).",
            "'x' must be a list of regressors (e.g. alder, i.utdanning).",
        )
    terms = []
    for text in raw:
        factors = [_parse_factor(view, part.strip()) for part in text.split("#")]
        if len(factors) > MAX_FACTORS:
            raise request_error(
                "x",
                f"Et samspill kan ha høyst {MAX_FACTORS} ledd.",
                f"An interaction can have at most {MAX_FACTORS} factors.",
            )
        terms.append(factors)
    return terms


def _factors(terms: Sequence[Sequence[Factor]]) -> list[Factor]:
    seen: dict[str, Factor] = {}
    for term in terms:
        for factor in term:
            seen.setdefault(factor.key, factor)
    return list(seen.values())


@dataclass
class Patterns:
    """The complete cases grouped by regressor values. `raw[key]` holds per pattern a
    number (continuous factor) or a level index into `levels[key]`."""

    raw: dict[str, np.ndarray]
    levels: dict[str, list[str]]
    n: np.ndarray  # rows per pattern
    y_sum: np.ndarray
    y_mean: np.ndarray
    y_m2: np.ndarray  # Σ (y − ȳ)² within the pattern
    binary: bool  # the outcome is 0/1 everywhere
    y_min: float
    columns: list[Column]
    factors: list[Factor]
    where: str  # the complete-case condition (alias w)
    grouped: pa.Table | None = None  # the factors' values per pattern (x0, x1, ...)

    @property
    def rows(self) -> int:
        return int(self.n.sum())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def terms(self) -> tuple[Term, ...]:
        return tuple(c.term() for c in self.columns)

    def chunks(self) -> Iterator[slice]:
        size = max(1, CHUNK_VALUES // max(1, len(self.columns)))
        for start in range(0, len(self.n), size):
            yield slice(start, min(start + size, len(self.n)))

    def every_design(self) -> np.ndarray:
        """The design rows of every pattern (with no patterns, none: no factor is read)."""
        if not len(self.n):
            return np.zeros((0, len(self.columns)))
        return self.design(slice(0, len(self.n)))

    def design(self, rows: slice) -> np.ndarray:
        count = rows.stop - rows.start
        x = np.ones((count, len(self.columns)))
        for j, column in enumerate(self.columns):
            for factor, level in column.parts:
                values = self.raw[factor.key][rows]
                if level is None:
                    x[:, j] *= values
                else:
                    x[:, j] *= values == self.levels[factor.key].index(level)
        return x

    def cross(
        self, weights: np.ndarray, *vectors: np.ndarray
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """X' diag(weights) X, and X' v for each vector v (one value per pattern)."""
        p = len(self.columns)
        xwx = np.zeros((p, p))
        xv = [np.zeros(p) for _ in vectors]
        for rows in self.chunks():
            x = self.design(rows)
            xwx += (x * weights[rows, None]).T @ x
            for k, vector in enumerate(vectors):
                xv[k] += x.T @ vector[rows]
        return xwx, xv

    def predict(self, beta: np.ndarray) -> np.ndarray:
        return np.concatenate([self.design(rows) @ beta for rows in self.chunks()] or [np.zeros(0)])


def complete_case_sql(
    view: DataView, y: Variable, factors: Sequence[Factor], extra: Sequence[Variable] = ()
) -> str:
    conditions = [f"isfinite({number_sql(y)})"]
    for factor in factors:
        if factor.categorical or factor.variable.kind == Kind.STRING:
            # (a code used as a number is checked to be one once the patterns are fetched)
            conditions.append(f'w."{factor.variable.column}" IS NOT NULL')
        else:
            conditions.append(f"isfinite({_number(factor.variable)})")
    conditions += [f'w."{v.column}" IS NOT NULL' for v in extra]
    return " AND ".join(conditions)


def _number(variable: Variable) -> str:
    if variable.kind == Kind.STRING:
        # A code variable used as a number ("1", "2") is grouped by its codes, and only
        # the few distinct codes are cast (`_code_numbers`), not every row.
        return f'w."{variable.column}"'
    return number_sql(variable)


def _code_numbers(view: DataView, factor: Factor, column: pa.Array) -> np.ndarray:
    """Per pattern the number its code stands for, cast as DuckDB casts. A code list with a
    code that is not a number ("C50") is refused (a fact of the metadata: the variable is a
    category, i.); a value in the data that is not a number makes the model one that cannot
    be estimated, withheld like any other (whether it is there may hang on one unit)."""
    encoded = pc.dictionary_encode(column)
    assert isinstance(encoded, pa.DictionaryArray)
    (cast,) = db.one(
        view.con,
        "SELECT list_transform(?::VARCHAR[], lambda c: TRY_CAST(c AS DOUBLE))",
        [encoded.dictionary.to_pylist()],
    )
    numbers = np.array([np.nan if x is None else x for x in cast], dtype=np.float64)
    v = factor.variable
    if v.codes and not all(_is_number(code) for code in v.codes):
        raise invalid_input(
            "regression-variable-type",
            f"«{v.name}» har koder som ikke er tall; bruk i.{v.name} for å ta den med som "
            "kategorier.",
            f"'{v.name}' has codes that are not numbers; use i.{v.name} to include it as "
            "categories.",
            name=v.name,
        )
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return numbers[indices] if len(numbers) else indices.astype(np.float64)


def factor_sql(factor: Factor) -> str:
    """A factor's value per row as the patterns group it: a level's label or a number."""
    return text_sql(factor.variable) if factor.categorical else _number(factor.variable)


def _is_number(code: str) -> bool:
    try:
        return np.isfinite(float(code))
    except ValueError:
        return False


def grouped_sql(
    view: DataView,
    factors: Sequence[Factor],
    y: Variable,
    where: str,
    *,
    leading: Sequence[str] = (),
) -> str:
    """Complete cases grouped by the factors' values (and any `leading` SQL expressions,
    selected first as g0, g1, ...), with the outcome's sufficient statistics."""
    selects = [f"{expression} AS g{k}" for k, expression in enumerate(leading)]
    for k, factor in enumerate(factors):
        selects.append(f"{factor_sql(factor)} AS x{k}")
    outcome = number_sql(y)
    keys = [f"g{k}" for k in range(len(leading))] + [f"x{k}" for k in range(len(factors))]
    return (
        f"SELECT {''.join(s + ', ' for s in selects)}COUNT(*) AS n, SUM({outcome}) AS y_sum, "
        f"AVG({outcome}) AS y_mean, COALESCE(VAR_POP({outcome}), 0) * COUNT(*) AS y_m2, "
        f"MIN({outcome}) AS y_min, BOOL_AND({outcome} = 0 OR {outcome} = 1) AS binary "
        f'FROM "{view.table}" AS w WHERE {where}' + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )


def encode_factors(
    view: DataView,
    table: pa.Table,
    factors: Sequence[Factor],
    levels: Mapping[str, list[str]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Per factor its values per pattern: numbers, or level indices (levels in natural
    order, found here or given)."""
    raw: dict[str, np.ndarray] = {}
    found: dict[str, list[str]] = {}
    for k, factor in enumerate(factors):
        column = table.column(f"x{k}").combine_chunks()
        if not factor.categorical and factor.variable.kind == Kind.STRING:
            raw[factor.key] = _code_numbers(view, factor, column)
        elif not factor.categorical:
            raw[factor.key] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
        elif levels is None:
            raw[factor.key], found[factor.key] = _levels(column)
        else:
            position = {label: i for i, label in enumerate(levels[factor.key])}
            encoded = pc.dictionary_encode(column)
            assert isinstance(encoded, pa.DictionaryArray)
            lookup = np.array(
                [position[str(t)] for t in encoded.dictionary.to_pylist()], dtype=np.float64
            )
            indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            raw[factor.key] = lookup[indices] if len(lookup) else indices.astype(np.float64)
    return raw, found if levels is None else dict(levels)


def fetch_patterns(
    view: DataView,
    y: Variable,
    terms: Sequence[Sequence[Factor]],
    *,
    extra: Sequence[Variable] = (),
    condition: str | None = None,
) -> Patterns:
    """The complete cases grouped by the factors' values, with every level found in them
    and no columns yet: the caller keeps the common levels (model_levels.py) and then makes
    the columns (`with_columns`), so that no limit counts a level held by a few units.
    `condition`: SQL the rows must meet besides being complete (rdd's given bandwidth)."""
    factors = _factors(terms)
    where = complete_case_sql(view, y, factors, extra)
    if condition is not None:
        where = f"{where} AND ({condition})"
    table = db.arrow(view.con, grouped_sql(view, factors, y, where))
    # No complete case at all is not refused here: the model is then withheld by output
    # control like any model of too few units (a refusal would tell the two apart).
    if int(pc.sum(table.column("n")).as_py() or 0) == 0:
        table = table.slice(0, 0)
    view.check_memory(table.num_rows, len(factors) + 6)
    raw, levels = encode_factors(view, table, factors)
    return Patterns(
        raw,
        levels,
        _floats(table, "n"),
        _floats(table, "y_sum"),
        _floats(table, "y_mean"),
        _floats(table, "y_m2"),
        all(bool(b) for b in table.column("binary").to_pylist()),
        float(np.min(_floats(table, "y_min"), initial=0.0)),
        [],
        factors,
        where,
        table.select([f"x{k}" for k in range(len(factors))]),
    )


def with_columns(
    view: DataView, patterns: Patterns, terms: Sequence[Sequence[Factor]], *, constant: bool
) -> Patterns:
    """The patterns with their design columns, once their levels are the common ones: an
    `i.` variable with more than `max_categories` of them, or a model with more than
    `max_parameters` columns, is refused (limits on what a table could show too, never on
    levels held by a few units: OUTPUT_CONTROL.md §1.5)."""
    for factor in patterns.factors:
        if factor.categorical and len(patterns.levels[factor.key]) > view.limits.max_categories:
            raise invalid_input(
                "too-many-categories",
                f"i.{factor.variable.name} har flere enn {view.limits.max_categories} nivåer "
                "som hver har minst så mange enheter som en tabell viser.",
                f"i.{factor.variable.name} has more than {view.limits.max_categories} levels "
                "each held by as many units as a table shows.",
                name=factor.variable.name,
            )
    columns = _columns(terms, patterns.levels, constant)
    if len(columns) > view.limits.max_parameters:
        raise invalid_input(
            "too-many-parameters",
            f"Modellen ville fått {len(columns)} parametere; grensen er "
            f"{view.limits.max_parameters}.",
            f"The model would have {len(columns)} parameters; the limit is "
            f"{view.limits.max_parameters}.",
            limit=view.limits.max_parameters,
        )
    return dataclasses.replace(patterns, columns=columns)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(), dtype=np.float64)


def _levels(column: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Per pattern the index of its level, and the levels found, in natural order."""
    encoded = pc.dictionary_encode(column)
    assert isinstance(encoded, pa.DictionaryArray)
    present = [str(x) for x in encoded.dictionary.to_pylist()]
    ordered = natural_order(present)
    position = {label: k for k, label in enumerate(ordered)}
    lookup = np.array([position[label] for label in present], dtype=np.int64)
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return lookup[indices].astype(np.float64), ordered


def _columns(
    terms: Sequence[Sequence[Factor]], levels: Mapping[str, list[str]], constant: bool
) -> list[Column]:
    columns: list[Column] = []
    for term in terms:
        expansions: list[list[tuple[Factor, str | None]]] = [[]]
        for factor in term:
            options: list[tuple[Factor, str | None]] = (
                [(factor, level) for level in levels[factor.key][1:]]
                if factor.categorical
                else [(factor, None)]
            )
            expansions = [[*e, o] for e in expansions for o in options]
        for parts in expansions:
            name = "#".join(
                f"c.{f.variable.name}"
                if level is None and len(parts) > 1
                else (f.variable.name if level is None else f"{level}.{f.variable.name}")
                for f, level in parts
            )
            kind: TermKind = "interaction" if len(parts) > 1 else "continuous"
            group = None
            if len(parts) == 1 and parts[0][1] is not None:
                kind, group = "dummy", parts[0][0].variable.name
            if any(c.name == name for c in columns):
                raise request_error(
                    "x", f"Leddet {name} er med to ganger.", f"The term {name} appears twice."
                )
            columns.append(Column(name, kind, tuple(parts), group))
    if constant:
        columns.append(Column(CONSTANT, "constant", ()))
    return columns


def significant_figures(values: np.ndarray, digits: int = 10) -> np.ndarray:
    """`values` to `digits` significant figures, elementwise (0 stays 0). For a design the
    fit derives (ivregress's and rdd's fitted X̂, regress_mml's shifted design): its last
    bits move with the order the patterns are summed in, and what is keyed or scaled by it
    (the rows' hash, one unit's move, so the model's noise) must not: the same question
    gets the same noise."""
    magnitude = np.abs(values)
    exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
    scale = 10.0 ** (digits - 1 - exponent)
    return np.asarray(np.round(values * scale) / scale)


def estimable(patterns: Patterns, xwx: np.ndarray, x_sums: np.ndarray) -> bool:
    """Whether the model can be estimated: complete cases, finite regressors, no constant
    regressor, no linearly dependent ones. `xwx` is X' diag(n) X and `x_sums` X' n: each
    column's mean and spread follow from them. Not a refusal: a model that fails is
    withheld by output control with the same reason as any model that fails its checks,
    since whether a regressor is constant among the units may hang on one unit's value."""
    total = float(patterns.n.sum())
    if total <= 0 or not np.all(np.isfinite(xwx)) or not np.all(np.isfinite(x_sums)):
        return False
    with_constant = any(c.kind == "constant" for c in patterns.columns)
    for j, column in enumerate(patterns.columns):
        if column.kind == "constant" or not with_constant:
            continue
        mean = float(x_sums[j]) / total
        spread = float(xwx[j, j]) / total - mean * mean
        if spread <= 1e-12 * max(1.0, mean * mean):
            return False
    if np.any(np.diag(xwx) <= 0):
        return False
    return full_rank(xwx)


def full_rank(cross: np.ndarray) -> bool:
    """Whether a cross-product matrix (X'X, or a model's information) is of full rank after
    equilibration (each column scaled to unit diagonal), by pivoted QR: a column whose
    pivot is under 1e-10 of the first is taken as dependent on the others."""
    scale = np.sqrt(np.diag(cross))
    scaled = cross / np.outer(scale, scale)
    _, r, _ = scipy.linalg.qr(scaled, pivoting=True)
    diagonal = np.abs(np.diag(r))
    return int(np.sum(diagonal > 1e-10 * diagonal[0])) == len(diagonal)


def solve(matrix: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """β = A⁻¹ v and A⁻¹ by Cholesky on the equilibrated matrix (A is X'WX: symmetric,
    positive definite once `estimable` has said so)."""
    scale = np.sqrt(np.diag(matrix))
    scaled = matrix / np.outer(scale, scale)
    factor = scipy.linalg.cho_factor(scaled)
    beta = scipy.linalg.cho_solve(factor, vector / scale) / scale
    inverse = scipy.linalg.cho_solve(factor, np.eye(len(vector))) / np.outer(scale, scale)
    return beta, inverse
