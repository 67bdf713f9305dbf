"""piechart: a Vega-Lite pie chart of a categorical variable, drawn only from a controlled
one-way frequency table (perturbed counts, without margins).

A slice is a published count; a withheld count is not drawn (its share would show it), and
the shares the chart shows are of the published counts only, as the table's percentages
are (they need not add to the true total: the counts are perturbed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text, localise

from ..output_control import ControlContext, ControlledResult, control_frequency_table
from ..output_control.fingerprint import SetFingerprint
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled
from .tabulate import Categorised, categorise, category_labels, dimension_variables


def prepare_pie_chart(view: DataView, request: Mapping[str, Any], language: str = "nb") -> PieChart:
    variables = dimension_variables(view, [request.get("var")], "var")
    return PieChart(
        categorise(view, variables),
        language,
        view.groups_of(variables),
        category_labels(variables, False),
    )


@dataclass(frozen=True)
class PieChart:
    data: Categorised
    language: str
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_frequency_table(
            self.data.count_table(), context, include_margins=False, groups=self.groups
        )
        chart = pie_chart(result, self.language)
        about = {"statistic": "pie-chart", "variable": self.data.dimensions[0]}
        return [Labelled(about, result, {"vega_lite": chart, "category_labels": self.labels})]


def pie_chart(result: ControlledResult, language: str = "nb") -> dict[str, Any]:
    """Slices from the result's published counts only."""
    if not isinstance(result, ControlledResult) or result.kind != "frequency-table":
        raise TypeError("a pie chart is drawn from a controlled frequency table")
    (dimension,) = result.dimensions
    at = result.columns.index("count")
    slices = [
        {dimension: row.labels[0], "count": row.values[at]}
        for row in result.rows
        if row.labels[0] is not None and isinstance(row.values[at], int) and row.values[at]
    ]
    return {
        "$schema": SCHEMA,
        "description": f"pie chart, {result.datastore_version}",
        "data": {"values": slices},
        "mark": {"type": "arc", "tooltip": True},
        "encoding": {
            "theta": {
                "field": "count",
                "type": "quantitative",
                "title": localise(("Antall", "Count"), language),
            },
            "color": {"field": dimension, "type": "nominal", "sort": None},
        },
    }


STATISTIC = Statistic(
    name="piechart",
    description=Text(
        "Et kakediagram av en kategorisk variabel (en kontrollert enveistabell).",
        "A pie chart of a categorical variable (a controlled one-way table).",
    ),
    fields=(Field("var", Takes.VARIABLE, required=True),),
    releases=("frequency-table",),
    prepare=prepare_pie_chart,
    request="PieChart",
    example={"var": "utdanning"},
)
