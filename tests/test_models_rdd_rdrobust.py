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
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.statistics.rdd import FuzzyPlan, RobustPlan
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.rdd_support import BANDWIDTH, CUTOFF, rdd_request, with_treatment
from tests.test_analysis_models import _close, _rows
from tests.test_analysis_support import control_context

rdrobust = pytest.importorskip("rdrobust").rdrobust

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


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


def _refits_without(
    data: dict[str, np.ndarray], outlying: int, near: int, refit: Callable[[dict], Any]
) -> list[Any]:
    """rdrobust's estimate row refitted without each of the `outlying` rows inside the
    bandwidth farthest from the outcome's median and the `near` rows nearest the cutoff
    (where the kernel's weights are largest): the rows a one-unit bound must cover."""
    y, x = data["lonn"].astype(float), data["alder"].astype(float)
    inside = np.flatnonzero(np.abs(x - CUTOFF) < BANDWIDTH)
    far = inside[np.argsort(np.abs(y[inside] - np.median(y[inside])))[::-1][:outlying]]
    close = inside[np.argsort(np.abs(x[inside] - CUTOFF))[:near]]
    found = []
    for drop in (*far, *close):
        keep = np.ones(len(y), dtype=bool)
        keep[drop] = False
        found.append(refit({name: values[keep] for name, values in data.items()}).Estimate.iloc[0])
    return found


def _options(
    data: dict[str, np.ndarray], cluster: str | None, covariates: list[str], fuzzy: bool
) -> dict[str, Any]:
    """rdrobust's keywords for the design: cluster= (the kommune codes), covs= (the
    covariates' columns) and fuzzy= (the treatment), each only where the design has it."""
    options: dict[str, Any] = {}
    if fuzzy:
        options["fuzzy"] = data["behandlet"].astype(float)
    if covariates:
        options["covs"] = np.column_stack([data[name].astype(float) for name in covariates])
    if cluster is not None:
        options["cluster"] = data["groups"]
    return options


def _assert_agrees(conventional: Any, corrected: Any, estimate: Any) -> None:
    """Our conventional jump, bias-corrected jump and its robust standard error are
    rdrobust's tau.us, tau.bc and se.rb (1e-6 relative)."""
    _close(conventional.coefficients[:1], np.array([estimate["tau.us"]]))
    _close(corrected.coefficients, np.array([estimate["tau.bc"]]))
    _close(corrected.std_errors, np.array([estimate["se.rb"]]))


def _assert_influence_covers_refits(corrected: Any, refits: list[Any]) -> tuple[float, float]:
    """The influence output control is given for τ_bc (the most one unit's removal moves
    it) is at least each rdrobust refit's move of tau.bc; returns it and the largest move."""
    tau = float(corrected.coefficients[0])
    moves = [abs(tau - found["tau.bc"]) for found in refits]
    largest = float(corrected.evidence.influence.coefficient[0])
    assert largest >= max(moves) * (1 - 1e-9)
    return largest, max(moves)


def _plan(ws: Workspace, b: float | None, kernel: str, cluster: str | None = None) -> RobustPlan:
    plan = ws.prepare("rdd", rdd_request(b=b, cluster=cluster, kernel=kernel, inference="robust"))
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
    _assert_agrees(conventional, corrected, found)
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


def _fuzzy_plan(
    ws: Workspace, b: float | None, kernel: str | None, cluster: str | None, **fields: Any
) -> FuzzyPlan:
    """The fuzzy design's robust plan (`kernel` None: the default kernel)."""
    if kernel is not None:
        fields["kernel"] = kernel
    request = rdd_request(b=b, cluster=cluster, inference="robust", treatment="behandlet", **fields)
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, FuzzyPlan) and plan.robust is not None
    return plan


def _released(plan: FuzzyPlan, ws: Workspace) -> list[Any]:
    """The fuzzy plan released: the Wald model (conventional), the bias-corrected jump
    (robust, one row named by the treatment) and the first stage."""
    items = list(plan.release(control_context(ws)))
    assert [i.about.get("inference") for i in items] == ["conventional", "robust", None]
    assert [r.labels for r in items[1].result.rows] == [("behandlet",)]
    return items


