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
from tests.test_analysis_models import _close, _dummies, _rows, assert_noise_within_bounds, refusal
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
    dummies, _ = _dummies(data["utdanning"])
    x = np.column_stack([data["alder"].astype(float), dummies, np.ones(len(data["lonn"]))])
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
    dummies, _ = _dummies(data["utdanning"])
    x = np.column_stack([data["alder"].astype(float), dummies, np.ones(len(data["lonn"]))])
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
