"""tabulate: counts of distinct units by 1–4 variables (with margins, and row, column or
cell percentages, one or several of them: `percents`), or a numeric variable summarised per cell (mean and sum through the
magnitude-table rules; median, p25, p75 and iqr through the smoothed-percentile rule and
sd and gini through the winsorised-summary rule, per cell: docs/OUTPUT_CONTROL.md §3
`smoothed-percentile` and `winsorised-summary`).

In panel form a cell's percentiles, sd and Gini are over its units: a unit's rows in the cell
are averaged first (with the panel's date a dimension, as tabulate-panel has it, each unit has
one row per cell and nothing is averaged), as meanplot does.

Per-cell statistics of small groups: a cell gets a percentile, sd or Gini of its own only
when its perturbed count reaches the threshold (as a frequency table would publish it);
within it the rules decide on the perturbed count again (a percentile needs `min_units`
units, the window otherwise withheld; the Gini and sd `min_units` and `min_dof`), so a
small group's value is missing with the rule's reason, never a refusal that tells its
exact size (OUTPUT_CONTROL.md §3 `smoothed-percentile`, `winsorised-summary`). `iqr` is
p75 − p25 of the same cell's released smoothed percentiles (computed from published values
only, `extra`), missing when either is withheld.

`chi2` (a two-way frequency table) adds Pearson's chi-square test of independence computed
from the PUBLISHED, perturbed table: the interior cells as released (cell key noise on each),
rows and columns whose published margin is missing or 0 left out; a withheld interior cell
left in the remaining table gives no test (`null` and a reason), because any number put in
its place would be a guess or the unperturbed count. Nothing unpublished is read, so the
test releases nothing the table does not.

A dimension shows every code of its code list (true and false for a true/false variable),
so the table does not tell which codes occur, plus the values found in the data that are
common: held by units whose perturbed count reaches the threshold. Rarer values' units go
to one category of rare values (`OTHER_VALUES`) that output control never shows. The limits
on categories and cells count codes and common values only: a limit on every distinct
value would be a refusal that tells whether one unit holds a value no other does
(docs/OUTPUT_CONTROL.md §8). A common value is a label only on a cell that is published, and
a per-cell median or sd is computed only for cells whose perturbed count reaches the
threshold.

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
import scipy.stats

from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import Text

from .. import db
from ..output_control import (
    OTHER_VALUES,
    ControlContext,
    ControlledResult,
    CountTable,
    MagnitudeTable,
    PositionKeys,
    UnitValues,
    cells_to_show,
    control_frequency_table,
    control_magnitude_table,
    control_percentiles,
    control_summary,
    reaching_threshold,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.rounding import significant
from ..output_control.rules.budget import Budget
from ..output_control.rules.cell_key_noise import CellKeyNoise
from ..output_control.rules.threshold import Threshold
from ..statistic import Field, Statistic, Takes
from ..unit_keys.rows import RowKeys
from ..variables import PROTECT_COLUMN, Kind, Variable
from .shared.common import (
    DataView,
    Labelled,
    col,
    natural_order,
    needs_number,
    number_sql,
    request_error,
    text_sql,
    truth_option,
)

CELL_STATISTICS = ("mean", "sum", "median", "sd", "p25", "p75", "gini", "iqr")
# Per-cell statistics: those drawn from smoothed percentiles (their quantiles) and those
# drawn from the winsorised summary.
QUANTILES_OF = {"p25": (0.25,), "median": (0.5,), "p75": (0.75,), "iqr": (0.25, 0.75)}
SUMMARY_STATISTICS = ("sd", "gini")
PER_CELL = (*QUANTILES_OF, *SUMMARY_STATISTICS)
PERCENTAGES = ("cell", "row", "column")
CHI2_DIGITS = 4  # figures of the chi-square statistic and its p-value
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

    def shown_values(
        self, context: ControlContext, most: int, field: str, nb: str, en: str
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Each cell a table would show (cells_to_show: its perturbed count reaches the
        threshold) that holds rows, in cell order, with its rows' workspace units and values
        (a per-cell chart's input). More than `most` such cells (the chart's limit) is a
        request error on `field` in the chart's words (`nb`, `en`)."""
        assert self.values is not None
        visible = cells_to_show(self.count_table(), context)
        if sum(visible) > most:
            raise request_error(field, nb, en, limit=most)
        order = np.argsort(self.cell, kind="stable")
        cells = self.cell[order]
        units = self.units()
        shown = []
        for c in np.unique(cells).tolist():
            if visible[c]:
                lo, hi = np.searchsorted(cells, [c, c + 1])
                rows = order[lo:hi]
                shown.append((c, units[rows], self.values[rows]))
        return shown


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
    conditions = ([] if missing else [f"{col(v)} IS NOT NULL" for v in variables]) + (
        [f"isfinite({number_sql(value)})"] if value is not None else []
    )
    counted = " AND ".join(conditions) or "TRUE"
    # Each dimension's values get their category's index in a small table the rows join
    # (the engine then hands over integers, never millions of labels). Code variables
    # whose code lists fit the limit first try their code lists alone: if every value
    # counted is a code, the categories are the code list and one pass over the rows does.
    listed = _code_list_categories(view, variables)
    if listed is not None:
        found = _cells(view, variables, value, counted, *listed, None, missing=missing)
        if found is not None:
            return found
    # The same rows, without the conditions every row meets: each dimension's values are
    # then one query of its own, whoever stands beside it (DataView.memo keeps it).
    narrowed = " AND ".join(c for c in conditions if not _on_every_row(view, c)) or "TRUE"
    categories, lookups, buckets = _present_categories(view, variables, narrowed)
    found = _cells(view, variables, value, counted, categories, lookups, buckets, missing=missing)
    assert found is not None
    return found