@pytest.mark.parametrize(
    ("kernel", "b", "cluster"),
    [
        ("triangular", None, None),
        ("uniform", 5.5, None),
        ("triangular", 5.5, None),
        ("triangular", None, "kommune"),
        ("uniform", 5.5, "kommune"),
    ],
)
def test_fuzzy_robust_agrees_with_rdrobust(
    issue_workspace: Workspace, kernel: str, b: float | None, cluster: str | None
) -> None:
    """The fuzzy design (rdrobust's fuzzy=): the Wald ratio τ, its bias-corrected
    τ_bc = τ − s'(bias of the two jumps), s = (1/T, −Y/T²), and the robust standard error
    by the delta method (rdrobust hc1, or cr1 with the cluster), to 1e-6. The conventional
    standard error: rdrobust's hc0 times the pooled N/(N − 4) (IV2SLS's HC1, as the sharp)."""
    ws = with_treatment(issue_workspace)
    plan = _fuzzy_plan(ws, b, kernel, cluster)
    data = _data(ws, ["behandlet"])
    options = _options(data, cluster, [], fuzzy=True)
    found = _reference(data, b or BANDWIDTH, kernel, vce="cr1" if cluster else "hc1", **options)
    estimate = found.Estimate.iloc[0]
    assert plan.robust is not None
    corrected = plan.robust.corrected
    _assert_agrees(plan.estimate, corrected, estimate)
    if cluster is None:
        hc0 = _reference(data, b or BANDWIDTH, kernel, vce="hc0", **options).Estimate.iloc[0]
        rows = plan.estimate.observations
        _close(plan.estimate.std_errors[:1], np.array([hc0["se.us"] * np.sqrt(rows / (rows - 4))]))
    print(
        f"rdd fuzzy vs rdrobust ({kernel}, b = {b or BANDWIDTH}, cluster {cluster}): tau "
        f"{plan.estimate.coefficients[0]:.6f} vs {estimate['tau.us']:.6f}, tau_bc "
        f"{corrected.coefficients[0]:.6f} vs {estimate['tau.bc']:.6f}, se_rb "
        f"{corrected.std_errors[0]:.6f} vs {estimate['se.rb']:.6f}"
    )
    items = _released(plan, ws)
    assert items[1].about["bias_bandwidth"] == (b or BANDWIDTH)


def test_what_one_unit_moves_the_fuzzy_bias_corrected_ratio_is_exact(
    issue_workspace: Workspace,
) -> None:
    """Output control's influence for the fuzzy τ_bc: the most one unit's removal moves
    it, computed from exact one-row deletions of the four jumps; at least what rdrobust
    refitted without each of the 30 most outlying rows (and of the treated rows nearest
    the cutoff, where the weights are largest) finds."""
    ws = with_treatment(issue_workspace)
    plan = _fuzzy_plan(ws, 5.5, "triangular", None)
    assert plan.robust is not None
    data = _data(ws, ["behandlet"])
    largest, most = _assert_influence_covers_refits(
        plan.robust.corrected,
        _refits_without(
            data,
            30,
            10,
            lambda kept: _reference(
                kept, 5.5, "triangular", vce="hc1", fuzzy=kept["behandlet"].astype(float)
            ),
        ),
    )
    print(f"rdd fuzzy robust: largest one-unit move {largest:.6g}, of 40 rows {most:.6g}")


def test_fuzzy_robust_a_second_bias_bandwidth(issue_workspace: Workspace) -> None:
    """A second b on the Wald model's rows is refused (409) before anything is released,
    as the sharp one."""
    ws = with_treatment(issue_workspace)
    context = control_context(ws)
    first = _fuzzy_plan(ws, 5.5, "triangular", None).release(context)
    assert [i.about.get("bias_bandwidth") for i in first] == [None, 5.5, None]
    with pytest.raises(RegcatError) as caught:
        _fuzzy_plan(ws, None, "triangular", None).release(context)
    assert (caught.value.code, caught.value.http_status) == ("rdd-bias-bandwidth-released", 409)
    again = _fuzzy_plan(ws, 5.5, "triangular", None).release(context)
    assert [i.result.rows for i in again] == [i.result.rows for i in first]


