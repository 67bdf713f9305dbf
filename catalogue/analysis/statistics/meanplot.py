"""meanplot: the mean of a numeric variable over a time (or period) variable, optionally one
line per group, with a 95 % confidence band, as a Vega-Lite chart drawn only from
controlled tables.

Three controlled results are released, each through its own rules and each registered in
the differencing guard by the control function that makes it: the cell means (the
magnitude-table rules), the cell counts (a frequency table without margins) and, for every
cell whose perturbed count reaches the threshold, the cell's winsorised standard deviation
(the summary rules). A point of the chart is a cell whose perturbed mean, perturbed count
and perturbed sd are all published; its band is mean ± 1.96·sd/√count computed from those
published numbers, so the chart shows nothing the three tables do not. A cell withheld by
any of them is not drawn (a gap in the line), never drawn as zero.

In panel form (one row per unit and date, as an event-time study has) a cell's sd is over
its units: a unit's rows in the cell are averaged first, so each unit counts once, as the
cell count counts it. With one row per unit and cell (the time variable the panel's date,
or an event time made from it) that is the rows' sd itself."""

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
    MagnitudeTable,
    cells_to_show,
    control_frequency_table,
    control_magnitude_table,
    control_summary,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_number, request_error
from .tabulate import Categorised, categorise, category_labels, per_unit_values

Z95 = 1.959963984540054  # the normal 97.5 % quantile: a two-sided 95 % band


def prepare_meanplot(view: DataView, request: Mapping[str, Any], language: str = "nb") -> MeanPlot:
    value = view.variable(request.get("y"), what="y")
    needs_number(value, "meanplot")
    time = view.variable(request.get("time"), what="time")
    variables = [time]
    by = request.get("by")
    if by is not None:
        group = view.variable(by, what="by")
        if group.name == time.name:
            raise request_error(
                "by",
                "«by» må være en annen variabel enn «time».",
                "'by' must be another variable than 'time'.",
            )
        variables.append(group)
    if value.name in {v.name for v in variables}:
        raise request_error(
            "y",
            "«y» må være en annen variabel enn «time» og «by».",
            "'y' must be another variable than 'time' and 'by'.",
        )
    return MeanPlot(
        categorise(view, variables, value),
        value.name,
        language,
        view.groups_of([*variables, value]),
        category_labels(variables, False),
        view.limits.max_statistic_cells,
    )


@dataclass(frozen=True)
class MeanPlot:
    data: Categorised
    measure: str
    language: str
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]
    per_cell_limit: int

    def release(self, context: ControlContext) -> list[Labelled]:
        data = self.data
        table = data.count_table()
        # Which cells get an sd is decided on perturbed counts, as tabulate decides it.
        visible = cells_to_show(table, context)
        if sum(visible) > self.per_cell_limit:
            raise request_error(
                "time",
                f"Kurven kan ha høyst {self.per_cell_limit} punkter (tid × gruppe).",
                f"The chart can have at most {self.per_cell_limit} points (time × group).",
                limit=self.per_cell_limit,
            )
        assert data.values is not None
        means = control_magnitude_table(
            MagnitudeTable(self.measure, table, data.values),
            context,
            statistics=["mean"],
            groups=self.groups,
        )
        counts = control_frequency_table(table, context, include_margins=False, groups=self.groups)
        sds = self._cell_sds(context, visible)
        chart = band_chart(means, counts, sds, self.language, self.measure)
        extra = {"category_labels": self.labels}
        about = {"statistic": "meanplot", "of": self.measure, "over": list(data.dimensions)}
        out = [
            Labelled({**about, "table": "mean"}, means, {**extra, "vega_lite": chart}),
            Labelled({**about, "table": "count"}, counts, extra),
        ]
        for cell, result in sds.items():
            cell_about = {
                **about,
                "table": "sd",
                "cell": dict(zip(data.dimensions, cell, strict=True)),
            }
            out.append(Labelled(cell_about, result, extra))
        return out

    def _cell_sds(
        self, context: ControlContext, visible: list[bool]
    ) -> dict[tuple[str, ...], ControlledResult]:
        """Per shown cell (by its labels) its controlled summary (mean, sd, Gini)."""
        data = self.data
        assert data.values is not None
        units = data.units()
        order = np.argsort(data.cell, kind="stable")  # one sort, then a slice per cell
        cells = data.cell[order]
        found: dict[tuple[str, ...], ControlledResult] = {}
        for index in np.unique(cells).tolist():
            if not visible[index]:
                continue
            lo, hi = np.searchsorted(cells, [index, index + 1])
            rows = order[lo:hi]
            position = _unravel(index, data.shape)
            labels = tuple(data.categories[d][i] for d, i in enumerate(position))
            values = per_unit_values(self.measure, units[rows], data.values[rows])
            found[labels] = control_summary(values, context, groups=self.groups)
        return found