def _on_every_row(view: DataView, condition: str) -> bool:
    """Whether every row of the view's table meets `condition` (NULL is not meeting it),
    asked once while the rows are the same (DataView.memo; without a memo: False, and the
    condition is kept)."""
    if view.memo is None:
        return False
    key = ("on-every-row", view.table, condition)
    if key not in view.memo:
        (held,) = db.one(
            view.con, f'SELECT bool_and(COALESCE({condition}, FALSE)) FROM "{view.table}" AS w'
        )
        view.memo[key] = held is True
    return bool(view.memo[key])


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
) -> tuple[list[tuple[str, ...]], list[pa.Table], list[int | None]]:
    """Per dimension its categories, the lookup from raw values to them, and where the
    category of rare values (`OTHER_VALUES`) sits, if the dimension has one.

    A dimension's categories are its listed codes (always) and the values found in the
    data that are common: held by units whose perturbed count reaches the threshold (as a
    frequency table would publish it). Every other value's units go to the category of
    rare values, which is never shown (its units count in the margins). So whether a value
    is held by one unit or by none changes nothing a researcher sees, and the limit on
    categories (`max_categories`) counts listed codes and common values only: a refusal
    that counted every distinct value would tell whether one unit holds a value no other
    does (OUTPUT_CONTROL.md §1.5)."""
    limit = view.limits.max_categories
    least = view.parameters.of(Threshold).min_count
    noise = view.parameters.of(CellKeyNoise)
    spread = noise.max_noise if noise.enabled else 0
    categories: list[tuple[str, ...]] = []
    lookups: list[pa.Table] = []
    buckets: list[int | None] = []
    for variable in variables:
        listed = sorted(listed_codes(variable))
        found = _candidate_values(view, variable, counted, listed, max(1, least - spread))
        labels = [str(x) for x in found.column("label").to_pylist()]
        sizes = found.column("n").to_numpy(zero_copy_only=False)
        data_labels = sorted(set(labels) - set(listed) - {OTHER_VALUES})
        largest: dict[str, int] = {}
        for label, n in zip(labels, sizes.tolist(), strict=True):
            largest[label] = max(largest.get(label, 0), int(n))
        sure = {label for label in data_labels if largest[label] >= least + spread}
        if len(listed) + len(sure) > limit:
            raise _too_many_categories(variable, limit)
        common = sure | _common_values(
            view, variable, counted, found, sorted(set(data_labels) - sure)
        )
        if len(listed) + len(common) > limit:
            raise _too_many_categories(variable, limit)
        known = natural_order([*listed, *common])
        position = {label: k for k, label in enumerate(known)}
        kept = [i for i, label in enumerate(labels) if label in position]
        codes = pa.array([position[labels[i]] for i in kept], pa.int32())
        lookups.append(
            pa.table({"raw": found.column("raw").take(pa.array(kept, pa.int64())), "code": codes})
        )
        categories.append((*known, OTHER_VALUES))
        buckets.append(len(known))
    return categories, lookups, buckets


