"""barchart: a Vega-Lite bar chart drawn only from a controlled table.

- `stat` count (the default) or percent: the bars of a categorical variable, from a
  perturbed frequency table without margins of the variable (and of `over`, `by` when
  given: one table of all of them); percent is each published count over the sum of the
  published counts (of its `by` group), computed in the chart.
- `stat` mean or sum: a numeric variable's mean or sum per category of `over` (and `by`),
  the released table being exactly tabulate's (`vars` [over, by], `summarize` the
  variable, `stats` [mean or sum]): the same request through the same module, so the same
  checks and noise.
- `stat` median, sd, iqr or gini: per category of `over` (and `by`) the variable's
  smoothed median or quartiles (iqr p75 − p25 of the published ones) or its winsorised
  sd or Gini, exactly tabulate's per-cell statistics of the same request: each category
  its own controlled result, none for a category whose perturbed count is below the
  threshold; the chart, with the last result, draws the published values only.
- `stat` min or max: per category of `over` (and `by`) the smoothed extremes, exactly
  summarize's and boxplot's whiskers (control_min_max, rule extreme-values): each the
  perturbed mean of the category's ten most extreme units, checked by dominance-nk on
  that set, withheld when the bottom and top sets would overlap (a perturbed count below
  twenty); a category is given a result only when its perturbed count reaches the
  threshold (as a per-cell median is), so one of fewer units gets none (missing). The
  result holds both extremes (one rule, one release); the chart draws the one asked.
- `stat` semean or sebinomial: sd/√count or √(mean·(1 − mean)/count) per category, of the
  published per-cell sd (or table of means) and tabulate's frequency table of the
  categories, both released as their own requests would be: numbers of released numbers.
- `over`: the categories along the axis (with a count, the variable's categories are
  then the bars within each, grouped side by side or with `stack` stacked); `by`: a panel
  per category; `horizontal` lays the chart on its side. None of these changes what is
  released, only how it is drawn."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text, localise

from ..output_control import (
    ControlContext,
    ControlledResult,
    UnitValues,
    control_frequency_table,
    control_min_max,
    vega_lite,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes, find
from .shared.common import (
    DataView,
    Labelled,
    Prepared,
    choice,
    needs_number,
    request_error,
    truth_option,
)
from .tabulate import (
    Categorised,
    categorise,
    category_labels,
    dimension_variables,
    per_unit_values,
)

STATS = (
    "count", "percent", "mean", "sum", "median", "sd", "iqr", "gini", "semean", "sebinomial",
    "min", "max",
)  # fmt: skip
# The smoothed extremes per category (rule extreme-values, control_min_max).
EXTREMES = ("min", "max")
# Per category its own controlled result, as tabulate's per-cell statistics release them:
# the statistic -> how its value is read from the cell's result (a row's label, or `iqr`
# beside it).
PER_CATEGORY = {"median": "0.5", "sd": "sd", "iqr": "iqr", "gini": "gini"}
# Made of released numbers per category: the statistic -> what it is made of besides the
# category's perturbed count (semean sd/√count, sebinomial √(mean·(1 − mean)/count)).
COMPOSED = {"semean": "sd", "sebinomial": "mean"}
_TITLES = {
    "count": ("Antall", "Count"),
    "percent": ("Prosent", "Percent"),
    "mean": ("Gjennomsnitt", "Mean"),
    "sum": ("Sum", "Sum"),
    "median": ("Median", "Median"),
    "sd": ("Standardavvik", "Standard deviation"),
    "iqr": ("Kvartilavstand", "Interquartile range"),
    "gini": ("Gini", "Gini"),
    "semean": ("Standardfeil av gjennomsnittet", "Standard error of the mean"),
    "sebinomial": ("Standardfeil av andelen", "Standard error of the share"),
    "min": ("Minimum (glattet)", "Minimum (smoothed)"),
    "max": ("Maksimum (glattet)", "Maximum (smoothed)"),
}


def prepare_bar_chart(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> BarChartPlan | MeasuredBars | CategoryBars | ComposedBars | ExtremeBars:
    stat = choice(request, "stat", STATS, "count")
    names = [request.get("var"), request.get("over"), request.get("by")]
    given = [n for n in names if n is not None]
    if len(set(map(str, given))) != len(given):
        raise request_error(
            "over",
            "«var», «over» og «by» må være forskjellige variabler.",
            "'var', 'over' and 'by' must be different variables.",
        )
    layout = Layout(
        stat,
        None if request.get("over") is None else str(request["over"]),
        None if request.get("by") is None else str(request["by"]),
        truth_option(request, "stack"),
        truth_option(request, "horizontal"),
        language,
    )
    if stat in ("count", "percent"):
        variables = dimension_variables(view, [request.get("var")], "var")
        for name in ("over", "by"):
            if request.get(name) is not None:
                variables += dimension_variables(view, [request.get(name)], name)
        return BarChartPlan(
            categorise(view, variables), language, view.groups_of(variables), layout
        )
    categories = [n for n in (layout.over, layout.by) if n is not None]
    if not categories:
        raise request_error(
            "over",
            f"«stat» {stat} trenger «over» (kategoriene søylene er for).",
            f"'stat' {stat} needs 'over' (the categories the bars are of).",
        )
    if stat in EXTREMES:
        dimensions = dimension_variables(view, categories, "over" if layout.over else "by")
        value = view.variable(request.get("var"), what="var")
        needs_number(value, "barchart")
        return ExtremeBars(
            categorise(view, dimensions, value),
            value.name,
            view.groups_of([*dimensions, value]),
            category_labels(dimensions, False),
            view.limits.max_statistic_cells,
            layout,
        )
    tabulate = find("tabulate")
    if stat in COMPOSED:
        table = {"vars": categories, "summarize": request.get("var"), "stats": [COMPOSED[stat]]}
        counts = tabulate.prepare(view, {"vars": categories}, language)
        return ComposedBars(tabulate.prepare(view, table, language), counts, layout)
    table = {"vars": categories, "summarize": request.get("var"), "stats": [stat]}
    prepared = tabulate.prepare(view, table, language)
    if stat in PER_CATEGORY:
        return CategoryBars(prepared, layout)
    return MeasuredBars(prepared, layout)


@dataclass(frozen=True)
class Layout:
    stat: str = "count"
    over: str | None = None
    by: str | None = None
    stack: bool = False
    horizontal: bool = False
    language: str = "nb"

    @property
    def plain(self) -> bool:
        return self == Layout(language=self.language)


@dataclass(frozen=True)
class BarChartPlan:
    data: Categorised
    language: str
    groups: tuple[SetFingerprint, ...] = ()
    layout: Layout = Layout()

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_frequency_table(
            self.data.count_table(), context, include_margins=False, groups=self.groups
        )
        if self.layout.plain:
            chart = vega_lite(result, self.language)
        else:
            chart = bar_chart(result, self.data.dimensions[0], self.layout)
        about = {"statistic": "bar-chart", "variable": self.data.dimensions[0]}
        if not self.layout.plain:
            about = {**about, "stat": self.layout.stat}
        return [Labelled(about, result, {"vega_lite": chart})]


@dataclass(frozen=True)
class MeasuredBars:
    table: Prepared
    layout: Layout

    def release(self, context: ControlContext) -> list[Labelled]:
        out = []
        for item in self.table.release(context):
            chart = bar_chart(item.result, None, self.layout)
            about = {**item.about, "statistic": "bar-chart", "stat": self.layout.stat}
            out.append(Labelled(about, item.result, {**item.extra, "vega_lite": chart}))
        return out


@dataclass(frozen=True)
class CategoryBars:
    """median, sd, iqr or gini per category: exactly tabulate's per-cell results (each
    category its own controlled result: a smoothed percentile or a winsorised summary,
    given only to a category whose perturbed count reaches the threshold), and with the
    last of them the chart, one bar per released value (published values only)."""

    table: Prepared
    layout: Layout

    def release(self, context: ControlContext) -> list[Labelled]:
        items = self.table.release(context)
        stat = self.layout.stat
        records = []
        for item in items:
            record: dict[str, Any] = {k: str(v) for k, v in item.about["cell"].items()}
            if stat == "iqr":
                value = item.extra.get("iqr")
            else:
                value = _row_value(item.result, PER_CATEGORY[stat])
            record[stat] = value if _published(value) else None
            records.append(record)
        out = []
        for index, item in enumerate(items):
            about = {**item.about, "statistic": "bar-chart", "stat": stat}
            extra = dict(item.extra)
            if index == len(items) - 1:
                extra["vega_lite"] = _bars(records, None, self.layout, item.result)
            out.append(Labelled(about, item.result, extra))
        return out


@dataclass(frozen=True)
class ExtremeBars:
    """min or max per category: the smoothed extremes of each category's units, released
    as summarize's min-max (control_min_max: the perturbed mean of the ten most extreme
    units, dominance-nk on that set, none when the two sets would overlap) and registered
    like it, one result per category whose perturbed count reaches the threshold (the
    cells a table would show, as tabulate's per-cell medians); with the last the chart,
    one bar per published value. A unit with several rows (panel form) counts once, with
    the mean of its rows (tabulate's per-cell rule)."""

    data: Categorised
    measure: str
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]
    per_cell_limit: int
    layout: Layout

    def release(self, context: ControlContext) -> list[Labelled]:
        data = self.data
        shown = data.shown_values(
            context,
            self.per_cell_limit,
            "over",
            f"Minimum og maksimum per kategori gis for høyst {self.per_cell_limit} kategorier.",
            f"Minimum and maximum per category are given for at most "
            f"{self.per_cell_limit} categories.",
        )
        stat = self.layout.stat
        released: list[tuple[dict[str, str], ControlledResult]] = []
        for c, units, cell_values in shown:
            values: UnitValues = per_unit_values(self.measure, units, cell_values)
            index = np.unravel_index(c, data.shape)
            cell = {
                d: str(data.categories[k][int(i)])
                for k, (d, i) in enumerate(zip(data.dimensions, index, strict=True))
            }
            released.append((cell, control_min_max(values, context, groups=self.groups)))
        records = []
        for cell, result in released:
            value = _row_value(result, stat)
            records.append({**cell, stat: value if _published(value) else None})
        out = []
        for n, (cell, result) in enumerate(released):
            about = {"statistic": "bar-chart", "stat": stat, "of": self.measure, "cell": cell}
            extra: dict[str, Any] = {"category_labels": self.labels}
            if n == len(released) - 1:
                extra["vega_lite"] = _bars(records, None, self.layout, result)
            out.append(Labelled(about, result, extra))
        return out


def _published(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row_value(result: ControlledResult, label: str) -> object:
    """The value of a one-column result's row labelled `label` (a summary's `sd`, a
    percentile's `0.5`), None when the result has no such row."""
    return next((r.values[0] for r in result.rows if r.labels[0] == label), None)


@dataclass(frozen=True)
class ComposedBars:
    """semean and sebinomial per category, made of released numbers only (as collapse's
    are of its group statistics): tabulate's per-cell sd (semean) or its table of means
    (sebinomial), and tabulate's frequency table of the categories (perturbed counts),
    each released exactly as its own request would be; per category sd/√count or
    √(mean·(1 − mean)/count) of the published values (none when one is withheld, or the
    share is not one), the chart with the last result."""

    part: Prepared
    counts: Prepared
    layout: Layout

    def release(self, context: ControlContext) -> list[Labelled]:
        stat = self.layout.stat
        parts = self.part.release(context)
        counted = self.counts.release(context)
        table = counted[0].result
        dims = table.dimensions
        values: dict[tuple[str, ...], object] = {}
        if stat == "semean":
            for item in parts:
                key = tuple(str(item.about["cell"][d]) for d in dims)
                values[key] = _row_value(item.result, "sd")
        else:
            for record in _records(parts[0].result, "mean"):
                values[tuple(record[d] for d in dims)] = record["mean"]
        records = []
        for record in _records(table, "count"):
            key = tuple(record[d] for d in dims)
            base, count = values.get(key), record["count"]
            value = None
            if _published(base) and _published(count) and count > 0:
                assert isinstance(base, int | float)
                inner = base * base / count if stat == "semean" else base * (1 - base) / count
                value = float(f"{math.sqrt(inner):.4g}") if inner >= 0 else None
            records.append({**{d: record[d] for d in dims}, stat: value})
        out = [
            Labelled(
                {**item.about, "statistic": "bar-chart", "stat": stat}, item.result, item.extra
            )
            for item in [*parts, *counted]
        ]
        last = out[-1]
        chart = _bars(records, None, self.layout, last.result)
        out[-1] = Labelled(last.about, last.result, {**last.extra, "vega_lite": chart})
        return out


def _records(result: ControlledResult, measure: str) -> list[dict[str, Any]]:
    at = result.columns.index(measure)
    out = []
    for row in result.rows:
        if None in row.labels:
            continue  # a margin
        record: dict[str, Any] = dict(zip(result.dimensions, map(str, row.labels), strict=True))
        value = row.values[at]
        published = isinstance(value, int | float) and not isinstance(value, bool)
        record[measure] = value if published else None
        out.append(record)
    return out


def bar_chart(result: ControlledResult, variable: str | None, layout: Layout) -> dict[str, Any]:
    """The bars from the result's published interior cells only (`variable`: the counted
    variable of a frequency table; None for a table of means or sums by category)."""
    if not isinstance(result, ControlledResult):
        raise TypeError("a bar chart is drawn from a ControlledResult")
    measure = "count" if variable is not None else layout.stat
    return _bars(_records(result, measure), variable, layout, result)


def _bars(
    records: list[dict[str, Any]],
    variable: str | None,
    layout: Layout,
    result: ControlledResult,
) -> dict[str, Any]:
    shown = "count" if variable is not None else layout.stat
    if layout.stat == "percent":
        shown = "percent"
        totals: dict[str | None, float] = {}
        for r in records:
            key = r.get(layout.by) if layout.by else None
            totals[key] = totals.get(key, 0) + (r["count"] or 0)
        for r in records:
            total = totals[r.get(layout.by) if layout.by else None]
            r["percent"] = None if r["count"] is None or not total else 100 * r["count"] / total
    along = layout.over or variable or layout.by
    value = {
        "field": shown,
        "type": "quantitative",
        "title": localise(_TITLES[layout.stat], layout.language),
    }
    encoding: dict[str, Any] = {"x": {"field": along, "type": "nominal"}, "y": value}
    if variable is not None and along != variable:
        encoding["color"] = {"field": variable, "type": "nominal"}
        if not layout.stack:
            encoding["xOffset"] = {"field": variable, "type": "nominal"}
    if layout.by is not None and along != layout.by:
        encoding["column"] = {"field": layout.by, "type": "nominal"}
    if layout.horizontal:
        swap = {"x": "y", "y": "x", "xOffset": "yOffset", "column": "row"}
        encoding = {swap.get(k, k): v for k, v in encoding.items()}
    return {
        "$schema": SCHEMA,
        "description": f"bar chart {layout.stat}, {result.datastore_version}",
        "data": {"values": records},
        "mark": "bar",
        "encoding": encoding,
    }


STATISTIC = Statistic(
    name="barchart",
    description=Text(
        "Et stolpediagram: antall eller prosent av en kategorisk variabel, eller "
        "gjennomsnitt eller sum av en numerisk variabel per kategori av «over», fra en "
        "kontrollert tabell.",
        "A bar chart: counts or percentages of a categorical variable, or the mean or sum "
        "of a numeric variable per category of 'over', from a controlled table.",
    ),
    fields=(
        Field("var", Takes.VARIABLE, required=True),
        Field(
            "stat",
            Takes.TEXT,
            choices=STATS,
            description=Text(
                "count (standard), percent, mean, sum, median, sd, iqr, gini, semean eller "
                "sebinomial (alle unntatt de to første krever «over»; median, sd, iqr og gini "
                "per kategori som tabulates statistikker per celle: glattede persentiler og "
                "winsorisert oppsummering; semean sd/√antall og sebinomial "
                "√(gjennomsnitt·(1 − gjennomsnitt)/antall) av publiserte tall).",
                "count (the default), percent, mean, sum, median, sd, iqr, gini, semean or "
                "sebinomial (all but the first two need 'over'; median, sd, iqr and gini per "
                "category as tabulate's per-cell statistics: smoothed percentiles and the "
                "winsorised summary; semean sd/√count and sebinomial √(mean·(1 − mean)/count) "
                "of published numbers).",
            ),
        ),
        Field(
            "over",
            Takes.VARIABLE,
            description=Text("Kategoriene langs aksen.", "The categories along the axis."),
        ),
        Field(
            "by",
            Takes.VARIABLE,
            description=Text("Et panel per kategori.", "A panel per category."),
        ),
        Field(
            "stack",
            Takes.TRUTH,
            description=Text("Stablede søyler (med «over»).", "Stacked bars (with 'over')."),
        ),
        Field(
            "horizontal",
            Takes.TRUTH,
            description=Text("Liggende søyler.", "Horizontal bars."),
        ),
    ),
    releases=("frequency-table", "magnitude-table", "percentiles", "summary", "min-max"),
    prepare=prepare_bar_chart,
    request="BarChart",
    example={"var": "kommune"},
)
