"""Charts as Vega-Lite specifications drawn only from controlled tables: a histogram of a
numeric variable (a perturbed count table on the fixed 1-2-5 bin grid) and a bar chart of a
categorical one (a perturbed one-way frequency table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..output_control import (
    ControlContext,
    UnitValues,
    control_frequency_table,
    control_histogram,
    vega_lite,
)
from ..output_control.fingerprint import SetFingerprint
from .common import DataView, Labelled, needs_unit_rows, request_error
from .summarize import VariableValues, unit_values
from .tabulate import Categorised, categorise, dimension_variables

MAX_BINS = 100


def prepare_histogram(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> HistogramPlan:
    needs_unit_rows(view, "histogram")
    bins = request.get("bins")
    if bins is not None and (
        isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= MAX_BINS
    ):
        raise request_error(
            "bins",
            f"«bins» må være et heltall fra 1 til {MAX_BINS}.",
            f"'bins' must be a whole number from 1 to {MAX_BINS}.",
        )
    return HistogramPlan(unit_values(view, str(request.get("var")), "histogram"), bins, language)


@dataclass(frozen=True)
class HistogramPlan:
    data: VariableValues
    bins: int | None
    language: str

    def release(self, context: ControlContext) -> list[Labelled]:
        values = UnitValues(self.data.name, self.data.units, self.data.values)
        result = control_histogram(values, context, bins=self.bins, groups=self.data.groups)
        about = {"statistic": "histogram", "variable": self.data.name}
        return [Labelled(about, result, {"vega_lite": vega_lite(result, self.language)})]


def prepare_bar_chart(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> BarChartPlan:
    variables = dimension_variables(view, [request.get("var")], "var")
    return BarChartPlan(categorise(view, variables), language, view.groups_of(variables))


@dataclass(frozen=True)
class BarChartPlan:
    data: Categorised
    language: str
    groups: tuple[SetFingerprint, ...] = ()

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_frequency_table(
            self.data.count_table(), context, include_margins=False, groups=self.groups
        )
        chart = vega_lite(result, self.language)
        about = {"statistic": "bar-chart", "variable": self.data.dimensions[0]}
        return [Labelled(about, result, {"vega_lite": chart})]
