"""rdd's clustered standard errors and its robust bias-corrected inference.

Clustered: the sharp design against statsmodels' WLS on the rows inside the bandwidth with
the same kernel weights, cov_type cluster (G/(G − 1)·(N − 1)/(N − p)), and the fuzzy design
against linearmodels' IV2SLS with the kernel weights, cov_type clustered, debiased, both to
1e-6 relative before output control; what leaves is within model-noise's documented bound.
Too few clusters are 4xx naming the variable."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS

from catalogue.analysis.statistics.rdd import FuzzyPlan, RobustPlan, kernel_weights
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.rdd_support import BANDWIDTH, CUTOFF, rdd_request, with_treatment
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


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
    request = rdd_request(kernel=kernel, cluster="kommune")
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
    ws = with_treatment(issue_workspace)
    request = rdd_request(treatment="behandlet", cluster="kommune")
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
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare("rdd", rdd_request(cluster="kjonn"))
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert error.details["name"] == "kjonn" and error.details["field"] == "cluster"


# Robust bias-corrected inference (Calonico, Cattaneo and Titiunik 2014, rdrobust's
# vce hc1): per side, with r_p = (1, x), r_q = (1, x, x²), u = x/h and kernel weights at h
# and at b, τ_bc = τ − h²·(ℬ₊β₂₊ − ℬ₋β₂₋), ℬ = e₀'(Σ w_h r_p r_p')⁻¹ Σ w_h r_p u², β₂ the
# local quadratic's x² coefficient at b; its variance G_p⁻¹ Σ Q Q' ê_q² G_p⁻¹ · N/(N − 3)
# with Q = w_h r_p − h² w_b (r_q' G_q⁻¹ e₂) L.


def _side_fits(x: np.ndarray, y: np.ndarray, h: float, b: float, kernel: str) -> Any:
    """statsmodels' pieces of one side: the local linear fit at h and the local quadratic
    at b (each WLS with the kernel weights), and ℬ from the linear design."""
    wh, wb = kernel_weights(x, h, kernel), kernel_weights(x, b, kernel)
    linear = np.column_stack([np.ones(len(x)), x])
    quadratic = np.column_stack([np.ones(len(x)), x, x * x])
    inside_b = wb > 0
    fit_p = sm.WLS(y, linear, weights=wh).fit()
    fit_q = sm.WLS(y[inside_b], quadratic[inside_b], weights=wb[inside_b]).fit(cov_type="HC1")
    gp = (linear * wh[:, None]).T @ linear
    lam = linear.T @ (wh * (x / h) ** 2)
    bias = float(np.linalg.solve(gp, lam)[0])
    return fit_p, fit_q, bias


def _rows_terms(
    x: np.ndarray, y: np.ndarray, h: float, b: float, kernel: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One side's pieces of the robust variance, row by row: G_p⁻¹, each row's Q and the
    local quadratic's residual ê_q (the formula in the comment above)."""
    wh, wb = kernel_weights(x, h, kernel), kernel_weights(x, b, kernel)
    rp = np.column_stack([np.ones(len(x)), x])
    rq = np.column_stack([np.ones(len(x)), x, x * x])
    igp = np.linalg.inv((rp * wh[:, None]).T @ rp)
    igq = np.linalg.inv((rq * wb[:, None]).T @ rq)
    lam = rp.T @ (wh * (x / h) ** 2)
    q = rp * wh[:, None] - h * h * np.outer(wb * (rq @ igq[2]), lam)
    residual = y - rq @ (igq @ (rq.T @ (wb * y)))
    return igp, q, residual


def _rows_variance(x: np.ndarray, y: np.ndarray, h: float, b: float, kernel: str) -> float:
    """The robust variance of one side's bias-corrected intercept, row by row."""
    igp, q, residual = _rows_terms(x, y, h, b, kernel)
    meat = (q * (residual**2)[:, None]).T @ q * len(x) / (len(x) - 3)
    return float((igp @ meat @ igp)[0, 0])


