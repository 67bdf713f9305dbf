"""correlate: Pearson correlations of numeric variables, pair by pair on the units with
values on both.

There is no separate output rule for a correlation: the correlation of x and y is the slope
of the simple regression of standardised y on standardised x, so each pair is released
through the regression rules (at least 10 units and 10 residual degrees of freedom, 4
significant figures). The slope's standard error is √((1 − r²)/(n − 2)); the intercept is
0 with standard error √((n − 1)(1 − r²)/((n − 2) n))."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.errors import unprocessable

from .. import db
from ..output_control import ControlContext, RegressionFit, Term, control_regression
from ..variables import Variable
from .common import DataView, Labelled, needs_number, needs_unit_rows, number_sql, request_error

MAX_VARIABLES = 10


@dataclass(frozen=True)
class Pair:
    x: str
    y: str
    fit: RegressionFit


def _pair(view: DataView, x: Variable, y: Variable) -> Pair:
    where = f"isfinite({number_sql(x)}) AND isfinite({number_sql(y)})"
    row = db.one(
        view.con,
        f"SELECT COUNT(*), CORR({number_sql(y)}, {number_sql(x)}), "
        f"VAR_SAMP({number_sql(x)}), VAR_SAMP({number_sql(y)}) "
        f'FROM "{view.table}" AS w WHERE {where}',
    )
    n, r, var_x, var_y = int(row[0]), row[1], row[2], row[3]
    if n >= 2 and (not var_x or not var_y):
        constant = x.name if not var_x else y.name
        raise unprocessable(
            "correlation-constant",
            f"«{constant}» er konstant blant enhetene med verdier på begge variablene; "
            "korrelasjonen er ikke definert.",
            f"'{constant}' is constant among the units with values on both variables; the "
            "correlation is not defined.",
            name=constant,
        )
    units = view.rows.units_where(view.con, view.table, where)
    r = float(r) if r is not None and math.isfinite(r) else 0.0
    if n > 2:
        slope_se = math.sqrt(max(0.0, 1.0 - r * r) / (n - 2))
        constant_se = math.sqrt((n - 1) * max(0.0, 1.0 - r * r) / ((n - 2) * n))
    else:  # too few units: the regression rule withholds the pair
        slope_se = constant_se = 0.0
    fit = RegressionFit(
        outcome=y.name,
        family="correlation",
        terms=(Term(x.name, "continuous"), Term("_cons", "constant")),
        coefficients=np.array([r, 0.0]),
        std_errors=np.array([slope_se, constant_se]),
        units=np.asarray(units, dtype=np.int64),
        indicator_supports=(),
    )
    return Pair(x.name, y.name, fit)


def prepare_correlate(view: DataView, request: Mapping[str, Any]) -> CorrelatePlan:
    names = request.get("vars")
    if not isinstance(names, list) or not 2 <= len(names) <= MAX_VARIABLES:
        raise request_error(
            "vars",
            f"«vars» må være en liste med 2 til {MAX_VARIABLES} variabler.",
            f"'vars' must be a list of 2 to {MAX_VARIABLES} variables.",
        )
    needs_unit_rows(view, "correlate")
    variables = [view.variable(n) for n in dict.fromkeys(names)]
    for v in variables:
        needs_number(v, "correlate")
    pairs = [_pair(view, x, y) for x, y in itertools.combinations(variables, 2)]
    return CorrelatePlan(tuple(pairs))


@dataclass(frozen=True)
class CorrelatePlan:
    pairs: tuple[Pair, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        return [
            Labelled(
                {"statistic": "correlation", "variables": [p.x, p.y], "coefficient": p.x},
                control_regression(p.fit, context),
            )
            for p in self.pairs
        ]
