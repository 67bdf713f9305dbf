"""normaltest: per numeric variable the tests of normality from its skewness and kurtosis:
D'Agostino's z tests of each, their omnibus K² (D'Agostino–Pearson, scipy.stats.normaltest)
and Jarque–Bera, each computed from the perturbed N and the perturbed central-moment totals
(output_control/moments.py), never from exact ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text

from ..output_control import ControlContext, UnitValues, control_moments
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_unit_rows
from .summarize import MAX_VARIABLES, VariableValues, requested_names, unit_values


def prepare_normaltest(view: DataView, request: Mapping[str, Any]) -> NormaltestPlan:
    names = requested_names(request)
    needs_unit_rows(view, "normaltest")
    return NormaltestPlan(tuple(unit_values(view, n, "normaltest") for n in names))


@dataclass(frozen=True)
class NormaltestPlan:
    variables: tuple[VariableValues, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        return [
            Labelled(
                {"statistic": "normaltest", "variable": v.name},
                control_moments(UnitValues(v.name, v.units, v.values), context, groups=v.groups),
            )
            for v in self.variables
        ]


STATISTIC = Statistic(
    name="normaltest",
    description=Text(
        "Test av normalfordeling fra skjevhet og kurtose: D'Agostinos z-tester av hver, "
        "D'Agostino–Pearsons K² og Jarque–Bera, beregnet fra støyede momenter.",
        "Tests of normality from skewness and kurtosis: D'Agostino's z tests of each, "
        "D'Agostino–Pearson's K² and Jarque–Bera, computed from perturbed moments.",
    ),
    fields=(Field("vars", Takes.VARIABLE, many=True, required=True, count=(1, MAX_VARIABLES)),),
    releases=("summary",),
    prepare=lambda view, request, _language: prepare_normaltest(view, request),
    request="Normaltest",
    example={"vars": ["lonn", "alder"]},
)