def _candidate_values(
    view: DataView, variable: Variable, counted: str, listed: Sequence[str], floor: int
) -> pa.Table:
    """The raw values the counted rows hold, each with its label and its exact number of
    distinct protected units: the listed codes, and any value held by at least `floor`
    units (fewer can never reach the threshold, whatever their noise). Never shown: what
    decides is each value's perturbed count (_common_values)."""
    grouped = (
        f'SELECT {col(variable)} AS "{variable.column}", '
        f'COUNT(DISTINCT w."{PROTECT_COLUMN}") AS n FROM "{view.table}" AS w '
        f"WHERE {counted} AND {col(variable)} IS NOT NULL GROUP BY 1"
    )
    sql = (
        f"SELECT * FROM (SELECT {col(variable, 's')} AS raw, {text_sql(variable, 's')} AS label, "
        f"n FROM ({grouped}) AS s) WHERE n >= ? OR list_contains(?::VARCHAR[], label)"
    )
    # The same query of the same rows has the same answer (DataView.memo): a table asked
    # again with another measure or another dimension beside this one reads it once.
    key = ("candidate-values", sql, floor, tuple(listed))
    if view.memo is not None and key in view.memo:
        found: pa.Table = view.memo[key]
        return found
    found = db.arrow(view.con, sql, [floor, list(listed)])
    if view.memo is not None:
        view.memo[key] = found
    return found


def _common_values(
    view: DataView, variable: Variable, counted: str, found: pa.Table, labels: Sequence[str]
) -> set[str]:
    """Of these values found in the data, those whose units' perturbed count reaches the
    threshold: their rows, grouped by label, with the units' own keys."""
    if not labels:
        return set()
    index = {label: k for k, label in enumerate(labels)}
    raw_labels = [str(x) for x in found.column("label").to_pylist()]
    chosen = [i for i, label in enumerate(raw_labels) if label in index]
    lookup = pa.table(
        {
            "raw": found.column("raw").take(pa.array(chosen, pa.int64())),
            "k": pa.array([index[raw_labels[i]] for i in chosen], pa.int64()),
        }
    )
    name = "regcat_candidate_values"
    with db.registered(view.con, {name: lookup}):
        fetched = db.arrays(
            view.con,
            f'SELECT w.rowid AS r, c.k AS k FROM "{view.table}" AS w '
            f"JOIN {name} AS c ON c.raw = {col(variable)} WHERE {counted}",
        )
    view.check_memory(len(fetched["r"]), 2)
    units = view.rows.protected(np.asarray(fetched["r"], dtype=np.int64))
    reached = reaching_threshold(
        view.parameters,
        np.asarray(fetched["k"], dtype=np.int64),
        units,
        PositionKeys(view.rows.snapshot.arrays),
    )
    return {labels[k] for k in np.flatnonzero(reached).tolist()}


def _too_many_categories(variable: Variable, limit: int) -> RegcatError:
    return invalid_input(
        "too-many-categories",
        f"«{variable.name}» har flere enn {limit} verdier som hver har minst så mange "
        "enheter som en tabell viser, og kan ikke brukes som kategori i en tabell. Bruk "
        "summarize, eller recode den til grupper først.",
        f"'{variable.name}' has more than {limit} values each held by as many units as a "
        "table shows, and cannot be a category of a table. Use summarize, or recode it into "
        "groups first.",
        name=variable.name,
        limit=limit,
    )


