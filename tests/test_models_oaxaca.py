"""oaxaca (Oaxaca–Blinder, threefold and twofold with group 2's coefficients the
reference) agrees with the decomposition written out here on statsmodels' OLS fits of each
group on the same rows, to 1e-6 relative: every component and its delta-method standard
error (each group's classical covariance and the sample covariance of its regressors'
means). What one unit moves each component equals brute-force leave-one-out refits; what
leaves is within model-noise's bound; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.statistics.oaxaca import (
    COMPONENTS,
    OaxacaPlan,
    group_fit,
    moved_by_one,
    pooled_fit,
)
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds, design, refusal
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def reference(x: np.ndarray, y: np.ndarray, in_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The components and their standard errors from statsmodels' OLS of each group."""
    fits, means, spreads = [], [], []
    for chosen in (~in_b, in_b):
        fits.append(sm.OLS(y[chosen], x[chosen]).fit())
        means.append(x[chosen].mean(axis=0))
        spreads.append(np.cov(x[chosen], rowvar=False, ddof=1) / chosen.sum())
    (fa, fb), (xa, xb), (sa, sb) = fits, means, spreads
    ba, bb = np.asarray(fa.params), np.asarray(fb.params)
    va, vb = np.asarray(fa.cov_params()), np.asarray(fb.cov_params())
    dx, db = xa - xb, ba - bb
    # Each component as (its value, ∂/∂x̄_A, ∂/∂x̄_B, ∂/∂β_A, ∂/∂β_B).
    zero = np.zeros_like(xa)
    rows = {
        "prediction_1": (xa @ ba, ba, zero, xa, zero),
        "prediction_2": (xb @ bb, zero, bb, zero, xb),
        "difference": (xa @ ba - xb @ bb, ba, -bb, xa, -xb),
        "endowments": (dx @ bb, bb, -bb, zero, dx),
        "coefficients": (xb @ db, zero, db, xb, -xb),
        "interaction": (dx @ db, db, -db, dx, -dx),
        "explained": (dx @ bb, bb, -bb, zero, dx),
        "unexplained": (xa @ db, db, zero, xa, -xa),
    }
    values, errors = [], []
    for name in COMPONENTS:
        value, gxa, gxb, gba, gbb = rows[name]
        values.append(value)
        errors.append(np.sqrt(gba @ va @ gba + gbb @ vb @ gbb + gxa @ sa @ gxa + gxb @ sb @ gxb))
    return np.array(values), np.array(errors)


def _plan(ws: Workspace, request: dict[str, Any]) -> OaxacaPlan:
    plan = ws.prepare("oaxaca", request)
    assert isinstance(plan, OaxacaPlan)
    return plan


def test_oaxaca_agrees_with_statsmodels_ols(issue_workspace: Workspace) -> None:
    request = {"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"}
    plan = _plan(issue_workspace, request)
    data = _rows(issue_workspace, ["lonn", "alder", "utdanning", "kjonn"])
    x = design(data, "alder", "i.utdanning")
    in_b = data["kjonn"].astype(str) == plan.levels[1]
    values, errors = reference(x, data["lonn"].astype(float), in_b)
    assert plan.levels == ("1", "2")
    _close(plan.values, values)
    _close(plan.std_errors, errors)
    # The parts add up: threefold and twofold both to the difference.
    v = dict(zip(COMPONENTS, plan.values, strict=True))
    assert np.isclose(v["endowments"] + v["coefficients"] + v["interaction"], v["difference"])
    assert np.isclose(v["explained"] + v["unexplained"], v["difference"])
    (item,) = plan.release(control_context(issue_workspace))
    assert [r.labels[0] for r in item.result.rows] == list(COMPONENTS)
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result, values, errors, influence, influence.classical_std_error
    )


def test_what_one_unit_moves_is_leave_one_out() -> None:
    x, y, in_b, _, fa, fb = _two_groups(5)
    # Each row its own pattern: its residual is the pattern's smallest and largest.
    residual = y - np.where(in_b, x @ fb.beta, x @ fa.beta)
    moved = moved_by_one(fa, fb, x, in_b, residual, residual)
    _close(moved, _largest_leave_one_out(reference, x, y, in_b))