def _robust(ws: Workspace, b: float | None, kernel: str = "triangular") -> Any:
    plan = ws.prepare("rdd", rdd_request(b=b, kernel=kernel, inference="robust"))
    assert isinstance(plan, RobustPlan)
    return plan


@pytest.mark.parametrize("kernel", ["triangular", "uniform"])
def test_bias_corrected_with_b_equal_h_is_the_local_quadratic(
    issue_workspace: Workspace, kernel: str
) -> None:
    """ρ = 1 (b = h, the default): the bias-corrected jump is the difference of the two
    sides' local quadratic intercepts and its robust standard error their HC1 ones
    combined (statsmodels' WLS on each side, the kernel weights at h), to 1e-6."""
    plan = _robust(issue_workspace, None, kernel)
    data = _inside(issue_workspace, [])
    x, y = data["x"], data["lonn"].astype(float)
    fits = [
        _side_fits(x[side], y[side], BANDWIDTH, BANDWIDTH, kernel)[1] for side in (x < 0, x >= 0)
    ]
    tau = fits[1].params[0] - fits[0].params[0]
    error = np.sqrt(fits[1].bse[0] ** 2 + fits[0].bse[0] ** 2)
    ours = plan.corrected
    _close(ours.coefficients, np.array([tau]))
    _close(ours.std_errors, np.array([error]))
    print(
        f"rdd robust ({kernel}, b = h): tau_bc {ours.coefficients[0]:.6f} vs {tau:.6f}, "
        f"se_rb {ours.std_errors[0]:.6f} vs {error:.6f}; conventional "
        f"{plan.estimate.coefficients[0]:.6f} ({plan.estimate.std_errors[0]:.6f})"
    )
    assert plan.about["bias_bandwidth"] == BANDWIDTH


def test_bias_corrected_with_its_own_bandwidth_agrees_with_the_pieces(
    issue_workspace: Workspace,
) -> None:
    """b = 5 < h = 8.5: τ_bc = τ − h²(ℬ₊β₂₊ − ℬ₋β₂₋) from statsmodels' local linear fits at
    h and local quadratic fits at b; the robust standard error against the formula written
    row by row; to 1e-6. Its release: the model, then the bias-corrected jump (one row,
    `_discontinuity`) within model-noise's bound, its interval the robust one."""
    b = 5.0
    plan = _robust(issue_workspace, b)
    data = _inside(issue_workspace, [])
    x, y = data["x"], data["lonn"].astype(float)
    sides = []
    for side in (x < 0, x >= 0):
        fit_p, fit_q, bias = _side_fits(x[side], y[side], BANDWIDTH, b, "triangular")
        corrected = fit_p.params[0] - BANDWIDTH**2 * bias * fit_q.params[2]
        sides.append((corrected, _rows_variance(x[side], y[side], BANDWIDTH, b, "triangular")))
    tau = sides[1][0] - sides[0][0]
    error = np.sqrt(sides[0][1] + sides[1][1])
    _close(plan.corrected.coefficients, np.array([tau]))
    _close(plan.corrected.std_errors, np.array([error]))
    print(f"rdd robust (b = 5): tau_bc {tau:.6f}, se_rb {error:.6f}")
    model, corrected = plan.release(control_context(issue_workspace))
    assert corrected.about["inference"] == "robust" and corrected.about["bias_bandwidth"] == b
    assert model.about["inference"] == "conventional"
    assert [r.labels for r in corrected.result.rows] == [("_discontinuity",)]
    influence = plan.corrected.evidence.influence
    assert_noise_within_bounds(
        corrected.result,
        np.array([tau]),
        np.array([error]),
        influence,
        influence.std_error("robust"),
    )


