"""correlate: Pearson correlations of numeric variables, pair by pair on the units with
values on both.

The pairs are released together as one matrix (`kind: "correlation"`), but there is no
separate output rule for a correlation: the correlation of x and y is the slope
of the simple regression of standardised y on standardised x, so each pair is released
through the regression rules (at least 10 units and 10 residual degrees of freedom, 4
significant figures, noise of a share of the standard error or of one unit's influence,
and the support and leverage checks on x as the regressor and y as the outcome; the
evidence is of the standardised variables, so a unit's influence is on r itself). The
slope's standard error is √((1 − r²)/(n − 2)); the intercept is 0 with standard error √((n − 1)(1 − r²)/((n − 2) n)).
A pair with a constant variable is withheld like a model that cannot be estimated."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from .. import db
from ..output_control import (
    ControlContext,
    PositionKeys,
    RegressionFit,
    Term,
    control_correlation,
    model_evidence,
)
from ..output_control.fingerprint import SetFingerprint
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import (
    DataView,
    Labelled,
    needs_number,
    needs_unit_rows,
    number_sql,
    request_error,
)
from .shared.model_rows import outcome_mode

MAX_VARIABLES = 10


@dataclass(frozen=True)
class Pair:
    x: str
    y: str
    fit: RegressionFit
    groups: tuple[SetFingerprint, ...] = ()


def _pair(view: DataView, x: Variable, y: Variable) -> Pair:
    where = f"isfinite({number_sql(x)}) AND isfinite({number_sql(y)})"
    rows = db.arrays(
        view.con,
        f"SELECT w.rowid AS r, {number_sql(x)} AS x, {number_sql(y)} AS y "
        f'FROM "{view.table}" AS w WHERE {where}',
    )
    view.check_memory(len(rows["r"]), 6)
    xs = np.asarray(rows["x"], dtype=np.float64)
    ys = np.asarray(rows["y"], dtype=np.float64)
    n = len(xs)
    # A constant variable has no correlation: the pair is withheld, not refused (whether a
    # variable is constant among the units may hang on one unit's value).
    spread = n >= 3 and bool(np.ptp(xs) > 0) and bool(np.ptp(ys) > 0)
    r = float(np.corrcoef(xs, ys)[0, 1]) if spread else float("nan")
    estimable = spread and math.isfinite(r)
    if estimable:
        slope_se = math.sqrt(max(0.0, 1.0 - r * r) / (n - 2))
        constant_se = math.sqrt((n - 1) * max(0.0, 1.0 - r * r) / ((n - 2) * n))
    else:
        slope_se = constant_se = float("nan")
    terms = (Term(x.name, "continuous"), Term("_cons", "constant"))
    asked = (ys, np.column_stack([xs, np.ones(n)]))  # the pairs are of the values as given
    if estimable:  # the regression whose slope is r: standardised y on standardised x
        xs, ys = _standardised(xs), _standardised(ys)
        estimable = bool(np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)))
    design = np.column_stack([xs, np.ones(n)])
    evidence = model_evidence(
        PositionKeys(view.rows.snapshot.arrays),
        view.rows.protected(rows["r"]),
        ys,
        np.arange(n),
        design,
        terms,
        fitted=r * xs if estimable else None,
        outcome_mode=outcome_mode(ys),
        estimable=estimable,
        asked=asked,
        # A correlation is the same for k·x + c and k'·y + c' but for the sign of k·k': its
        # pairs are of the affine forms, so every such image is answered as one.
        asked_affine=True,
    )
    fit = RegressionFit(
        outcome=y.name,
        family="correlation",
        terms=terms,
        coefficients=np.array([r, 0.0]),
        std_errors=np.array([slope_se, constant_se]),
        evidence=evidence,
        terms_asked=1,
        covariance="classical",
    )
    return Pair(x.name, y.name, fit, view.groups_of([x, y]))


def _standardised(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std(ddof=1)


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
        # The same variable's groups come once per pair it is in: register them once.
        groups = tuple({id(g): g for p in self.pairs for g in p.groups}.values())
        result = control_correlation(
            [(p.x, p.y, p.fit) for p in self.pairs], context, groups=groups
        )
        names = list(dict.fromkeys(name for p in self.pairs for name in (p.x, p.y)))
        return [Labelled({"statistic": "correlation", "variables": names}, result)]


STATISTIC = Statistic(
    name="correlate",
    description=Text("Pearson-korrelasjoner, par for par.", "Pearson correlations, pair by pair."),
    fields=(Field("vars", Takes.VARIABLE, many=True, required=True, count=(2, MAX_VARIABLES)),),
    releases=("correlation",),
    prepare=lambda view, request, _language: prepare_correlate(view, request),
    request="Correlate",
    example={"vars": ["lonn", "alder", "utdanning"]},
)
