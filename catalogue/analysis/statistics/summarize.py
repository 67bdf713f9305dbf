"""summarize: per numeric variable the number of units with a value (a perturbed count),
mean, sd and Gini of winsorised values, smoothed percentiles, and controlled min/max."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    CountTable,
    UnitValues,
    control_frequency_table,
    control_min_max,
    control_percentiles,
    control_summary,
)
from ..output_control.fingerprint import SetFingerprint
from ..statistic import Field, Statistic, Takes
from .shared.common import (
    DataView,
    Labelled,
    needs_number,
    needs_unit_rows,
    number_sql,
    request_error,
    unit_rows,
)

DEFAULT_QUANTILES = (0.25, 0.5, 0.75)
MAX_VARIABLES = 20


@dataclass(frozen=True)
class VariableValues:
    name: str
    protected: np.ndarray
    units: np.ndarray
    values: np.ndarray
    groups: tuple[SetFingerprint, ...] = ()  # when it was made by aggregation


def unit_values(view: DataView, name: str, what: str) -> VariableValues:
    variable = view.variable(name, what=what)
    needs_number(variable, what)
    value = number_sql(variable)
    units, found = unit_rows(view, f"{value} AS v", f"isfinite({value})")
    return VariableValues(
        variable.name,
        view.rows.protected(found["r"]).astype(np.int64),
        units,
        np.asarray(found["v"], dtype=np.float64),
        view.groups_of([variable]),
    )


def _quantiles(raw: object) -> tuple[float, ...]:
    if raw is None:
        return DEFAULT_QUANTILES
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(q, int | float) and not isinstance(q, bool) for q in raw)
    ):
        raise request_error(
            "percentiles",
            "«percentiles» må være en liste med tall mellom 0 og 100.",
            "'percentiles' must be a list of numbers between 0 and 100.",
        )
    if any(not 0 < q < 100 for q in raw):
        raise request_error(
            "percentiles",
            "Persentiler må ligge strengt mellom 0 og 100 (min og maks har egne regler).",
            "Percentiles must lie strictly between 0 and 100 (min and max have rules of "
            "their own).",
        )
    return tuple(sorted({float(q) / 100 for q in raw}))


def requested_names(request: Mapping[str, Any]) -> list[str]:
    """The request's «vars»: one name or a list of 1 to MAX_VARIABLES, repeats dropped, in
    order; for every statistic that takes one variable or more (summarize, normaltest)."""
    names = request.get("vars")
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not 1 <= len(names) <= MAX_VARIABLES:
        raise request_error(
            "vars",
            f"«vars» må være en liste med 1 til {MAX_VARIABLES} variabler.",
            f"'vars' must be a list of 1 to {MAX_VARIABLES} variables.",
        )
    return list(dict.fromkeys(names))


def prepare_summarize(view: DataView, request: Mapping[str, Any]) -> SummarizePlan:
    names = requested_names(request)
    needs_unit_rows(view, "summarize")
    quantiles = _quantiles(request.get("percentiles"))
    min_max = bool(request.get("minmax", True))
    variables = [unit_values(view, n, "summarize") for n in names]
    return SummarizePlan(tuple(variables), quantiles, min_max)


@dataclass(frozen=True)
class SummarizePlan:
    variables: tuple[VariableValues, ...]
    quantiles: tuple[float, ...]
    min_max: bool

    def release(self, context: ControlContext) -> list[Labelled]:
        out = []
        for v in self.variables:
            about = {"variable": v.name}
            count = CountTable(
                ("n",), (("n",),), np.zeros((len(v.protected), 1), np.int64), v.protected
            )
            out.append(
                Labelled(
                    {**about, "statistic": "n"},
                    control_frequency_table(count, context, include_margins=False, groups=v.groups),
                )
            )
            values = UnitValues(v.name, v.units, v.values)
            out.append(
                Labelled(
                    {**about, "statistic": "summary"},
                    control_summary(values, context, groups=v.groups),
                )
            )
            out.append(
                Labelled(
                    {**about, "statistic": "percentiles"},
                    control_percentiles(values, context, self.quantiles, groups=v.groups),
                )
            )
            if self.min_max:
                out.append(
                    Labelled(
                        {**about, "statistic": "min-max"},
                        control_min_max(values, context, groups=v.groups),
                    )
                )
        return out


STATISTIC = Statistic(
    name="summarize",
    description=Text(
        "n, gjennomsnitt, standardavvik, Gini, persentiler og kontrollert min/maks for "
        "tallvariabler.",
        "n, mean, sd, Gini, percentiles and controlled min/max of numeric variables.",
    ),
    fields=(
        Field("vars", Takes.VARIABLE, many=True, required=True, count=(1, MAX_VARIABLES)),
        Field(
            "percentiles",
            Takes.NUMBER,
            many=True,
            count=(1, None),
            bounds=(0, 100),
            exclusive=True,
            description=Text(
                "Standard 25, 50, 75 (min og maks har egne regler).",
                "Default 25, 50, 75 (min and max have rules of their own).",
            ),
        ),
        Field(
            "minmax",
            Takes.TRUTH,
            description=Text(
                "Kontrollert min og maks (standard true).", "Controlled min and max (default true)."
            ),
        ),
    ),
    releases=("frequency-table", "summary", "percentiles", "min-max"),
    prepare=lambda view, request, _language: prepare_summarize(view, request),
    request="Summarize",
    example={"vars": ["lonn", "alder"], "percentiles": [10, 50, 90]},
)
