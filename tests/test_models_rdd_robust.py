"""rdd's clustered standard errors and its robust bias-corrected inference.

Clustered: the sharp design against statsmodels' WLS on the rows inside the bandwidth with
the same kernel weights, cov_type cluster (G/(G − 1)·(N − 1)/(N − p)), and the fuzzy design
against linearmodels' IV2SLS with the kernel weights, cov_type clustered, debiased, both to
1e-6 relative before output control; what leaves is within model-noise's documented bound.
Too few clusters are 4xx naming the variable."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS

from catalogue.analysis.statistics.rdd import FuzzyPlan, kernel_weights
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context
from tests.test_models_rdd_fuzzy import FUZZY

pinned = models.pinned
workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

CUTOFF = 40.0
BANDWIDTH = 8.5


def _inside(ws: Workspace, names: list[str]) -> dict[str, np.ndarray]:
    data = _rows(ws, ["lonn", "alder", "kommune", *names])
    x = data["alder"].astype(float) - CUTOFF
    keep = np.abs(x) < BANDWIDTH
    found = {name: values[keep] for name, values in data.items()}
    found["x"] = x[keep]
    found["groups"] = np.unique(found["kommune"].astype(str), return_inverse=True)[1]
    return found


@pytest.mark.parametrize("kernel", ["triangular", "uniform"])
def test_clustered_rdd_agrees_with_statsmodels_wls(issue_workspace: Workspace, kernel: str) -> None:
    request = {
        "y": "lonn",
        "running": "alder",
        "cutoff": CUTOFF,
        "bandwidth": BANDWIDTH,
        "kernel": kernel,
        "cluster": "kommune",
    }
    plan = issue_workspace.prepare("rdd", request)
    assert isinstance(plan, RegressionPlan)
    data = _inside(issue_workspace, [])
    x = data["x"]
    above = (x >= 0).astype(float)
    design = np.column_stack([above, x, above * x, np.ones(len(x))])
    weights = kernel_weights(x, BANDWIDTH, kernel)
    reference = sm.WLS(data["lonn"].astype(float), design, weights=weights).fit(
        cov_type="cluster", cov_kwds={"groups": data["groups"]}
    )
    estimate = plan.estimate
    assert estimate.estimable and estimate.observations == reference.nobs
    _close(estimate.coefficients, reference.params)
    _close(estimate.std_errors, reference.bse)
    relative = np.abs(estimate.std_errors / reference.bse - 1).max()
    print(f"rdd clustered ({kernel}): SE max relative difference {relative:.2e}")
    (item,) = plan.release(control_context(issue_workspace))
    assert item.about["std_errors"] == "cluster"
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result, reference.params, reference.bse, influence, influence.std_error("cluster")
    )


def test_clustered_fuzzy_rdd_agrees_with_linearmodels(issue_workspace: Workspace) -> None:
    ws = issue_workspace
    ws.apply(parse_steps([{"generate": "behandlet", "expr": f"cond({FUZZY}, 1, 0)"}]))
    request = {
        "y": "lonn",
        "running": "alder",
        "cutoff": CUTOFF,
        "bandwidth": BANDWIDTH,
        "treatment": "behandlet",
        "cluster": "kommune",
    }
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, FuzzyPlan)
    data = _inside(ws, ["behandlet"])
    x = data["x"]
    above = (x >= 0).astype(float)
    exog = np.column_stack([x, above * x, np.ones(len(x))])
    weights = kernel_weights(x, BANDWIDTH, "triangular")
    reference = IV2SLS(
        data["lonn"].astype(float),
        exog,
        data["behandlet"].astype(float)[:, None],
        above[:, None],
        weights=weights,
    ).fit(cov_type="clustered", clusters=data["groups"], debiased=True)
    # linearmodels orders exogenous first, then the endogenous: ours has the treatment first.
    order = [3, 0, 1, 2]
    _close(plan.estimate.coefficients, reference.params.to_numpy()[order])
    _close(plan.estimate.std_errors, reference.std_errors.to_numpy()[order])
    items = plan.release(control_context(ws))
    assert [i.about.get("std_errors") for i in items] == ["cluster", "cluster"]


def test_too_few_clusters_are_refused_naming_the_variable(issue_workspace: Workspace) -> None:
    request = {"y": "lonn", "running": "alder", "cutoff": CUTOFF, "bandwidth": BANDWIDTH}
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare("rdd", {**request, "cluster": "kjonn"})
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert error.details["name"] == "kjonn" and error.details["field"] == "cluster"
