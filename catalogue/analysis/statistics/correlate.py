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
A pair with a constant variable is withheld like a model that cannot be estimated.

Every pair's row carries its N (a perturbed count, as a frequency table would publish it)
and the p-value of the t test of r (from the released r and N): microdata.no's `obs` and
`sig` are always in the answer. `covariance: true` adds, per pair, the winsorised summary of
each variable on the pair's units (control_summary: mean, sd and Gini, docs/OUTPUT_CONTROL.md
§3 `winsorised-summary`, released as results of their own) and the covariance computed from
published numbers only: cov = r · sd_x · sd_y (the released r and the released sds), shown
to 4 significant figures, and each variable's variance sd² on the diagonal (from the first
pair it is in). A withheld r or sd gives no covariance (null). The sds are of values
winsorised at the rule's percentiles, so the covariance is that of the winsorised spreads."""

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
    ControlledResult,
    PositionKeys,
    RegressionFit,
    Term,
    UnitValues,
    control_correlation,
    control_summary,
    model_evidence,
)
from ..output_control.fingerprint import SetFingerprint
from ..output_control.rounding import significant
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import (
    DataView,
    Labelled,
    needs_number,
    needs_unit_rows,
    number_sql,
    request_error,
    truth_option,
)
from .shared.model_rows import outcome_mode

MAX_VARIABLES = 10


COVARIANCE_DIGITS = 4


@dataclass(frozen=True)
class Pair:
    x: str
    y: str
    fit: RegressionFit
    groups: tuple[SetFingerprint, ...] = ()
    # with `covariance`: each variable's values on the pair's units
    spreads: tuple[UnitValues, UnitValues] | None = None


def _pair(view: DataView, x: Variable, y: Variable, covariance: bool = False) -> Pair:
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
    spreads = None
    if covariance:
        units = view.rows.units(rows["r"]).astype(np.int64)
        spreads = (UnitValues(x.name, units, xs.copy()), UnitValues(y.name, units, ys.copy()))
    # A constant variable has no correlation: the pair is withheld, not refused (whether a
    # variable is constant among the units may hang on one unit's value).
    spread = n >= 3 and bool(np.ptp(xs) > 0) and bool(np.ptp(ys) > 0)
    # Values near the largest float overflow the moments: r is then not finite and the pair
    # is withheld as one that cannot be estimated, never a warning raised (red team
    # test_non_finite: an HTTP 500 under warnings as errors).
    with np.errstate(all="ignore"):
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
        with np.errstate(all="ignore"):
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
    return Pair(x.name, y.name, fit, view.groups_of([x, y]), spreads)


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
    covariance = truth_option(request, "covariance")
    pairs = [_pair(view, x, y, covariance) for x, y in itertools.combinations(variables, 2)]
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
        correlation = Labelled({"statistic": "correlation", "variables": names}, result)
        if not any(p.spreads is not None for p in self.pairs):
            return [correlation]
        summaries: list[Labelled] = []
        covariances: list[dict[str, Any]] = []
        variances: dict[str, float | None] = {}
        published = {row.labels: row.values[0] for row in result.rows}
        for p in self.pairs:
            assert p.spreads is not None
            sds = []
            for values in p.spreads:
                summary = control_summary(values, context, groups=p.groups)
                about = {"statistic": "summary", "variable": values.measure, "pair": [p.x, p.y]}
                summaries.append(Labelled(about, summary))
                sds.append(_released_sd(summary))
            for name, sd in zip((p.x, p.y), sds, strict=True):
                if name not in variances:
                    variances[name] = None if sd is None else _shown(sd * sd)
            r = published.get((p.x, p.y))
            value = None
            if isinstance(r, int | float) and sds[0] is not None and sds[1] is not None:
                value = _shown(float(r) * sds[0] * sds[1])
            covariances.append({"variable": p.x, "with": p.y, "covariance": value})
        for name in names:
            covariances.append({"variable": name, "with": name, "covariance": variances[name]})
        correlation.extra["covariance"] = covariances
        return [correlation, *summaries]


def _released_sd(summary: ControlledResult) -> float | None:
    for row in summary.rows:
        if row.labels == ("sd",) and isinstance(row.values[0], int | float):
            return float(row.values[0])
    return None


def _shown(value: float) -> float:
    return significant(value, COVARIANCE_DIGITS)


STATISTIC = Statistic(
    name="correlate",
    description=Text("Pearson-korrelasjoner, par for par.", "Pearson correlations, pair by pair."),
    fields=(
        Field("vars", Takes.VARIABLE, many=True, required=True, count=(2, MAX_VARIABLES)),
        Field(
            "covariance",
            Takes.TRUTH,
            description=Text(
                "Kovarianser fra publiserte tall: r · sd_x · sd_y, der sd er den "
                "winsoriserte oppsummeringens for hver variabel på parets enheter (sendt "
                "med som egne resultater); varianser på diagonalen (results[0].covariance).",
                "Covariances from published numbers: r · sd_x · sd_y, the sd being each "
                "variable's winsorised summary on the pair's units (released beside it as "
                "results of their own); variances on the diagonal (results[0].covariance).",
            ),
        ),
    ),
    releases=("correlation", "summary"),
    prepare=lambda view, request, _language: prepare_correlate(view, request),
    request="Correlate",
    example={"vars": ["lonn", "alder", "utdanning"]},
)