def _unravel(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    position = []
    for size in reversed(shape):
        position.append(index % size)
        index //= size
    return tuple(reversed(position))


def _published(result: ControlledResult, column: str) -> dict[tuple[str | None, ...], float]:
    at = result.columns.index(column)
    return {
        row.labels: float(value)
        for row in result.rows
        if isinstance((value := row.values[at]), int | float) and not isinstance(value, bool)
    }


def band_chart(
    means: ControlledResult,
    counts: ControlledResult,
    sds: Mapping[tuple[str, ...], ControlledResult],
    language: str = "nb",
    measure: str = "",
) -> dict[str, Any]:
    """The chart's spec from the three controlled results' published values only."""
    for result in (means, counts, *sds.values()):
        if not isinstance(result, ControlledResult):
            raise TypeError("charts are drawn from a ControlledResult only")
    mean_of = _published(means, "mean")
    count_of = _published(counts, "count")
    dimensions = means.dimensions
    points = []
    for labels, mean in mean_of.items():
        summary = sds.get(tuple(str(x) for x in labels))
        sd = None if summary is None else _published(summary, "value").get(("sd",))
        n = count_of.get(labels)
        if sd is None or n is None or n < 2:
            continue  # a withheld count, mean or sd: the point is not drawn
        half = Z95 * sd / math.sqrt(n)
        point: dict[str, Any] = dict(zip(dimensions, labels, strict=True))
        point.update(mean=mean, lower=mean - half, upper=mean + half)
        points.append(point)
    time = dimensions[0]
    numeric = all(_is_number(p[time]) for p in points)
    if numeric:
        for p in points:
            p[time] = float(p[time])
    x = {"field": time, "type": "quantitative" if numeric else "ordinal"}
    of_nb, of_en = (f" av {measure}", f" of {measure}") if measure else ("", "")
    title = localise(
        (f"Gjennomsnitt{of_nb} med 95 % konfidensbånd", f"Mean{of_en} with 95 % confidence band"),
        language,
    )
    # Means over time sit far from zero; an axis from zero flattens the band and the jump
    # the chart is drawn to show.
    y_axis = {"title": measure or title, "scale": {"zero": False}}
    encoding: dict[str, Any] = {"x": x}
    if len(dimensions) > 1:
        encoding["color"] = {"field": dimensions[1], "type": "nominal"}
    return {
        "$schema": SCHEMA,
        "description": f"meanplot {measure}, {means.datastore_version}".replace("  ", " "),
        "title": title,
        "data": {"values": points},
        "encoding": encoding,
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.25},
                "encoding": {
                    "y": {"field": "lower", "type": "quantitative", **y_axis},
                    "y2": {"field": "upper"},
                },
            },
            {
                "mark": {"type": "line", "point": True},
                "encoding": {"y": {"field": "mean", "type": "quantitative"}},
            },
        ],
    }


def _is_number(label: object) -> bool:
    try:
        return math.isfinite(float(str(label)))
    except ValueError:
        return False


STATISTIC = Statistic(
    name="meanplot",
    description=Text(
        "Gjennomsnitt over tid (etter en tids- eller periodevariabel, valgfritt per gruppe) "
        "med 95 % konfidensbånd, som Vega-Lite fra kontrollerte tabeller.",
        "Means over time (by a time or period variable, optionally per group) with a 95 % "
        "confidence band, as Vega-Lite from controlled tables.",
    ),
    fields=(
        Field(
            "y",
            Takes.VARIABLE,
            required=True,
            description=Text("Tallvariabelen som midles.", "The numeric variable averaged."),
        ),
        Field(
            "time",
            Takes.VARIABLE,
            required=True,
            description=Text(
                "Tids- eller periodevariabelen langs x-aksen (f.eks. måned før/etter en hendelse).",
                "The time or period variable along the x axis (e.g. month before/after an event).",
            ),
        ),
        Field(
            "by",
            Takes.VARIABLE,
            description=Text(
                "En gruppevariabel: én kurve per gruppe (f.eks. kohort).",
                "A group variable: one line per group (e.g. cohort).",
            ),
        ),
    ),
    releases=("magnitude-table", "frequency-table", "summary"),
    prepare=prepare_meanplot,
    request="MeanPlot",
    example={"y": "lonn", "time": "utdanning", "by": "kjonn"},
)
