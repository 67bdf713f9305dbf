"""ci: the mean of a numeric variable with its standard error and 95 % confidence interval,
released as the regression of the variable on a constant alone (the constant is the mean,
its classical standard error s/√N, the interval t-based with N − 1 degrees of freedom), so
every rule a model passes applies to it: the unit-count and leverage checks, the
differencing guard, model-noise on the mean and its standard error, the interval computed
from the published mean and standard error and the perturbed N. The same question asked
as `regress` with a constant alone meets the same registered answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.domain.text import Text

from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, needs_number, needs_unit_rows
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_RELEASES
from .shared.ols import RegressionPlan, ols_estimate, regression_plan


def prepare_ci(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    needs_unit_rows(view, "ci")
    y = view.variable(request.get("var"), what="var")
    needs_number(y, "ci")
    patterns, rows = common_levels(view, y, [], constant=True)
    estimate = ols_estimate(view, y, patterns, "classical")
    plan = regression_plan(view, y, patterns, rows, estimate, "ols", "classical", ["_cons"])
    about = {"statistic": "ci", "variable": y.name, "level": 0.95}
    return RegressionPlan(plan.fit, about, plan.estimate, plan.groups)


STATISTIC = Statistic(
    name="ci",
    description=Text(
        "Gjennomsnittet av en tallvariabel med standardfeil og 95 % konfidensintervall, "
        "kontrollert som en modell med bare konstantledd.",
        "The mean of a numeric variable with its standard error and 95 % confidence "
        "interval, controlled as a model with a constant alone.",
    ),
    fields=(Field("var", Takes.VARIABLE, required=True),),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_ci(view, request),
    request="Ci",
    example={"var": "lonn"},
)
