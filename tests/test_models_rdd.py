"""rdd (sharp regression discontinuity, local linear with a kernel) agrees with statsmodels'
WLS on the rows inside the bandwidth, with the same kernel weights and HC1 standard errors
(to 1e-6 relative before output control), for the triangular and the uniform kernel, with
and without covariates; the Imbens-Kalyanaraman bandwidth computed from patterns equals the
same rule computed row by row; what leaves is within model-noise's documented bound; bad
requests (no support on one side, a constant running variable, a bandwidth <= 0) are 4xx
naming the variable or field."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.statistics.rdd import ik_bandwidth, kernel_weights
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.rdd_support import CUTOFF, KERNEL_CASES, prepared, rdd_request
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def _covariate(covariate: bool) -> dict[str, Any]:
    """The request's covariate field: kjonn, or none."""
    return {"x": ["kjonn"]} if covariate else {}


def _reference(ws: Workspace, bandwidth: float, kernel: str, covariate: bool) -> Any:
    data = _rows(ws, ["lonn", "alder", "kjonn"])
    x = data["alder"].astype(float) - CUTOFF
    inside = np.abs(x) < bandwidth
    x = x[inside]
    above = (x >= 0).astype(float)
    columns = [above, x, above * x]
    if covariate:
        columns.append(data["kjonn"][inside].astype(float))
    design = np.column_stack([*columns, np.ones(len(x))])
    weights = kernel_weights(x, bandwidth, kernel)
    return sm.WLS(data["lonn"][inside].astype(float), design, weights=weights).fit(cov_type="HC1")


@pytest.mark.parametrize(("kernel", "covariate"), KERNEL_CASES)
def test_rdd_agrees_with_statsmodels_wls(
    issue_workspace: Workspace, kernel: str, covariate: bool
) -> None:
    request = rdd_request(kernel=kernel, **_covariate(covariate))
    plan = prepared(issue_workspace, request, RegressionPlan)
    reference = _reference(issue_workspace, 8.5, kernel, covariate)
    estimate = plan.estimate
    assert estimate.estimable and estimate.observations == reference.nobs
    assert estimate.names[:3] == ("_discontinuity", "alder", "_above#c.alder")
    assert estimate.names[-1] == "_cons"
    _close(estimate.coefficients, reference.params)
    _close(estimate.std_errors, reference.bse)
    assert plan.about["bandwidth"] == 8.5 and plan.about["bandwidth_rule"] == "given"
    (item,) = plan.release(control_context(issue_workspace))
    assert item.result.columns[2] == "z"
    assert item.result.rows[0].labels == ("_discontinuity",)
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result,
        reference.params,
        reference.bse,
        influence,
        influence.std_error("robust"),
    )


def _ik_by_rows(x: np.ndarray, y: np.ndarray, kernel: str) -> float:
    """Imbens and Kalyanaraman (2012) written out row by row, for the comparison."""
    n = len(x)
    h1 = 1.84 * np.std(x, ddof=1) * n ** (-1 / 5)
    left, right = (x < 0) & (x >= -h1), (x >= 0) & (x <= h1)
    f = (left.sum() + right.sum()) / (2 * n * h1)
    v = [np.var(y[left], ddof=1), np.var(y[right], ddof=1)]
    cubic = np.column_stack([np.ones(n), x >= 0, x, x**2, x**3]).astype(float)
    m3 = 6 * np.linalg.lstsq(cubic, y, rcond=None)[0][4]
    m2, r = [], 0.0
    for side, var in ((x < 0, v[0]), (x >= 0, v[1])):
        h2 = min(
            3.56 * (var / (f * m3**2)) ** (1 / 7) * side.sum() ** (-1 / 7), np.abs(x[side]).max()
        )
        w = side & (np.abs(x) <= h2)
        quad = np.column_stack([np.ones(w.sum()), x[w], x[w] ** 2])
        m2.append(2 * np.linalg.lstsq(quad, y[w], rcond=None)[0][2])
        r += 2160 * var / (w.sum() * h2**4)
    constant = {"triangular": 3.4375, "uniform": 5.40}[kernel]
    return float(constant * ((v[0] + v[1]) / (f * ((m2[1] - m2[0]) ** 2 + r))) ** 0.2 * n**-0.2)


@pytest.mark.parametrize("kernel", ["triangular", "uniform"])
def test_bandwidth_is_imbens_kalyanaraman(issue_workspace: Workspace, kernel: str) -> None:
    data = _rows(issue_workspace, ["lonn", "alder"])
    x, y = data["alder"].astype(float) - CUTOFF, data["lonn"].astype(float)
    expected = _ik_by_rows(x, y, kernel)
    values, index = np.unique(x, return_inverse=True)
    n = np.bincount(index).astype(float)
    s = np.bincount(index, weights=y)
    means = s / n
    m2 = np.bincount(index, weights=(y - means[index]) ** 2)
    assert math.isclose(ik_bandwidth(values, n, s, m2, kernel) or 0, expected, rel_tol=1e-9)
    plan = prepared(
        issue_workspace,
        {"y": "lonn", "running": "alder", "cutoff": CUTOFF, "kernel": kernel},
        RegressionPlan,
    )
    assert plan.about["bandwidth_rule"] == "imbens-kalyanaraman"
    assert plan.about["bandwidth"] == float(f"{expected:.2g}")
    assert plan.estimate.observations == int((np.abs(x) < plan.about["bandwidth"]).sum())


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        # every adult is at most 67: nobody above a cutoff of 90
        ({"cutoff": 90}, "rdd-no-support", "alder"),
        ({"cutoff": 0}, "rdd-no-support", "alder"),
        # a constant running variable has units on one side only
        ({"running": "en"}, "rdd-no-support", "en"),
        ({"bandwidth": 0}, "invalid-request", "bandwidth"),
        ({"bandwidth": -3}, "invalid-request", "bandwidth"),
        ({"kernel": "gaussian"}, "invalid-request", "kernel"),
        ({"x": ["alder"]}, "invalid-request", "alder"),
        ({"running": "kommune"}, "statistic-needs-number", "kommune"),
    ],
)
def test_bad_requests_are_4xx_naming_the_variable(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    issue_workspace.apply(parse_steps([{"generate": "en", "expr": "1"}]))
    request = {"y": "lonn", "running": "alder", "cutoff": CUTOFF, **request_}
    with pytest.raises(RegcatError) as refused:
        issue_workspace.prepare("rdd", request)
    assert refused.value.code == code
    assert 400 <= refused.value.http_status < 500
    assert named in json.dumps([refused.value.nb, refused.value.en, refused.value.details])
    assert refused.value.nb != refused.value.en