def test_what_one_unit_moves_the_bias_corrected_jump_is_exact(issue_workspace: Workspace) -> None:
    """The influence output control is given: the largest change of τ_bc when one unit
    leaves, against τ_bc recomputed from scratch without each of the rows nearest the
    cutoff and at the edges of b (where the weights and leverage are largest)."""
    b = 5.0
    plan = _robust(issue_workspace, b)
    data = _inside(issue_workspace, [])
    x, y = data["x"], data["lonn"].astype(float)

    def tau_without(drop: int) -> float:
        keep = np.ones(len(x), dtype=bool)
        keep[drop] = False
        found = []
        for side in (x < 0, x >= 0):
            s = side & keep
            fit_p, fit_q, bias = _side_fits(x[s], y[s], BANDWIDTH, b, "triangular")
            found.append(fit_p.params[0] - BANDWIDTH**2 * bias * fit_q.params[2])
        return float(found[1] - found[0])

    tau = float(plan.corrected.coefficients[0])
    order = np.argsort(np.abs(y - np.median(y)))[::-1][:40]  # the most outlying outcomes
    moves = [abs(tau - tau_without(int(i))) for i in order]
    largest = float(plan.corrected.evidence.influence.coefficient[0])
    assert largest >= max(moves) * (1 - 1e-9)
    print(f"rdd robust: largest one-unit move {largest:.6g}, of 40 outliers {max(moves):.6g}")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bias_bandwidth": 9.0}, "bias_bandwidth"),
        ({"inference": "conventional", "bias_bandwidth": 5.0}, "bias_bandwidth"),
        ({"inference": "bc"}, "inference"),
    ],
)
def test_robust_inference_requests_wrong_are_4xx(
    issue_workspace: Workspace, change: dict[str, Any], field: str
) -> None:
    request = rdd_request(**{"inference": "robust", **change})
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare("rdd", request)
    assert 400 <= caught.value.http_status < 500
    assert caught.value.details.get("field") == field


def _jump(item: Any) -> tuple[Any, ...]:
    (row,) = item.result.rows
    return tuple(row.values)


def test_a_second_bias_bandwidth_on_the_same_rows_is_refused_not_answered_with_the_first(
    issue_workspace: Workspace,
) -> None:
    """Output control answers the bias-corrected jump by its pairs, the model's rows,
    whatever b is: b = h after b = 5 on the same rows showed b = 5's numbers under h's
    name. Now the first b released for the rows carries its b in its summary; the same b
    again gets the same answer, another b is refused (409, rdd-bias-bandwidth-released,
    naming both) before anything is released, and on a ledger where h came first, h gets
    its own numbers (not b = 5's) and b = 5 is the one refused."""
    context = control_context(issue_workspace)
    first = _robust(issue_workspace, 5.0).release(context)
    assert [i.about.get("bias_bandwidth") for i in first] == [None, 5.0]
    summary = {s.name: s.value for s in first[1].result.summary}
    assert summary["bias_bandwidth"] == 5.0
    again = _robust(issue_workspace, 5.0).release(context)
    assert _jump(again[1]) == _jump(first[1])
    for b in (None, 4.0, 5.0 + 1e-6):
        with pytest.raises(RegcatError) as caught:
            _robust(issue_workspace, b).release(context)
        error = caught.value
        asked = BANDWIDTH if b is None else b
        assert (error.code, error.http_status) == ("rdd-bias-bandwidth-released", 409)
        assert error.details == {"field": "bias_bandwidth", "released": 5.0, "asked": asked}
        assert "5" in error.nb and "5" in error.en and f"{asked:g}" in error.en
    # Nothing of the refused requests was registered: b = 5 still answers as before.
    assert _jump(_robust(issue_workspace, 5.0).release(context)[1]) == _jump(first[1])

    other = control_context(issue_workspace)  # another ledger: h asked first
    at_h = _robust(issue_workspace, None).release(other)
    assert {s.name: s.value for s in at_h[1].result.summary}["bias_bandwidth"] == BANDWIDTH
    assert _jump(at_h[1]) != _jump(first[1])
    assert at_h[0].result.rows == first[0].result.rows  # the model: the same answer
    with pytest.raises(RegcatError) as caught:
        _robust(issue_workspace, 5.0).release(other)
    assert caught.value.details["released"] == BANDWIDTH


