"""barchart: a Vega-Lite bar chart of a categorical variable, drawn only from a controlled
table (a perturbed one-way frequency table, without margins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text

from ..output_control import ControlContext, control_frequency_table, vega_lite
from ..output_control.fingerprint import SetFingerprint
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled
from .tabulate import Categorised, categorise, dimension_variables


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


STATISTIC = Statistic(
    name="barchart",
    description=Text(
        "Et stolpediagram av en kategorisk variabel (en kontrollert enveistabell).",
        "A bar chart of a categorical variable (a controlled one-way table).",
    ),
    fields=(Field("var", Takes.VARIABLE, required=True),),
    releases=("frequency-table",),
    prepare=prepare_bar_chart,
    request="BarChart",
    example={"var": "kommune"},
)
