"""histogram: a Vega-Lite specification of a numeric variable's histogram, drawn only from a
controlled table (a perturbed count table on the fixed 1-2-5 bin grid)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text

from ..output_control import ControlContext, UnitValues, control_histogram, vega_lite
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_unit_rows, whole_option
from .summarize import VariableValues, unit_values

MAX_BINS = 100


def prepare_histogram(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> HistogramPlan:
    needs_unit_rows(view, "histogram")
    bins = whole_option(request, "bins", 1, MAX_BINS)
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


STATISTIC = Statistic(
    name="histogram",
    description=Text(
        "Et histogram som Vega-Lite-spesifikasjon av en kontrollert telletabell.",
        "A histogram as a Vega-Lite specification of a controlled count table.",
    ),
    fields=(
        Field("var", Takes.VARIABLE, required=True),
        Field("bins", Takes.WHOLE_NUMBER, bounds=(1, MAX_BINS)),
    ),
    releases=("histogram",),
    prepare=prepare_histogram,
    request="Histogram",
    example={"var": "lonn", "bins": 20},
)