def _cells(
    view: DataView,
    variables: Sequence[Variable],
    value: Variable | None,
    counted: str,
    categories: list[tuple[str, ...]],
    lookups: list[pa.Table],
    buckets: Sequence[int | None] | None,
    *,
    missing: bool = False,
) -> Categorised | None:
    """Each counted row's cell (row-major), its protected unit and value, and the units
    left out (every row read once: a row not counted gets cell -2). `buckets` gives per
    dimension the category of the values the lookup lacks (rare values); without it, None
    when a counted row holds a value the lookups lack."""
    if missing:  # the missing category last in each dimension, always shown
        categories = [(*known, MISSING) for known in categories]
    shape = tuple(len(known) for known in categories)
    # The category of rare values is never shown: the limit counts the others only (it
    # exists in every dimension that has values outside its code list, whatever they are).
    shown = math.prod(
        n - (buckets is not None and buckets[i] is not None) for i, n in enumerate(shape)
    )
    if shown > view.limits.max_cells:
        raise invalid_input(
            "too-many-cells",
            f"Tabellen ville fått {shown} celler; grensen er {view.limits.max_cells}.",
            f"The table would have {shown} cells; the limit is {view.limits.max_cells}.",
            cells=shown,
            limit=view.limits.max_cells,
        )
    names = [f"regcat_categories_{i}" for i in range(len(variables))]
    # A left join: the rows the table leaves out are read in the same pass (cell -2).
    joins = [
        f"LEFT JOIN {name} AS c{i} ON c{i}.raw = {col(v)}"
        for i, (name, v) in enumerate(zip(names, variables, strict=True))
    ]
    found = [
        f"c{i}.code"
        if buckets is None or buckets[i] is None
        else f"COALESCE(c{i}.code, {buckets[i]})"
        for i in range(len(variables))
    ]
    codes = [
        f"CASE WHEN {col(v)} IS NULL THEN {shape[i] - 1} ELSE {found[i]} END"
        if missing
        else found[i]
        for i, v in enumerate(variables)
    ]
    cell_sql = f"CAST({codes[0]} AS BIGINT)"
    for i in range(1, len(variables)):
        cell_sql = f"({cell_sql}) * {shape[i]} + {codes[i]}"
    value_sql = f", {number_sql(value)} AS value" if value is not None else ""
    with db.registered(view.con, dict(zip(names, lookups, strict=True))):
        fetched = db.arrays(
            view.con,
            f"SELECT w.rowid AS r, CASE WHEN {counted} THEN COALESCE({cell_sql}, -1) "
            f'ELSE -2 END AS cell{value_sql} FROM "{view.table}" AS w {" ".join(joins)}',
        )
    view.check_memory(len(fetched["r"]), 3)
    cell = np.asarray(fetched["cell"], dtype=np.int64)
    rowids = np.asarray(fetched["r"], dtype=np.int64)
    values = None if value is None else np.asarray(fetched["value"], dtype=np.float64)
    left_out = np.zeros(0, dtype=np.int64)
    if len(cell) and int(cell.min()) < 0:
        if buckets is None and bool(np.any(cell == -1)):
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


def _chi2_option(request: Mapping[str, Any], dimensions: int) -> bool:
    chi2 = truth_option(request, "chi2")
    if chi2 and dimensions != 2:
        raise request_error(
            "chi2",
            "«chi2» (Pearsons kjikvadrattest av uavhengighet) krever nøyaktig to variabler.",
            "'chi2' (Pearson's chi-square test of independence) needs exactly two variables.",
        )
    return chi2