# Clustered robust bias-corrected inference: each side's sandwich clustered on its own (as
# rdrobust adds the two sides' variances), u_c = Σ_{i∈c} Q(x_i)ê_i, factor G_s/(G_s − 1)·
# (N_s − 1)/(N_s − 3) (rdrobust's CR1: tests/test_models_rdd_rdrobust.py). Held also to statsmodels' clustered WLS
# of each side's local quadratic at b = h, to the formula row by row at b < h, and to HC1
# when every unit is its own cluster.


def _clustered_rows_variance(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, h: float, b: float, kernel: str
) -> float:
    igp, q, residual = _rows_terms(x, y, h, b, kernel)
    meat = np.zeros((2, 2))
    for g in np.unique(groups):
        u = (q[groups == g] * residual[groups == g, None]).sum(axis=0)
        meat += np.outer(u, u)
    count, n = len(np.unique(groups)), len(x)
    meat *= count / (count - 1) * (n - 1) / (n - 3)
    return float((igp @ meat @ igp)[0, 0])


@pytest.mark.parametrize("b", [None, 5.0])
def test_clustered_bias_corrected_inference(issue_workspace: Workspace, b: float | None) -> None:
    request = rdd_request(b=b, inference="robust", cluster="kommune")
    plan = issue_workspace.prepare("rdd", request)
    assert isinstance(plan, RobustPlan)
    hc1 = _robust(issue_workspace, b)
    data = _inside(issue_workspace, [])
    x, y, groups = data["x"], data["lonn"].astype(float), data["groups"]
    if b is None:  # b = h: each side's local quadratic, statsmodels' clustered WLS
        fits = [
            sm.WLS(
                y[side],
                np.column_stack([np.ones(side.sum()), x[side], x[side] ** 2]),
                weights=kernel_weights(x[side], BANDWIDTH, "triangular"),
            ).fit(cov_type="cluster", cov_kwds={"groups": groups[side]})
            for side in (x < 0, x >= 0)
        ]
        error = np.sqrt(fits[0].bse[0] ** 2 + fits[1].bse[0] ** 2)
    else:
        error = np.sqrt(
            sum(
                _clustered_rows_variance(x[s], y[s], groups[s], BANDWIDTH, b, "triangular")
                for s in (x < 0, x >= 0)
            )
        )
    _close(plan.corrected.coefficients, hc1.corrected.coefficients)  # the same jump
    _close(plan.corrected.std_errors, np.array([error]))
    assert not np.allclose(plan.corrected.std_errors, hc1.corrected.std_errors, rtol=1e-3)
    assert plan.corrected.covariance == "cluster" and plan.fit.covariance == "cluster"
    print(
        f"rdd robust clustered (b = {b}): se_rb {error:.6f} vs HC1 {hc1.corrected.std_errors[0]:.6f}"
    )
    model, corrected = plan.release(control_context(issue_workspace))
    assert model.about["std_errors"] == "cluster" and model.about["inference"] == "conventional"
    assert corrected.about["inference"] == "robust" and corrected.about["std_errors"] == "cluster"
    influence = plan.corrected.evidence.influence
    assert_noise_within_bounds(
        corrected.result,
        plan.corrected.coefficients,
        np.array([error]),
        influence,
        influence.std_error("cluster"),
    )


def test_bias_corrected_clustered_by_the_unit_is_hc1(issue_workspace: Workspace) -> None:
    """One row per person: each its own cluster, G/(G − 1)·(N − 1)/(N − 3) = N/(N − 3)."""
    request = rdd_request(b=5.0, inference="robust", cluster="_unit")
    plan = issue_workspace.prepare("rdd", request)
    assert isinstance(plan, RobustPlan)
    _close(plan.corrected.std_errors, _robust(issue_workspace, 5.0).corrected.std_errors)


def test_too_few_clusters_on_one_side_are_refused_naming_it(issue_workspace: Workspace) -> None:
    """Clustered by age within 8.5 years of 40: 8 ages below the cutoff (32-39), fewer than
    10 clusters on that side, for each side's own sandwich: a 4xx naming the variable and
    the side."""
    request = rdd_request(inference="robust", cluster="alder")
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare("rdd", request)
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert "«alder» (under grensen)" in error.nb and "'alder' (below the cutoff)" in error.en
