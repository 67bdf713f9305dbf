"""rdd against rdrobust (Calonico, Cattaneo, Farrell and Titiunik's own Python
implementation of CCT 2014, a test-only dependency), on the same rows: the sharp design
without covariates, triangular and uniform kernels, given h and b.

Where the definitions coincide the numbers agree to 1e-6 relative:
- the conventional jump τ and the bias-corrected one τ_bc (rdrobust's tau.us, tau.bc);
- the robust standard error se.rb with vce='hc1' (per side, the local quadratic's residuals
  and N_s/(N_s − 3), N_s the side's rows within max(h, b)) and with cluster= (rdrobust's
  CR1, to which hc1 with a cluster is switched: per side G_s/(G_s − 1)·(N_s − 1)/(N_s − 3),
  the two sides' variances added).
Where they differ, by a factor stated here and checked:
- the conventional standard error: ours is the pooled regression's HC1 (statsmodels' WLS,
  one N/(N − 4) over both sides), rdrobust's hc1 is each side's N_s/(N_s − 2); the pooled
  design is block-diagonal by side, so both are the same HC0 sums, and rdrobust's vce='hc0'
  times N/(N − 4) is ours."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.statistics.rdd import RobustPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows

rdrobust = pytest.importorskip("rdrobust").rdrobust

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

CUTOFF = 40.0
BANDWIDTH = 8.5


def _data(ws: Workspace, names: list[str]) -> dict[str, np.ndarray]:
    data = _rows(ws, ["lonn", "alder", "kommune", *names])
    data["groups"] = np.unique(data["kommune"].astype(str), return_inverse=True)[1]
    return data


def _reference(data: dict[str, np.ndarray], b: float, kernel: str, **options: Any) -> Any:
    """rdrobust on every complete case (it selects |x − c| ≤ h itself). h = 8.5 and
    b = 5.5 on whole ages put no row on an edge, where rdrobust's |u| ≤ 1 and our |u| < 1
    differ (the uniform kernel's weight there is not 0: at b = 5 the uniform τ_bc differs by
    the rows aged 35 and 45)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdrobust(
            data["lonn"].astype(float),
            data["alder"].astype(float),
            c=CUTOFF,
            h=BANDWIDTH,
            b=b,
            kernel=kernel,
            masspoints="off",
            **options,
        )


def _plan(ws: Workspace, b: float | None, kernel: str, cluster: str | None = None) -> RobustPlan:
    request: dict[str, Any] = {
        "y": "lonn",
        "running": "alder",
        "cutoff": CUTOFF,
        "bandwidth": BANDWIDTH,
        "kernel": kernel,
        "inference": "robust",
    }
    if b is not None:
        request["bias_bandwidth"] = b
    if cluster is not None:
        request["cluster"] = cluster
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, RobustPlan)
    return plan


@pytest.mark.parametrize("kernel", ["triangular", "uniform"])
@pytest.mark.parametrize("b", [None, 5.5])
def test_sharp_robust_agrees_with_rdrobust_hc1(
    issue_workspace: Workspace, kernel: str, b: float | None
) -> None:
    plan = _plan(issue_workspace, b, kernel)
    data = _data(issue_workspace, [])
    reference = _reference(data, b or BANDWIDTH, kernel, vce="hc1")
    found = reference.Estimate.iloc[0]
    conventional, corrected = plan.estimate, plan.corrected
    _close(conventional.coefficients[:1], np.array([found["tau.us"]]))
    _close(corrected.coefficients, np.array([found["tau.bc"]]))
    _close(corrected.std_errors, np.array([found["se.rb"]]))
    # The conventional standard error: rdrobust's hc0 times the pooled N/(N − 4).
    hc0 = _reference(data, b or BANDWIDTH, kernel, vce="hc0").Estimate.iloc[0]["se.us"]
    rows = conventional.observations
    _close(conventional.std_errors[:1], np.array([hc0 * np.sqrt(rows / (rows - 4))]))
    print(
        f"rdd vs rdrobust ({kernel}, b = {b or BANDWIDTH}): tau {conventional.coefficients[0]:.6f}"
        f" vs {found['tau.us']:.6f}, tau_bc {corrected.coefficients[0]:.6f} vs "
        f"{found['tau.bc']:.6f}, se_rb {corrected.std_errors[0]:.6f} vs {found['se.rb']:.6f}"
    )