def pearson_chi2(result: ControlledResult) -> dict[str, Any]:
    """Pearson's chi-square test of independence on a two-way table AS PUBLISHED: its
    interior cells' perturbed counts; a row or column whose published margin is missing or
    0 is left out; a withheld cell in what remains gives no test (None and a reason)."""
    cells: dict[tuple[str, str], int | None] = {}
    margins: dict[tuple[int, str], Any] = {}
    for row in result.rows:
        a, b = row.labels
        count = row.values[0]
        if a is not None and b is not None:
            cells[(a, b)] = count if isinstance(count, int) else None
        elif a is not None and b is None:
            margins[(0, a)] = count
        elif a is None and b is not None:
            margins[(1, b)] = count
    rows = sorted(
        {a for a, _ in cells if isinstance(margins.get((0, a)), int) and margins[(0, a)] > 0}
    )
    columns = sorted(
        {b for _, b in cells if isinstance(margins.get((1, b)), int) and margins[(1, b)] > 0}
    )
    table = "published"  # which table: the released perturbed counts, never the exact ones
    if len(rows) < 2 or len(columns) < 2:
        return {"statistic": None, "df": None, "p_value": None, "table": table,
                "reason": "too-few-categories"}  # fmt: skip
    observed = np.zeros((len(rows), len(columns)))
    for i, a in enumerate(rows):
        for j, b in enumerate(columns):
            count = cells.get((a, b))
            if count is None:
                return {"statistic": None, "df": None, "p_value": None, "table": table,
                        "reason": "cell-withheld"}  # fmt: skip
            observed[i, j] = count
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0) / observed.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    df = (len(rows) - 1) * (len(columns) - 1)
    p_value = float(scipy.stats.chi2.sf(statistic, df))
    return {
        "statistic": significant(statistic, CHI2_DIGITS),
        "df": df,
        "p_value": significant(p_value, CHI2_DIGITS),
        "table": table,
        "rows": rows,
        "columns": columns,
    }


