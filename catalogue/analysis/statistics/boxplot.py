"""boxplot: a box plot of a numeric variable, optionally one box per group, as a Vega-Lite
chart drawn only from controlled results.

Per box two controlled results are released, each through its own rules and registered in
the differencing guard by the control function that makes it: the smoothed quartiles
(0.25, 0.5, 0.75: each the perturbed mean of the units in a window around the quantile)
and the smoothed extremes (min and max: the perturbed means of the most extreme units),
which are the whiskers. No single unit's value sets a whisker, and there are no outlier
points (each would be one unit's value). With `by`, a box is made only for a group whose
perturbed count reaches the threshold (as tabulate gives a per-cell median), so a group of
one unit and an empty one look the same. A box is drawn when all five numbers are
published; otherwise it is left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text, localise

from ..output_control import (
    ControlContext,
    ControlledResult,
    UnitValues,
    control_min_max,
    control_percentiles,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_number, needs_unit_rows, request_error
from .summarize import VariableValues, unit_values
from .tabulate import Categorised, categorise, category_labels

QUARTILES = (0.25, 0.5, 0.75)
ALL = "_all"  # the one box's label without `by`


def prepare_boxplot(view: DataView, request: Mapping[str, Any], language: str = "nb") -> BoxPlot:
    needs_unit_rows(view, "boxplot")
    value = view.variable(request.get("var"), what="var")
    needs_number(value, "boxplot")
    by = request.get("by")
    if by is None:
        whole = unit_values(view, value.name, "var")
        return BoxPlot(None, value.name, language, whole.groups, {}, 1, whole)
    group = view.variable(by, what="by")
    if group.name == value.name:
        raise request_error(
            "by", "«by» må være en annen variabel enn «var».", "'by' must be another variable."
        )
    return BoxPlot(
        categorise(view, [group], value),
        value.name,
        language,
        view.groups_of([group, value]),
        category_labels([group], False),
        view.limits.max_statistic_cells,
        None,
        group.name,
    )


@dataclass(frozen=True)
class BoxPlot:
    data: Categorised | None  # None: one box of every unit
    measure: str
    language: str
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]
    per_cell_limit: int
    whole: VariableValues | None  # only without `by`: the one box's values
    by: str | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        boxes = self._boxes(context)
        released: dict[str, tuple[ControlledResult, ControlledResult]] = {}
        for label, values in boxes:
            quartiles = control_percentiles(values, context, QUARTILES, groups=self.groups)
            extremes = control_min_max(values, context, groups=self.groups)
            released[label] = (quartiles, extremes)
        chart = box_chart(released, self.by, self.measure, self.language)
        about = {"statistic": "boxplot", "of": self.measure, "by": self.by}
        extra: dict[str, Any] = {"category_labels": self.labels} if self.labels else {}
        out = []
        for n, (label, (quartiles, extremes)) in enumerate(released.items()):
            box = {**about, "box": label}
            first = {**extra, "vega_lite": chart} if n == 0 else extra
            out.append(Labelled({**box, "table": "quartiles"}, quartiles, first))
            out.append(Labelled({**box, "table": "whiskers"}, extremes, extra))
        return out

    def _boxes(self, context: ControlContext) -> list[tuple[str, UnitValues]]:
        if self.data is None:
            assert self.whole is not None
            return [(ALL, UnitValues(self.measure, self.whole.units, self.whole.values))]
        data = self.data
        shown = data.shown_values(
            context,
            self.per_cell_limit,
            "by",
            f"Høyst {self.per_cell_limit} bokser.",
            f"At most {self.per_cell_limit} boxes.",
        )
        return [
            (data.categories[0][index], UnitValues(self.measure, units, values))
            for index, units, values in shown
        ]


def _value(result: ControlledResult, label: str) -> float | None:
    for row in result.rows:
        if row.labels == (label,):
            value = row.values[0]
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return None


def box_chart(
    boxes: Mapping[str, tuple[ControlledResult, ControlledResult]],
    by: str | None,
    measure: str = "",
    language: str = "nb",
) -> dict[str, Any]:
    """One box per label from its quartiles' and extremes' published values only."""
    points = []
    for label, (quartiles, extremes) in boxes.items():
        for result in (quartiles, extremes):
            if not isinstance(result, ControlledResult):
                raise TypeError("charts are drawn from a ControlledResult only")
        five = {
            "lower": _value(extremes, "min"),
            "q1": _value(quartiles, "0.25"),
            "median": _value(quartiles, "0.5"),
            "q3": _value(quartiles, "0.75"),
            "upper": _value(extremes, "max"),
        }
        if any(v is None for v in five.values()):
            continue  # a withheld number: the box is not drawn
        points.append({"group": label, **five})
    axis = by or measure
    x = {"field": "group", "type": "nominal", "title": axis, "sort": None}
    title = localise(("Verdi", "Value"), language)
    return {
        "$schema": SCHEMA,
        "description": f"boxplot {measure}, {_version(boxes)}",
        "data": {"values": points},
        "encoding": {"x": x},
        "layer": [
            {
                "mark": "rule",
                "encoding": {
                    "y": {"field": "lower", "type": "quantitative", "title": title},
                    "y2": {"field": "upper"},
                },
            },
            {
                "mark": {"type": "bar", "size": 28},
                "encoding": {
                    "y": {"field": "q1", "type": "quantitative"},
                    "y2": {"field": "q3"},
                },
            },
            {
                "mark": {"type": "tick", "color": "white", "size": 28},
                "encoding": {"y": {"field": "median", "type": "quantitative"}},
            },
        ],
    }


def _version(boxes: Mapping[str, Sequence[ControlledResult]]) -> str:
    for results in boxes.values():
        return results[0].datastore_version
    return ""


STATISTIC = Statistic(
    name="boxplot",
    description=Text(
        "Boksplott med glattede kvartiler og glattede ekstremverdier som værhår, som "
        "Vega-Lite fra kontrollerte resultater.",
        "A box plot with smoothed quartiles and smoothed extremes as whiskers, as Vega-Lite "
        "from controlled results.",
    ),
    fields=(
        Field("var", Takes.VARIABLE, required=True),
        Field(
            "by",
            Takes.VARIABLE,
            description=Text("Én boks per gruppe.", "One box per group."),
        ),
    ),
    releases=("percentiles", "min-max"),
    prepare=prepare_boxplot,
    request="BoxPlot",
    example={"var": "lonn", "by": "kjonn"},
)