def _two_groups(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any, Any]:
    """80 rows of two groups (about 40 % in b) whose slope of the first regressor differs,
    one row per pattern (weight 1): x, y, in_b, the weights, and each group's fit."""
    rng = np.random.default_rng(seed)
    n = 80
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), np.ones(n)])
    in_b = rng.random(n) < 0.4
    y = x @ np.array([1.0, -2.0, 3.0]) + 2.0 * in_b * x[:, 0] + rng.normal(size=n)
    ones = np.ones(n)
    fa = group_fit(x[~in_b], ones[~in_b], y[~in_b], np.zeros((~in_b).sum()))
    fb = group_fit(x[in_b], ones[in_b], y[in_b], np.zeros(in_b.sum()))
    assert fa is not None and fb is not None
    return x, y, in_b, ones, fa, fb


def _largest_leave_one_out(
    reference_of: Any, x: np.ndarray, y: np.ndarray, in_b: np.ndarray
) -> np.ndarray:
    """Per value of `reference_of`, the most that leaving out one row moves it."""
    base, _ = reference_of(x, y, in_b)
    largest = np.zeros(len(base))
    for i in range(len(y)):
        kept = np.arange(len(y)) != i
        values, _ = reference_of(x[kept], y[kept], in_b[kept])
        largest = np.maximum(largest, np.abs(values - base))
    return largest


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        ({"group": "kjonn", "x": ["i.kjonn"]}, "invalid-request", "kjonn"),
        ({"group": "lonn"}, "invalid-request", "lonn"),
        ({"group": None}, "invalid-request", "group"),
        ({"group": "utdanning"}, "invalid-request", "utdanning"),
        ({"group": "finnes_ikke"}, "unknown-variable", "finnes_ikke"),
        ({"y": "kommune"}, "statistic-needs-number", "kommune"),
    ],
)
def test_bad_requests_are_4xx_naming_the_variable(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    request = {"y": "lonn", "x": ["alder"], "group": "kjonn", **request_}
    error = refusal(issue_workspace, "oaxaca", request)
    assert error.code == code
    assert named in json.dumps([error.nb, error.en, error.details])


def _pooled_reference(x: np.ndarray, y: np.ndarray, in_b: np.ndarray) -> tuple[Any, Any]:
    """The pooled twofold: statsmodels' OaxacaBlinder (two_fold "pooled": OLS over both
    groups with the group's indicator) for the values; the standard errors written out row
    by row: β_A, β_B and β* stacked as L·y, Var = L diag(s²_g of each row's group) L', and
    the means' sample covariances, through the same gradients."""
    from statsmodels.stats.oaxaca import OaxacaBlinder

    exog = np.column_stack([x, in_b.astype(float)])
    found = OaxacaBlinder(y, exog, x.shape[1], hasconst=True, swap=False)
    found.two_fold(two_fold_type="pooled")
    values = np.array([found.explained, found.unexplained])
    p = x.shape[1]
    maps, sigma2 = [], np.zeros(len(y))
    for chosen in (~in_b, in_b):
        part = np.zeros((p, len(y)))
        part[:, chosen] = np.linalg.pinv(x[chosen])
        maps.append(part)
        fit = sm.OLS(y[chosen], x[chosen]).fit()
        sigma2[chosen] = fit.scale
    maps.append(np.linalg.pinv(exog)[:p])
    stacked = np.vstack(maps)
    joint = stacked @ (stacked.T * sigma2[:, None])
    xa, xb = x[~in_b].mean(axis=0), x[in_b].mean(axis=0)
    ba, bb, bs = (m @ y for m in maps)
    sa = np.cov(x[~in_b], rowvar=False, ddof=1) / (~in_b).sum()
    sb = np.cov(x[in_b], rowvar=False, ddof=1) / in_b.sum()
    dx, zero = xa - xb, np.zeros(p)
    errors = []
    for gxa, gxb, gb in (
        (bs, -bs, np.concatenate([zero, zero, dx])),
        (ba - bs, bs - bb, np.concatenate([xa, -xb, -dx])),
    ):
        errors.append(np.sqrt(gb @ joint @ gb + gxa @ sa @ gxa + gxb @ sb @ gxb))
    return values, np.array(errors)


def test_pooled_twofold_agrees_with_statsmodels(issue_workspace: Workspace) -> None:
    request = {"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"}
    plan = _plan(issue_workspace, {**request, "reference": "pooled"})
    plain = _plan(issue_workspace, request)
    data = _rows(issue_workspace, ["lonn", "alder", "utdanning", "kjonn"])
    x = design(data, "alder", "i.utdanning")
    in_b = data["kjonn"].astype(str) == plan.levels[1]
    y = data["lonn"].astype(float)
    values, errors = _pooled_reference(x, y, in_b)
    _close(plan.values[6:8], values)
    _close(plan.std_errors[6:8], errors)
    # the threefold and the difference are the same as with group 2's reference
    _close(plan.values[:6], plain.values[:6])
    _close(plan.std_errors[:6], plain.std_errors[:6])
    assert np.isclose(plan.values[6] + plan.values[7], plan.values[2])
    assert plan.about["reference"] == "pooled" and plain.about["reference"] == "2"
    (item,) = plan.release(control_context(issue_workspace))
    assert [r.labels[0] for r in item.result.rows] == list(COMPONENTS)
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result, plan.values, plan.std_errors, influence, influence.classical_std_error
    )