@pytest.mark.parametrize(
    ("kernel", "b", "cluster"),
    [("triangular", None, None), ("uniform", 5.5, None), ("triangular", 5.5, "kommune")],
)
def test_covariate_adjusted_robust_agrees_with_rdrobust(
    issue_workspace: Workspace, kernel: str, b: float | None, cluster: str | None
) -> None:
    """Covariates (rdrobust's covs=, Calonico, Cattaneo, Farrell and Titiunik 2019): the
    conventional jump net of the covariates' common coefficient, the bias-corrected one
    τ_bc = A_y − δ'A_z and its robust standard error (hc1, or cr1 with the cluster), 1e-6."""
    ws = issue_workspace
    request = rdd_request(b=b, cluster=cluster, kernel=kernel, inference="robust", x=["kjonn"])
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, RobustPlan)
    data = _data(ws, ["kjonn"])
    options = _options(data, cluster, ["kjonn"], fuzzy=False)
    found = _reference(data, b or BANDWIDTH, kernel, vce="cr1" if cluster else "hc1", **options)
    estimate = found.Estimate.iloc[0]
    _assert_agrees(plan.estimate, plan.corrected, estimate)
    print(
        f"rdd covs vs rdrobust ({kernel}, b = {b or BANDWIDTH}, cluster {cluster}): tau "
        f"{plan.estimate.coefficients[0]:.6f} vs {estimate['tau.us']:.6f}, tau_bc "
        f"{plan.corrected.coefficients[0]:.6f} vs {estimate['tau.bc']:.6f}, se_rb "
        f"{plan.corrected.std_errors[0]:.6f} vs {estimate['se.rb']:.6f}"
    )
    if cluster is None and b is not None:  # the one-unit move against rdrobust refits
        largest, most = _assert_influence_covers_refits(
            plan.corrected,
            _refits_without(
                data,
                20,
                0,
                lambda kept: _reference(
                    kept, b, kernel, vce="hc1", covs=kept["kjonn"].astype(float)[:, None]
                ),
            ),
        )
        print(f"rdd covs robust: largest one-unit move {largest:.6g}, of 20 rows {most:.6g}")
    model, corrected = plan.release(control_context(ws))
    assert model.about["inference"] == "conventional" and corrected.about["inference"] == "robust"


@pytest.mark.parametrize(
    ("kernel", "b", "cluster", "covariates"),
    [
        ("triangular", None, None, ["kjonn"]),
        ("uniform", 5.5, None, ["kjonn"]),
        ("triangular", 5.5, None, ["kjonn", "utdanning"]),
        ("triangular", None, "kommune", ["kjonn"]),
        ("uniform", 5.5, "kommune", ["kjonn", "utdanning"]),
    ],
)
def test_fuzzy_covariate_adjusted_robust_agrees_with_rdrobust(
    issue_workspace: Workspace,
    kernel: str,
    b: float | None,
    cluster: str | None,
    covariates: list[str],
) -> None:
    """The fuzzy design with covariates (rdrobust's fuzzy= with covs=): the Wald ratio of
    the two jumps net of the covariates (each its own partialled-out γ), its bias-corrected
    τ_bc = τ − s'(bias of the two adjusted jumps) and the robust standard error by the delta
    method (hc1, or cr1 with the cluster), and so the robust interval, to 1e-6."""
    ws = with_treatment(issue_workspace)
    plan = _fuzzy_plan(ws, b, kernel, cluster, x=covariates)
    assert plan.robust is not None
    data = _data(ws, ["behandlet", *covariates])
    options = _options(data, cluster, covariates, fuzzy=True)
    found = _reference(data, b or BANDWIDTH, kernel, vce="cr1" if cluster else "hc1", **options)
    estimate = found.Estimate.iloc[0]
    corrected = plan.robust.corrected
    _assert_agrees(plan.estimate, corrected, estimate)
    low, high = found.ci.loc["Robust"]
    quantile = (high - low) / (2 * estimate["se.rb"])
    tau_bc, se_rb = corrected.coefficients[0], corrected.std_errors[0]
    _close(np.array([tau_bc - quantile * se_rb, tau_bc + quantile * se_rb]), np.array([low, high]))
    print(
        f"rdd fuzzy covs {covariates} vs rdrobust ({kernel}, b = {b or BANDWIDTH}, cluster "
        f"{cluster}): tau {plan.estimate.coefficients[0]:.6f} vs {estimate['tau.us']:.6f}, "
        f"tau_bc {tau_bc:.6f} vs {estimate['tau.bc']:.6f}, se_rb {se_rb:.6f} vs "
        f"{estimate['se.rb']:.6f}; conventional se {plan.estimate.std_errors[0]:.6f}, "
        f"rdrobust se.us {estimate['se.us']:.6f}"
    )
    _released(plan, ws)


