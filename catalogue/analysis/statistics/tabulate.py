"""tabulate: counts of distinct units by 1–4 variables (with margins, and row, column or
cell percentages), or a numeric variable summarised per cell (mean and sum through the
magnitude-table rules, median and sd through the percentile and summary rules per cell).

A dimension shows every code of its code list (so an empty category is a structural 0 and
the table does not tell which categories occur) plus any other value present; a variable
with more distinct values than the limit is refused (a continuous variable is not a
category). A value that is not a code is a label only on a cell that is published (output
control leaves out the rest: the label itself would disclose a value held by few units),
and a per-cell median or sd is computed only for the cells a frequency table would show.

A row with a missing value on a dimension (or a missing measure) is not in any cell. With
`missing: true` a missing dimension value is a category of its own, labelled `.` (as
microdata.no's and Stata's tabulate show it), always shown like a code; otherwise the result
says how many units were left out, as a perturbed count. Those units are found in the same
pass over the rows as the cells: a second query for them would cost a second scan. Results
carry each code's title from the code list in bokmål and English (`category_labels`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalogue.domain.errors import invalid_input

from .. import db
from ..output_control import (
    ControlContext,
    CountTable,
    MagnitudeTable,
    UnitValues,
    cells_to_show,
    control_frequency_table,
    control_magnitude_table,
    control_percentiles,
    control_summary,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.rules.budget import Budget
from ..row_keys import RowKeys
from ..variables import Kind, Variable
from .common import (
    DataView,
    Labelled,
    col,
    natural_order,
    needs_number,
    needs_unit_rows,
    number_sql,
    request_error,
    text_sql,
)

CELL_STATISTICS = ("mean", "sum", "median", "sd")
PERCENTAGES = ("cell", "row", "column")
MISSING = "."  # the category of units with a missing value, with `missing: true`
MISSING_TITLE = ("Mangler verdi", "Missing value")


@dataclass(frozen=True)
class Categorised:
    """Rows with their cell (row-major over the dimensions' categories), their protected
    units, and optionally values; the workspace units are read only when asked for."""

    dimensions: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    listed: tuple[frozenset[str], ...]  # per dimension: its code list (always shown)
    cell: np.ndarray  # per row
    protected: np.ndarray  # per row: the protected unit's key position
    rowids: np.ndarray
    rows: RowKeys
    values: np.ndarray | None
    # protected units (key positions) with no row in any cell: a missing value left them out
    left_out: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.categories)

    def units(self) -> np.ndarray:
        """Per row: the workspace unit's key position."""
        return self.rows.units(self.rowids)

    def count_table(self) -> CountTable:
        return CountTable(
            self.dimensions, self.categories, None, self.protected, self.cell, self.listed
        )


def dimension_variables(view: DataView, names: object, field_name: str = "vars") -> list[Variable]:
    if isinstance(names, str):
        names = [names]
    most = view.parameters.of(Budget).max_variables
    if not isinstance(names, list) or not 1 <= len(names) <= most:
        raise request_error(
            field_name,
            f"«{field_name}» må være en liste med 1 til {most} variabler.",
            f"'{field_name}' must be a list of 1 to {most} variables.",
        )
    variables = [view.variable(n, what=field_name) for n in names]
    if len({v.name for v in variables}) != len(variables):
        raise request_error(
            field_name,
            "Samme variabel er nevnt to ganger.",
            "The same variable is named twice.",
        )
    return variables


def categorise(
    view: DataView,
    variables: Sequence[Variable],
    value: Variable | None = None,
    *,
    missing: bool = False,
) -> Categorised:
    # The rows the table counts: a value on every dimension (unless a missing value is a
    # category) and a finite measure.
    counted = (
        " AND ".join(
            ([] if missing else [f"{col(v)} IS NOT NULL" for v in variables])
            + ([f"isfinite({number_sql(value)})"] if value is not None else [])
        )
        or "TRUE"
    )
    # Each dimension's values get their category's index in a small table the rows join
    # (the engine then hands over integers, never millions of labels). Code variables
    # whose code lists fit the limit first try their code lists alone: if every value
    # counted is a code, the categories are the code list and one pass over the rows does.
    listed = _code_list_categories(view, variables)
    if listed is not None:
        found = _cells(
            view, variables, value, counted, *listed, every_value_listed=False, missing=missing
        )
        if found is not None:
            return found
    categories, lookups = _present_categories(view, variables, counted)
    found = _cells(
        view,
        variables,
        value,
        counted,
        categories,
        lookups,
        every_value_listed=True,
        missing=missing,
    )
    assert found is not None
    return found


def _code_list_categories(
    view: DataView, variables: Sequence[Variable]
) -> tuple[list[tuple[str, ...]], list[pa.Table]] | None:
    """Categories and lookups from the code lists of text variables, or None."""
    categories, lookups = [], []
    for variable in variables:
        if (
            variable.kind != Kind.STRING
            or not 0 < len(variable.codes) <= view.limits.max_categories
        ):
            return None
        known = natural_order(list(variable.codes))
        lookups.append(pa.table({"raw": known, "code": pa.array(range(len(known)), pa.int32())}))
        categories.append(tuple(known))
    return categories, lookups


def _present_categories(
    view: DataView, variables: Sequence[Variable], counted: str
) -> tuple[list[tuple[str, ...]], list[pa.Table]]:
    """Categories from the values the counted rows hold (and the code list): one row per
    raw value (NaN and -NaN are one value to the engine), so no row is joined twice; all
    dimensions' values in one pass (grouping sets), no more than the limit allows."""
    limit = view.limits.max_categories
    most = len(variables) * limit
    grouped = (
        "SELECT "
        + ", ".join(
            f'GROUPING({col(v)}) AS g{i}, {col(v)} AS "{v.column}"' for i, v in enumerate(variables)
        )
        + f' FROM "{view.table}" AS w WHERE {counted} GROUP BY GROUPING SETS ('
        + ", ".join(f"({col(v)})" for v in variables)
        + f") LIMIT {most + 1}"
    )
    present = db.arrow(  # labels made from the few values found, not per row
        view.con,
        "SELECT "
        + ", ".join(
            f"g{i}, {col(v, 's')} AS raw{i}, {text_sql(v, 's')} AS label{i}"
            for i, v in enumerate(variables)
        )
        + f" FROM ({grouped}) AS s",
    )
    categories, lookups = [], []
    for i, variable in enumerate(variables):
        # Cut at the limit, the result still holds more than `limit` values of some
        # dimension whenever one has more (len(variables) sets of ≤ limit fit in `most`).
        mine = present.filter(
            pc.and_(pc.equal(present.column(f"g{i}"), 0), pc.is_valid(present.column(f"raw{i}")))
        )
        if mine.num_rows > limit:
            raise invalid_input(
                "too-many-categories",
                f"«{variable.name}» har flere enn {limit} ulike verdier og kan ikke brukes som "
                "kategori i en tabell. Bruk summarize, eller recode den til grupper først.",
                f"'{variable.name}' has more than {limit} distinct values and cannot be a "
                "category of a table. Use summarize, or recode it into groups first.",
                name=variable.name,
                limit=limit,
            )
        labels = [str(x) for x in mine.column(f"label{i}").to_pylist()]
        known = natural_order([*variable.codes, *labels])
        position = {label: k for k, label in enumerate(known)}
        codes = pa.array([position[label] for label in labels], pa.int32())
        lookups.append(pa.table({"raw": mine.column(f"raw{i}"), "code": codes}))
        categories.append(tuple(known))
    return categories, lookups


def _cells(
    view: DataView,
    variables: Sequence[Variable],
    value: Variable | None,
    counted: str,
    categories: list[tuple[str, ...]],
    lookups: list[pa.Table],
    *,
    every_value_listed: bool,
    missing: bool = False,
) -> Categorised | None:
    """Each counted row's cell (row-major), its protected unit and value, and the units
    left out (every row read once: a row not counted gets cell -2). Without
    `every_value_listed`, None when a counted row holds a value the lookups lack."""
    if missing:  # the missing category last in each dimension, always shown
        categories = [(*known, MISSING) for known in categories]
    shape = tuple(len(known) for known in categories)
    cells = math.prod(shape)
    if cells > view.limits.max_cells:
        raise invalid_input(
            "too-many-cells",
            f"Tabellen ville fått {cells} celler; grensen er {view.limits.max_cells}.",
            f"The table would have {cells} cells; the limit is {view.limits.max_cells}.",
            cells=cells,
            limit=view.limits.max_cells,
        )
    names = [f"regcat_categories_{i}" for i in range(len(variables))]
    # A left join: the rows the table leaves out are read in the same pass (cell -2).
    joins = [
        f"LEFT JOIN {name} AS c{i} ON c{i}.raw = {col(v)}"
        for i, (name, v) in enumerate(zip(names, variables, strict=True))
    ]
    codes = [
        f"CASE WHEN {col(v)} IS NULL THEN {shape[i] - 1} ELSE c{i}.code END"
        if missing
        else f"c{i}.code"
        for i, v in enumerate(variables)
    ]
    cell_sql = f"CAST({codes[0]} AS BIGINT)"
    for i in range(1, len(variables)):
        cell_sql = f"({cell_sql}) * {shape[i]} + {codes[i]}"
    value_sql = f", {number_sql(value)} AS value" if value is not None else ""
    try:
        for name, lookup in zip(names, lookups, strict=True):
            view.con.register(name, lookup)
        fetched = db.arrays(
            view.con,
            f"SELECT w.rowid AS r, CASE WHEN {counted} THEN COALESCE({cell_sql}, -1) "
            f'ELSE -2 END AS cell{value_sql} FROM "{view.table}" AS w {" ".join(joins)}',
        )
    finally:
        for name in names:
            view.con.unregister(name)
    view.check_memory(len(fetched["r"]), 3)
    cell = np.asarray(fetched["cell"], dtype=np.int64)
    rowids = np.asarray(fetched["r"], dtype=np.int64)
    values = None if value is None else np.asarray(fetched["value"], dtype=np.float64)
    left_out = np.zeros(0, dtype=np.int64)
    if len(cell) and int(cell.min()) < 0:
        if not every_value_listed and bool(np.any(cell == -1)):
            return None
        kept = cell >= 0
        left_out = view.rows.protected_positions[rowids[~kept]]
        left_out = left_out[left_out >= 0]  # a row without a protected unit is nobody's
        cell, rowids = cell[kept], rowids[kept]
        values = None if values is None else values[kept]
    protected = view.rows.protected(rowids)
    if len(left_out) and not view.state.unique_protected:
        # A unit with a counted row is in the table, whatever its other rows hold.
        left_out = np.setdiff1d(left_out, protected)
    return Categorised(
        tuple(v.name for v in variables),
        tuple(categories),
        tuple(listed_codes(v) | ({MISSING} if missing else set()) for v in variables),
        cell,
        protected,
        rowids,
        view.rows,
        values,
        left_out,
    )


def listed_codes(variable: Variable) -> frozenset[str]:
    """The labels a dimension may always show: its code list (true and false for a
    true/false variable), never values read from the data."""
    if variable.kind == Kind.BOOL:
        return frozenset({"true", "false"})
    return frozenset(variable.codes)


def category_labels(
    variables: Sequence[Variable], missing: bool
) -> dict[str, dict[str, dict[str, str]]]:
    """Per dimension, each code's title from the code list in bokmål and English (metadata,
    not data: every code of the list is named whether or not a unit holds it), and the
    missing category's."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for variable in variables:
        titles = {code: {"nb": nb, "en": en} for code, nb, en in variable.code_labels}
        if missing:
            titles[MISSING] = {"nb": MISSING_TITLE[0], "en": MISSING_TITLE[1]}
        out[variable.name] = titles
    return out


def _missing_option(request: Mapping[str, Any]) -> bool:
    missing = request.get("missing", False)
    if not isinstance(missing, bool):
        raise request_error(
            "missing",
            "«missing» må være true eller false.",
            "'missing' must be true or false.",
        )
    return missing


def prepare_tabulate(view: DataView, request: Mapping[str, Any]) -> TabulatePlan:
    variables = dimension_variables(view, request.get("vars"))
    missing = _missing_option(request)
    labels = category_labels(variables, missing)
    summarize = request.get("summarize")
    if summarize is None:
        percent = request.get("percent")
        if percent is not None and percent not in PERCENTAGES:
            raise request_error(
                "percent",
                f"«percent» må være en av {', '.join(PERCENTAGES)}.",
                f"'percent' must be one of {', '.join(PERCENTAGES)}.",
            )
        if percent in ("row", "column") and len(variables) < 2:
            raise request_error(
                "percent",
                "Rad- og kolonneprosent krever minst to variabler.",
                "Row and column percentages need at least two variables.",
            )
        return TabulatePlan(
            categorise(view, variables, missing=missing),
            None,
            (),
            percent or "cell",
            view.groups_of(variables),
            missing,
            labels,
        )
    value = view.variable(summarize, what="summarize")
    needs_number(value, "summarize")
    stats = request.get("stats", ["mean"])
    if not isinstance(stats, list) or not stats or any(s not in CELL_STATISTICS for s in stats):
        raise request_error(
            "stats",
            f"«stats» må være en liste av {', '.join(CELL_STATISTICS)}.",
            f"'stats' must be a list of {', '.join(CELL_STATISTICS)}.",
        )
    if {"median", "sd"} & set(stats):
        needs_unit_rows(view, "median og sd per celle / median and sd per cell")
    data = categorise(view, variables, value, missing=missing)
    if {"median", "sd"} & set(stats):
        limit = view.limits.max_statistic_cells
        occupied = len(np.unique(data.cell))
        if occupied > limit:
            raise invalid_input(
                "too-many-cells",
                f"Median og standardavvik per celle gis for høyst {limit} celler.",
                f"Median and standard deviation per cell are given for at most {limit} cells.",
                limit=limit,
            )
    groups = view.groups_of([*variables, value])
    return TabulatePlan(
        data, value.name, tuple(dict.fromkeys(stats)), None, groups, missing, labels
    )


@dataclass(frozen=True)
class TabulatePlan:
    data: Categorised
    measure: str | None
    stats: tuple[str, ...]
    percent: str | None
    groups: tuple[SetFingerprint, ...] = ()  # of variables made by aggregation
    missing: bool = False
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def release(self, context: ControlContext) -> list[Labelled]:
        data = self.data
        # Without `missing`, the units left out are counted (and with it, when the measure
        # is what is missing). A frequency table with `missing` leaves out nobody.
        left_out = None if self.missing and self.measure is None else data.left_out
        extra: dict[str, Any] = {"category_labels": self.labels}
        if self.measure is None:
            result = control_frequency_table(
                data.count_table(),
                context,
                groups=self.groups,
                percent_of=self.percent or "cell",
                left_out=left_out,
            )
            about = {"statistic": "count", "percent": self.percent, "missing": self.missing}
            return [Labelled(about, result, extra)]
        assert data.values is not None
        out = []
        magnitudes = [s for s in self.stats if s in ("sum", "mean")]
        if magnitudes:
            table = MagnitudeTable(self.measure, data.count_table(), data.values)
            result = control_magnitude_table(
                table, context, statistics=magnitudes, groups=self.groups, left_out=left_out
            )
            about = {"statistic": ",".join(magnitudes), "of": self.measure}
            out.append(Labelled(about, result, extra))
        per_cell = [s for s in self.stats if s in ("median", "sd")]
        if per_cell:
            out += self._per_cell(context, per_cell)
        return out

    def _per_cell(self, context: ControlContext, stats: list[str]) -> list[Labelled]:
        data = self.data
        assert data.values is not None and self.measure is not None
        shape = data.shape
        cell = data.cell
        units = data.units()
        order = np.argsort(cell, kind="stable")
        cell = cell[order]
        occupied = np.unique(cell)
        visible = cells_to_show(data.count_table(), context)
        out = []
        for c in occupied.tolist():
            if not visible[c]:
                continue
            lo, hi = np.searchsorted(cell, [c, c + 1])
            rows = order[lo:hi]
            values = UnitValues(self.measure, units[rows], data.values[rows])
            index = np.unravel_index(c, shape)
            labels = {
                d: data.categories[k][int(i)]
                for k, (d, i) in enumerate(zip(data.dimensions, index, strict=True))
            }
            if "median" in stats:
                result = control_percentiles(values, context, quantiles=(0.5,), groups=self.groups)
                about = {"statistic": "median", "of": self.measure, "cell": labels}
                out.append(Labelled(about, result, {"category_labels": self.labels}))
            if "sd" in stats:
                result = control_summary(values, context, groups=self.groups)
                about = {"statistic": "sd", "of": self.measure, "cell": labels}
                out.append(Labelled(about, result, {"category_labels": self.labels}))
        return out