def prepare_tabulate(view: DataView, request: Mapping[str, Any]) -> TabulatePlan:
    variables = dimension_variables(view, request.get("vars"))
    missing = truth_option(request, "missing")
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
        bases = _percents_option(request, percent)
        if {percent, *bases} & {"row", "column"} and len(variables) < 2:
            raise request_error(
                "percents" if bases else "percent",
                "Rad- og kolonneprosent krever minst to variabler.",
                "Row and column percentages need at least two variables.",
            )
        return TabulatePlan(
            categorise(view, variables, missing=missing),
            None,
            (),
            bases or percent or "cell",
            view.groups_of(variables),
            missing,
            labels,
            chi2=_chi2_option(request, len(variables)),
        )
    if request.get("chi2"):
        raise request_error(
            "chi2",
            "«chi2» er en test av en frekvenstabell og gis ikke med «summarize».",
            "'chi2' is a test of a frequency table and is not given with 'summarize'.",
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
    data = categorise(view, variables, value, missing=missing)
    groups = view.groups_of([*variables, value])
    return TabulatePlan(
        data,
        value.name,
        tuple(dict.fromkeys(stats)),
        None,
        groups,
        missing,
        labels,
        view.limits.max_statistic_cells,
    )


def _percents_option(request: Mapping[str, Any], percent: str | None) -> tuple[str, ...]:
    """`percents`: several bases in one table (a column `percent_<base>` each, in the order
    asked), all from the same published counts; not with `percent`."""
    percents = request.get("percents")
    if percents is None:
        return ()
    if (
        not isinstance(percents, list)
        or not 2 <= len(percents) <= len(PERCENTAGES)
        or any(p not in PERCENTAGES for p in percents)
        or len(set(percents)) != len(percents)
    ):
        raise request_error(
            "percents",
            f"«percents» må være en liste av to eller tre ulike av {', '.join(PERCENTAGES)}.",
            f"'percents' must be a list of two or three distinct of {', '.join(PERCENTAGES)}.",
        )
    if percent is not None:
        raise request_error(
            "percents",
            "Gi enten «percent» (én prosentsats) eller «percents» (flere), ikke begge.",
            "Give either 'percent' (one percentage) or 'percents' (several), not both.",
        )
    return tuple(percents)


@dataclass(frozen=True)
class TabulatePlan:
    data: Categorised
    measure: str | None
    stats: tuple[str, ...]
    percent: str | tuple[str, ...] | None
    groups: tuple[SetFingerprint, ...] = ()  # of variables made by aggregation
    missing: bool = False
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    per_cell_limit: int = 0  # most cells given a median or sd of their own
    chi2: bool = False  # Pearson's test of the published two-way table beside it

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
            percent = list(self.percent) if isinstance(self.percent, tuple) else self.percent
            about = {"statistic": "count", "percent": percent, "missing": self.missing}
            if self.chi2:
                extra["chi2"] = pearson_chi2(result)
            return [Labelled(about, result, extra)]
        assert data.values is not None
        out = []
        # Which cells get a median or sd of their own is decided on perturbed counts (as
        # a frequency table would publish them), and so is the limit on how many: the
        # number of cells that hold a unit would tell an empty cell from one of one unit.
        visible = cells_to_show(data.count_table(), context) if self._per_cell_stats() else []
        if sum(visible) > self.per_cell_limit:
            raise invalid_input(
                "too-many-cells",
                f"Median og standardavvik per celle gis for høyst {self.per_cell_limit} celler "
                "som hver har minst så mange enheter som en tabell viser.",
                f"Median and standard deviation per cell are given for at most "
                f"{self.per_cell_limit} cells each holding as many units as a table shows.",
                limit=self.per_cell_limit,
            )
        magnitudes = [s for s in self.stats if s in ("sum", "mean")]
        if magnitudes:
            table = MagnitudeTable(self.measure, data.count_table(), data.values)
            result = control_magnitude_table(
                table, context, statistics=magnitudes, groups=self.groups, left_out=left_out
            )
            about = {"statistic": ",".join(magnitudes), "of": self.measure}
            out.append(Labelled(about, result, extra))
        per_cell = [s for s in self.stats if s in PER_CELL]
        if per_cell:
            out += self._per_cell(context, per_cell, visible)
        return out

    def _per_cell_stats(self) -> bool:
        return any(s in PER_CELL for s in self.stats)

    def _per_cell(
        self, context: ControlContext, stats: list[str], visible: list[bool]
    ) -> list[Labelled]:
        data = self.data
        assert data.values is not None and self.measure is not None
        shape = data.shape
        cell = data.cell
        units = data.units()
        order = np.argsort(cell, kind="stable")
        cell = cell[order]
        occupied = np.unique(cell)
        out = []
        for c in occupied.tolist():
            if not visible[c]:
                continue
            lo, hi = np.searchsorted(cell, [c, c + 1])
            rows = order[lo:hi]
            values = per_unit_values(self.measure, units[rows], data.values[rows])
            index = np.unravel_index(c, shape)
            labels = {
                d: data.categories[k][int(i)]
                for k, (d, i) in enumerate(zip(data.dimensions, index, strict=True))
            }
            asked = [s for s in stats if s in QUANTILES_OF]
            if asked:
                quantiles = tuple(sorted({q for s in asked for q in QUANTILES_OF[s]}))
                result = control_percentiles(
                    values, context, quantiles=quantiles, groups=self.groups
                )
                name = "median" if asked == ["median"] else ",".join(asked)
                about = {"statistic": name, "of": self.measure, "cell": labels}
                extra: dict[str, Any] = {"category_labels": self.labels}
                if "iqr" in asked:
                    extra["iqr"] = interquartile_range(result)
                out.append(Labelled(about, result, extra))
            summarised = [s for s in stats if s in SUMMARY_STATISTICS]
            if summarised:
                result = control_summary(values, context, groups=self.groups)
                about = {"statistic": ",".join(summarised), "of": self.measure, "cell": labels}
                out.append(Labelled(about, result, {"category_labels": self.labels}))
        return out


def per_unit_values(measure: str, units: np.ndarray, values: np.ndarray) -> UnitValues:
    """A cell's values, one per unit: the mean of a unit's rows when it has several (panel
    form, the date not a dimension), so that each unit counts once, as the cell's count
    counts it; the values as they are when every unit has one row (meanplot's rule too)."""
    found, at = np.unique(units, return_inverse=True)
    if len(found) == len(units):
        return UnitValues(measure, units, values)
    sums = np.bincount(at, weights=values.astype(np.float64), minlength=len(found))
    rows = np.bincount(at, minlength=len(found))
    return UnitValues(measure, found, sums / rows)


def interquartile_range(result: ControlledResult) -> float | None:
    """p75 − p25 of released smoothed percentiles (published values only), None when
    either is withheld."""
    found = {row.labels[0]: row.values[0] for row in result.rows}
    low, high = found.get("0.25"), found.get("0.75")
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return None
    return float(f"{high - low:.12g}")  # no float artefacts: both are rounded already


STATISTIC = Statistic(
    name="tabulate",
    description=Text(
        "Opptellinger etter 1–4 variabler, eller en tallvariabel oppsummert per celle.",
        "Counts by 1–4 variables, or a numeric variable summarised per cell.",
    ),
    fields=(
        Field(
            "vars",
            Takes.VARIABLE,
            many=True,
            required=True,
            count=(1, None),
            description=Text(
                "Tabellens dimensjoner: høyst så mange som datalagerets budsjett for "
                "utdatakontroll tillater (max_variables, 4 som standard; flere gir 422).",
                "The table's dimensions: at most as many as the datastore's output-control "
                "budget allows (max_variables, 4 by default; more is 422).",
            ),
        ),
        Field(
            "summarize",
            Takes.VARIABLE,
            description=Text("En tallvariabel per celle.", "A numeric variable per cell."),
        ),
        Field(
            "stats",
            Takes.TEXT,
            many=True,
            choices=CELL_STATISTICS,
            count=(1, None),
            description=Text(
                "Med summarize; standard mean. mean og sum som magnitudetabell; median, p25, "
                "p75 og iqr (p75 − p25 av de publiserte) som glattede persentiler per celle; "
                "sd og gini som winsorisert oppsummering per celle.",
                "With summarize; default mean. mean and sum as a magnitude table; median, "
                "p25, p75 and iqr (p75 − p25 of the published ones) as smoothed percentiles "
                "per cell; sd and gini as a winsorised summary per cell.",
            ),
        ),
        Field(
            "percent",
            Takes.TEXT,
            choices=PERCENTAGES,
            description=Text(
                "Hva hver rads prosent er av: totalen (cell, standard), radens total over den "
                "siste variabelen (row) eller kolonnens total over den første (column).",
                "What each row's percent is of: the grand total (cell, the default), the "
                "row's total over the last variable (row) or the column's total over the "
                "first (column).",
            ),
        ),
        Field(
            "percents",
            Takes.TEXT,
            many=True,
            choices=PERCENTAGES,
            count=(2, 3),
            description=Text(
                "Flere prosentsatser i én tabell (ikke sammen med percent): en kolonne "
                "percent_<grunnlag> for hver, i rekkefølgen de er gitt, alle regnet fra de "
                "samme publiserte (perturberte) antallene.",
                "Several percentages in one table (not with percent): a column "
                "percent_<base> for each, in the order given, all computed from the same "
                "published (perturbed) counts.",
            ),
        ),
        Field(
            "chi2",
            Takes.TRUTH,
            description=Text(
                "Pearsons kjikvadrattest av uavhengighet i en toveistabell, regnet fra den "
                "publiserte (perturberte) tabellen; rader og kolonner uten publisert margin "
                "utelates, og en tilbakeholdt celle gir ingen test (results[0].chi2).",
                "Pearson's chi-square test of independence of a two-way table, computed from "
                "the published (perturbed) table; rows and columns without a published "
                "margin are left out, and a withheld cell gives no test (results[0].chi2).",
            ),
        ),
        Field(
            "missing",
            Takes.TRUTH,
            description=Text(
                "Enheter med manglende verdi på en variabel er en egen kategori (merket .); "
                "uten det utelates de, og result.summary.left_out sier hvor mange (et "
                "perturbert antall).",
                "Units with a missing value on a variable are a category of their own "
                "(labelled .); without it they are left out and result.summary.left_out says "
                "how many (a perturbed count).",
            ),
        ),
    ),
    releases=("frequency-table", "magnitude-table", "percentiles", "summary"),
    prepare=lambda view, request, _language: prepare_tabulate(view, request),
    request="Tabulate",
    example={"vars": ["kjonn", "utdanning"], "percent": "row"},
)