def test_what_one_unit_moves_the_fuzzy_covariate_adjusted_ratio_is_exact(
    issue_workspace: Workspace,
) -> None:
    """Output control's influence for the fuzzy τ_bc with covariates: at least what
    rdrobust refitted without each of the 20 most outlying rows and the 10 treated rows
    nearest the cutoff finds (the exact deletions of the two WLS fits and of the sides')."""
    ws = with_treatment(issue_workspace)
    plan = _fuzzy_plan(ws, 5.5, None, None, x=["kjonn"])
    assert plan.robust is not None
    data = _data(ws, ["behandlet", "kjonn"])
    largest, most = _assert_influence_covers_refits(
        plan.robust.corrected,
        _refits_without(
            data,
            20,
            10,
            lambda kept: _reference(
                kept,
                5.5,
                "triangular",
                vce="hc1",
                fuzzy=kept["behandlet"].astype(float),
                covs=kept["kjonn"].astype(float)[:, None],
            ),
        ),
    )
    print(f"rdd fuzzy covs robust: largest one-unit move {largest:.6g}, of 30 rows {most:.6g}")


def test_fuzzy_covariate_adjusted_conventional_error_differs_by_the_covariates_bread(
    issue_workspace: Workspace,
) -> None:
    """The conventional standard error with covariates differs by definition: ours is the
    Wald model's (weighted IV2SLS's HC1 sandwich, whose bread holds the covariates, so δ's
    own estimation counts), rdrobust's each side's [1, x] bread with the residual's
    covariate term held fixed. Both are the same residuals: the IV model's, over T (the
    first stage's jump), through rdrobust's per-side HC0 sandwich, is rdrobust's hc0 se.us
    (1e-6), and ours differs from it."""
    ws = with_treatment(issue_workspace)
    plan = _fuzzy_plan(ws, None, None, None, x=["kjonn"])
    data = _data(ws, ["behandlet", "kjonn"])
    found = _reference(
        data,
        BANDWIDTH,
        "triangular",
        vce="hc0",
        fuzzy=data["behandlet"].astype(float),
        covs=data["kjonn"].astype(float)[:, None],
    )
    x = data["alder"].astype(float) - CUTOFF
    inside = np.abs(x) < BANDWIDTH
    above = (x >= 0).astype(float)
    design = np.column_stack(
        [data["behandlet"], x, above * x, data["kjonn"], np.ones_like(x)]
    ).astype(float)
    residuals = data["lonn"].astype(float) - design @ plan.estimate.coefficients
    jump_t = float(plan.first.estimate.coefficients[0])
    weights = np.maximum(1 - np.abs(x) / BANDWIDTH, 0.0)
    variance = 0.0
    for side in (inside & (x < 0), inside & (x >= 0)):
        r = np.column_stack([np.ones(side.sum()), x[side]])
        w = weights[side]
        bread = np.linalg.inv((r * w[:, None]).T @ r)
        meat = (r * (w * residuals[side] / jump_t)[:, None] ** 2).T @ r
        variance += float((bread @ meat @ bread)[0, 0])
    _close(np.array([np.sqrt(variance)]), np.array([found.Estimate.iloc[0]["se.us"]]))
    ours = float(plan.estimate.std_errors[0])
    assert not np.isclose(ours, np.sqrt(variance), rtol=1e-6)
    print(
        f"rdd fuzzy covs conventional: ours {ours:.6f}, rdrobust hc0 se.us "
        f"{found.Estimate.iloc[0]['se.us']:.6f}, rebuilt from ours {np.sqrt(variance):.6f}"
    )