@pytest.mark.parametrize("kernel", ["triangular", "uniform"])
@pytest.mark.parametrize("b", [None, 5.5])
def test_clustered_robust_agrees_with_rdrobust_cr1(
    issue_workspace: Workspace, kernel: str, b: float | None
) -> None:
    """rdrobust's vce hc1 with a cluster is its CR1 (the per-side factor above); ours is
    the same. (cr2 and cr3, leverage-adjusted, are not offered.)"""
    plan = _plan(issue_workspace, b, kernel, cluster="kommune")
    data = _data(issue_workspace, [])
    found = _reference(data, b or BANDWIDTH, kernel, vce="cr1", cluster=data["groups"])
    switched = _reference(data, b or BANDWIDTH, kernel, vce="hc1", cluster=data["groups"])
    estimate = found.Estimate.iloc[0]
    assert estimate["se.rb"] == switched.Estimate.iloc[0]["se.rb"]
    _close(plan.corrected.coefficients, np.array([estimate["tau.bc"]]))
    _close(plan.corrected.std_errors, np.array([estimate["se.rb"]]))
    print(
        f"rdd vs rdrobust cr1 ({kernel}, b = {b or BANDWIDTH}): se_rb "
        f"{plan.corrected.std_errors[0]:.6f} vs {estimate['se.rb']:.6f}"
    )


def test_conventional_clustered_is_rdrobusts_per_side_cr1_rescaled(
    issue_workspace: Workspace,
) -> None:
    """The conventional clustered standard error differs by definition: ours is the pooled
    regression's (statsmodels' cluster, one G/(G − 1)·(N − 1)/(N − 4), and the covariance of
    a cluster's rows across the cutoff counted), rdrobust's each side's CR1
    (G_s/(G_s − 1)·(N_s − 1)/(N_s − 2)) added. With clusters that do not cross the cutoff
    (kommune × side) the sandwiches' sums are the same: rdrobust's per-side variances,
    each divided by its factor and the sum times ours, are ours."""
    ws = issue_workspace
    from catalogue.analysis.step import parse_steps

    ws.apply(
        parse_steps(
            [{"generate": "klynge", "expr": f"number(kommune) * 2 + cond(alder >= {CUTOFF}, 1, 0)"}]
        )
    )
    data = _data(ws, ["klynge"])
    groups = np.unique(data["klynge"].astype(str), return_inverse=True)[1]
    plan = _plan(ws, None, "triangular", cluster="klynge")
    found = _reference(data, BANDWIDTH, "triangular", vce="cr1", cluster=groups)
    x = data["alder"].astype(float) - CUTOFF
    inside = np.abs(x) < BANDWIDTH
    zero = 0.0
    for side, variance in ((x < 0, found.V_cl_l), (x >= 0, found.V_cl_r)):
        rows, count = (side & inside).sum(), len(np.unique(groups[side & inside]))
        zero += variance[0, 0] / (count / (count - 1) * (rows - 1) / (rows - 2))
    rows, count = inside.sum(), len(np.unique(groups[inside]))
    ours = np.sqrt(zero * count / (count - 1) * (rows - 1) / (rows - 4))
    _close(plan.estimate.std_errors[:1], np.array([ours]))
    _close(plan.corrected.std_errors, np.array([found.Estimate.iloc[0]["se.rb"]]))
    print(
        f"rdd conventional clustered {plan.estimate.std_errors[0]:.6f}, rdrobust cr1 "
        f"{found.Estimate.iloc[0]['se.us']:.6f}, rescaled {ours:.6f}"
    )
