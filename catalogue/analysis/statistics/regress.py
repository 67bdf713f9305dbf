"""regress: OLS by the normal equations on sufficient statistics, with classical, robust
(HC1) or cluster-robust standard errors (the estimation is statistics/shared/ols.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.domain.text import Text

from ..statistic import Statistic
from .shared.common import DataView
from .shared.model_levels import model_inputs
from .shared.model_request import (
    MODEL_FIELDS,
    MODEL_RELEASES,
)
from .shared.ols import RegressionPlan, asked_terms, ols_estimate, regression_plan


def prepare_regress(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    y, x, constant, covariance, cluster, patterns, rows = model_inputs(view, request, "regress")
    estimate = ols_estimate(view, y, patterns, covariance, cluster)
    asked = asked_terms(x, constant)
    return regression_plan(view, y, patterns, rows, estimate, "ols", covariance, asked)


STATISTIC = Statistic(
    name="regress",
    description=Text(
        "OLS med klassiske, robuste (HC1) eller klyngerobuste standardfeil.",
        "OLS with classical, robust (HC1) or cluster-robust standard errors.",
    ),
    fields=MODEL_FIELDS,
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_regress(view, request),
    request="Model",
    example={"y": "lonn", "x": ["alder", "i.kjonn"], "robust": True},
)