@pytest.mark.parametrize("vce", ["hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3"])
def test_every_vce_agrees_with_rdrobust(issue_workspace: Workspace, vce: str) -> None:
    """`vce` (rdrobust's variance estimators of the robust standard error): hc0 … hc3, and
    with the cluster cr1 … cr3, for the sharp and the fuzzy design with and without a
    covariate, triangular b = h and uniform b < h: τ_bc and se.rb to 1e-6 (cr2 at b < h
    differs by about 5e-9 here: clusters with a singular block, rdd.py's text)."""
    ws = with_treatment(issue_workspace)
    data = _data(ws, ["behandlet", "kjonn"])
    designs: list[dict[str, Any]] = [
        {},
        {"x": ["kjonn"]},
        {"treatment": "behandlet"},
        {"treatment": "behandlet", "x": ["kjonn"]},
    ]
    for kernel, b in (("triangular", None), ("uniform", 5.5)):
        for design in designs:
            cluster = "kommune" if vce.startswith("cr") else None
            request = rdd_request(
                b=b, cluster=cluster, kernel=kernel, inference="robust", vce=vce, **design
            )
            options = _options(data, cluster, design.get("x", []), "treatment" in design)
            plan = ws.prepare("rdd", request)
            robust = plan.robust if isinstance(plan, FuzzyPlan) else plan
            assert isinstance(robust, RobustPlan)
            found = _reference(data, b or BANDWIDTH, kernel, vce=vce, **options)
            estimate = found.Estimate.iloc[0]
            corrected = robust.corrected
            _close(corrected.coefficients, np.array([estimate["tau.bc"]]))
            _close(corrected.std_errors, np.array([estimate["se.rb"]]))
            assert robust.about["vce"] == vce
            assert dict(corrected.given)["vce"] == vce
            print(
                f"rdd vce {vce} ({kernel}, b = {b or BANDWIDTH}, {sorted(design)}): se_rb "
                f"{corrected.std_errors[0]:.6f} vs {estimate['se.rb']:.6f} (relative "
                f"{corrected.std_errors[0] / estimate['se.rb'] - 1:.1e})"
            )


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"vce": "hc3", "inference": "conventional"}, "inference robust"),
        ({"vce": "nn"}, "nn"),
        ({"vce": "hc4"}, "hc0, hc1, hc2, hc3, cr1, cr2, cr3"),
        ({"vce": "hc2", "cluster": "kommune"}, "cr2"),
        ({"vce": "cr3"}, "cluster"),
    ],
)
def test_a_vce_that_is_not_offered_is_a_400_naming_it(
    issue_workspace: Workspace, extra: dict[str, Any], said: str
) -> None:
    request = rdd_request(**{"inference": "robust", **extra})
    with_treatment(issue_workspace)
    for design in ({}, {"treatment": "behandlet"}):
        with pytest.raises(RegcatError) as caught:
            issue_workspace.prepare("rdd", {**request, **design})
        error = caught.value
        assert error.http_status == 400 and error.details.get("field") == "vce"
        assert "«vce»" in error.nb and "'vce'" in error.en
        assert said in error.nb and said in error.en


def test_a_second_vce_on_released_rows_is_refused(issue_workspace: Workspace) -> None:
    """The bias-corrected jump's answer is registered under the model's pairs whatever its
    vce: a second vce would be shown the first's standard error under its own name, so it
    is refused (409) before anything is released, naming the released one; the same vce
    again gets its registered answer."""
    ws = issue_workspace
    request = rdd_request(inference="robust", vce="hc3")
    context = control_context(ws)
    plan = ws.prepare("rdd", request)
    first = plan.release(context)
    assert [i.about.get("vce") for i in first] == [None, "hc3"]
    with pytest.raises(RegcatError) as caught:
        ws.prepare("rdd", {**request, "vce": "hc0"}).release(context)
    error = caught.value
    assert (error.code, error.http_status) == ("rdd-vce-released", 409)
    assert error.details.get("field") == "vce" and "hc3" in error.nb and "hc3" in error.en
    again = ws.prepare("rdd", request).release(context)
    assert [i.result.rows for i in again] == [i.result.rows for i in first]


def test_the_robust_errors_share_bounds_what_one_row_moves_it(issue_workspace: Workspace) -> None:
    """Model-noise of the bias-corrected standard error is scaled by the largest share one
    unit holds of it: the model's, or the error's own from the local quadratic's residuals
    and leverage (hc3 weighs a row by 1/(1 − h_q)²), whichever is larger. It is at least
    the relative change rdrobust's se.rb (vce hc3) makes without each of the 20 most
    outlying rows and the 10 nearest the cutoff."""
    ws = issue_workspace
    request = rdd_request(b=5.5, inference="robust", vce="hc3")
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, RobustPlan)
    data = _data(ws, [])
    error = float(plan.corrected.std_errors[0])
    refits = _refits_without(
        data, 20, 10, lambda kept: _reference(kept, 5.5, "triangular", vce="hc3")
    )
    moves = [abs(error - found["se.rb"]) / error for found in refits]
    share = float(plan.corrected.evidence.influence.sandwich_std_error[0])
    model = float(np.max(plan.fit.evidence.influence.sandwich_std_error))
    assert share >= max(moves)
    print(
        f"rdd robust hc3: error share {share:.4g} (the model's {model:.4g}), largest relative "
        f"move of se_rb over 30 rows {max(moves):.4g}"
    )