def test_what_one_unit_moves_the_pooled_twofold_is_leave_one_out() -> None:
    x, y, in_b, ones, fa, fb = _two_groups(7)
    pooled = pooled_fit(x, in_b, ones, y, fa, fb)
    assert pooled is not None
    residual = y - np.where(in_b, x @ fb.beta, x @ fa.beta)
    moved = moved_by_one(fa, fb, x, in_b, residual, residual, pooled)
    _close(moved[6:8], _largest_leave_one_out(_pooled_reference, x, y, in_b))


def _sandwich_reference(
    x: np.ndarray,
    y: np.ndarray,
    in_b: np.ndarray,
    covariance: str,
    clusters: np.ndarray | None,
    pooled: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The components' standard errors under a sandwich, written out row by row: each
    group's β block is statsmodels' OLS(cov_type "HC1" or "cluster") of the group (held to
    it here), the joint covariance of (β_A, β_B[, β*]) as Σ_c u_c u_c' of the stacked
    influence rows L_i·e_i·√f_g, the means' as S_g/n_g (robust) or the clustered variance
    of the means of both groups (factor G_g/(G_g − 1)); then the delta method."""
    from statsmodels.stats.oaxaca import OaxacaBlinder

    p = x.shape[1]
    groups = (~in_b, in_b)
    maps, residual, factor, mean_factor = [], np.zeros(len(y)), np.zeros(len(y)), np.zeros(len(y))
    fits = []
    for chosen in groups:
        part = np.zeros((p, len(y)))
        part[:, chosen] = np.linalg.pinv(x[chosen])
        maps.append(part)
        if covariance == "robust":
            fit = sm.OLS(y[chosen], x[chosen]).fit(cov_type="HC1")
            factor[chosen] = chosen.sum() / (chosen.sum() - p)
        else:
            assert clusters is not None
            fit = sm.OLS(y[chosen], x[chosen]).fit(
                cov_type="cluster", cov_kwds={"groups": clusters[chosen]}
            )
            g = len(np.unique(clusters[chosen]))
            factor[chosen] = g / (g - 1) * (chosen.sum() - 1) / (chosen.sum() - p)
            mean_factor[chosen] = g / (g - 1)
        fits.append(fit)
        residual[chosen] = np.asarray(fit.resid)
    if pooled:
        exog = np.column_stack([x, in_b.astype(float)])
        maps.append(np.linalg.pinv(exog)[:p])
    stacked = np.vstack(maps)  # (2 or 3)p × N
    scores = stacked * (residual * np.sqrt(factor))[None, :]
    owner = np.arange(len(y)) if clusters is None else np.unique(clusters, return_inverse=True)[1]
    summed = np.zeros((stacked.shape[0], int(owner.max()) + 1))
    np.add.at(summed.T, owner, scores.T)
    joint = summed @ summed.T
    for k, fit in enumerate(fits):  # each group's block is statsmodels' own
        block = joint[k * p : (k + 1) * p, k * p : (k + 1) * p]
        _close(block.ravel(), np.asarray(fit.cov_params()).ravel())
    xa, xb = x[~in_b].mean(axis=0), x[in_b].mean(axis=0)
    if covariance == "robust":
        means = np.zeros((2 * p, 2 * p))
        means[:p, :p] = np.cov(x[~in_b], rowvar=False, ddof=1) / (~in_b).sum()
        means[p:, p:] = np.cov(x[in_b], rowvar=False, ddof=1) / in_b.sum()
    else:
        deviation = np.zeros((2 * p, len(y)))
        deviation[:p, ~in_b] = ((x[~in_b] - xa) / (~in_b).sum()).T
        deviation[p:, in_b] = ((x[in_b] - xb) / in_b.sum()).T
        deviation *= np.sqrt(mean_factor)[None, :]
        per = np.zeros((2 * p, int(owner.max()) + 1))
        np.add.at(per.T, owner, deviation.T)
        means = per @ per.T
    ba, bb = (m @ y for m in maps[:2])
    dx, db, zero = xa - xb, ba - bb, np.zeros(p)
    rows = [
        (ba, zero, xa, zero),
        (zero, bb, zero, xb),
        (ba, -bb, xa, -xb),
        (bb, -bb, zero, dx),
        (zero, db, xb, -xb),
        (db, -db, dx, -dx),
        (bb, -bb, zero, dx),
        (db, zero, xa, -xa),
    ]
    gradients = [
        (np.concatenate([a, b]), np.concatenate([c, d, *([zero] if pooled else [])]))
        for a, b, c, d in rows
    ]
    values = np.array(
        [xa @ ba, xb @ bb, xa @ ba - xb @ bb, dx @ bb, xb @ db, dx @ db, dx @ bb, xa @ db]
    )
    if pooled:
        found = OaxacaBlinder(y, exog, p, hasconst=True, swap=False)
        found.two_fold(two_fold_type="pooled")
        bs = maps[2] @ y
        values[6:8] = [found.explained, found.unexplained]
        gradients[6:8] = [
            (np.concatenate([bs, -bs]), np.concatenate([zero, zero, dx])),
            (np.concatenate([ba - bs, bs - bb]), np.concatenate([xa, -xb, -dx])),
        ]
    errors = [np.sqrt(gm @ means @ gm + gb @ joint @ gb) for gm, gb in gradients]
    return values, np.array(errors)


@pytest.mark.parametrize("reference_", ["2", "pooled"])
@pytest.mark.parametrize("covariance", ["robust", "cluster", "unit"])
def test_robust_and_clustered_errors_agree_with_statsmodels(
    issue_workspace: Workspace, covariance: str, reference_: str
) -> None:
    """Jann 2008's vce(robust) and vce(cluster): each group's coefficients' covariance is
    statsmodels' OLS HC1 or cluster (kommune: a cluster holds both groups, so β_A and β_B
    covary; _unit: each person a cluster), through the delta method, to 1e-6."""
    request: dict[str, Any] = {
        "y": "lonn",
        "x": ["alder", "i.utdanning"],
        "group": "kjonn",
        "reference": reference_,
    }
    if covariance == "robust":
        request["robust"] = True
    else:
        request["cluster"] = "kommune" if covariance == "cluster" else "_unit"
    plan = _plan(issue_workspace, request)
    classical = _plan(
        issue_workspace, {k: v for k, v in request.items() if k not in ("robust", "cluster")}
    )
    data = _rows(issue_workspace, ["lonn", "alder", "utdanning", "kjonn", "kommune"])
    x = design(data, "alder", "i.utdanning")
    in_b = data["kjonn"].astype(str) == plan.levels[1]
    y = data["lonn"].astype(float)
    clusters = None
    if covariance == "cluster":
        clusters = np.unique(data["kommune"].astype(str), return_inverse=True)[1]
    elif covariance == "unit":
        clusters = np.arange(len(y))
    values, errors = _sandwich_reference(
        x,
        y,
        in_b,
        "robust" if covariance == "robust" else "cluster",
        clusters,
        reference_ == "pooled",
    )
    _close(plan.values, values)
    _close(plan.std_errors, errors)
    _close(plan.values, classical.values)  # the same decomposition, other errors
    assert not np.allclose(plan.std_errors, classical.std_errors, rtol=1e-3)
    assert plan.fit.covariance == ("robust" if covariance == "robust" else "cluster")
    (item,) = plan.release(control_context(issue_workspace))
    assert item.about["std_errors"] == plan.fit.covariance
    influence = plan.fit.evidence.influence
    # The coefficient noise's scale is the classical errors, as for every model's.
    _close(influence.scale, classical.std_errors)
    assert_noise_within_bounds(item.result, values, errors, influence, influence.sandwich_std_error)
    (plain,) = classical.release(control_context(issue_workspace))
    assert plain.result.column("coefficient") == item.result.column("coefficient")


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        ({"robust": True, "cluster": "kommune"}, "invalid-request", "cluster"),
        ({"robust": "ja"}, "invalid-request", "robust"),
        ({"cluster": "finnes_ikke"}, "unknown-variable", "finnes_ikke"),
        ({"cluster": "utdanning"}, "too-few-clusters", "utdanning"),
    ],
)
def test_bad_sandwich_requests_are_4xx_naming_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    request = {"y": "lonn", "x": ["alder"], "group": "kjonn", **request_}
    error = refusal(issue_workspace, "oaxaca", request)
    assert error.code == code and 400 <= error.http_status < 500
    assert named in json.dumps([error.nb, error.en, error.details])
    if code == "too-few-clusters":  # the group whose clusters are too few is named too
        assert "kjonn = " in error.nb and "kjonn = " in error.en
