"""regress_mml (random intercepts by a group, REML or ML, from per-group sufficient
statistics) agrees with statsmodels' MixedLM on the same rows to 1e-6 relative before
output control: β, its standard errors (statsmodels' bse_fe, from the Hessian of the same
profile criterion) and the variance components (cov_re and scale). statsmodels' own
optimiser stops early (its γ differs by 1e-5), so the reference maximises statsmodels'
own criterion (MixedLM.loglike, profiled) with a tight scalar search and lets MixedLM
finish from there. The variance components' standard errors are checked against the
expected information written out with dense per-group matrices. What leaves is within
model-noise's bound; rare groups are left out; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
import pytest
import scipy.optimize
import statsmodels.api as sm
from statsmodels.regression.mixed_linear_model import MixedLMParams

from catalogue.analysis.statistics.regress_mml import MixedPlan
from catalogue.analysis.statistics.shared.mixed import fit_mixed, group_sums, variance_influence
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds, refusal
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def reference(y: np.ndarray, x: np.ndarray, groups: np.ndarray, reml: bool) -> Any:
    """statsmodels' MixedLM at the maximum of its own profile criterion."""
    model = sm.MixedLM(y, x, groups=groups)
    # What MixedLM.fit sets before it evaluates loglike.
    model.reml, model.cov_pen, model.fe_pen, model._freepat = reml, None, None, None

    def negative(t: float) -> float:
        params = MixedLMParams.from_components(cov_re=np.array([[math.exp(t)]]))
        return -float(model.loglike(params, profile_fe=True))

    grid = np.linspace(-15, 10, 51)
    best = grid[int(np.argmin([negative(t) for t in grid]))]
    t = scipy.optimize.minimize_scalar(
        negative, bounds=(best - 0.5, best + 0.5), method="bounded", options={"xatol": 1e-12}
    ).x

    def score(t: float) -> float:  # statsmodels' own derivative of the criterion
        params = MixedLMParams.from_components(cov_re=np.array([[math.exp(t)]]))
        return float(np.asarray(model.score(params, profile_fe=True)).ravel()[-1])

    t = scipy.optimize.brentq(score, t - 0.5, t + 0.5, xtol=1e-14, rtol=1e-15)
    start = MixedLMParams.from_components(
        fe_params=np.zeros(x.shape[1]), cov_re=np.array([[math.exp(t)]])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "may be on the boundary", from its maxiter=0
        return model.fit(reml=reml, start_params=start, method=["bfgs"], maxiter=0)


def _plan(ws: Workspace, request: dict[str, Any]) -> MixedPlan:
    plan = ws.prepare("regress_mml", request)
    assert isinstance(plan, MixedPlan)
    return plan


def _in_levels(values: np.ndarray, levels: tuple[str, ...]) -> np.ndarray:
    if values.dtype.kind in "fiu":  # a number's level is its text: compare as numbers
        return np.isin(values.astype(float), [float(level) for level in levels])
    return np.isin(values.astype(str), np.array(levels))


def _data(ws: Workspace, plan: MixedPlan) -> dict[str, np.ndarray]:
    data = _rows(ws, ["lonn", "alder", "kjonn", "utdanning"])
    kept = _in_levels(data["utdanning"], plan.levels)
    return {k: v[kept] for k, v in data.items()}


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_mml_agrees_with_statsmodels_mixedlm(issue_workspace: Workspace, method: str) -> None:
    request = {"y": "lonn", "x": ["alder", "kjonn"], "group": "utdanning", "method": method}
    plan = _plan(issue_workspace, request)
    data = _data(issue_workspace, plan)
    x = np.column_stack([data["alder"], data["kjonn"], np.ones(len(data["lonn"]))]).astype(float)
    groups = data["utdanning"].astype(str)
    found = reference(data["lonn"].astype(float), x, groups, method == "reml")
    fit = plan.fit
    assert fit is not None and len(plan.levels) == len(set(groups.tolist())) >= 2
    assert plan.model.estimate.observations == len(groups)
    _close(fit.beta, found.fe_params)
    _close(fit.std_errors, found.bse_fe)
    _close(np.array([fit.sigma_u, fit.sigma_e]), np.array([found.cov_re[0, 0], found.scale]))
    model, variance = plan.release(control_context(issue_workspace))
    assert model.result.rows[0].labels == ("alder",)
    influence = plan.model.fit.evidence.influence
    assert_noise_within_bounds(
        model.result, found.fe_params, found.bse_fe, influence, influence.classical_std_error
    )
    assert [r.labels for r in variance.result.rows] == [("var(_cons)",), ("var(Residual)",)]
    assert variance.about["component"] == "variance"
    noise = plan.variance.evidence.influence
    assert_noise_within_bounds(
        variance.result,
        [fit.sigma_u, fit.sigma_e],
        fit.variance_errors,
        noise,
        noise.classical_std_error,
    )


def _dense_information(n: np.ndarray, sigma_u: float, sigma_e: float) -> np.ndarray:
    """½ tr(V⁻¹ ∂V V⁻¹ ∂V) per group with V = σ²_u 11' + σ²_e I written out."""
    info = np.zeros((2, 2))
    for size in n.astype(int).tolist():
        ones = np.ones((size, size))
        v = sigma_u * ones + sigma_e * np.eye(size)
        inverse = np.linalg.inv(v)
        parts = [inverse @ ones, inverse]
        for a in range(2):
            for b in range(2):
                info[a, b] += 0.5 * np.trace(parts[a] @ parts[b])
    return info


def test_variance_errors_are_the_inverse_expected_information() -> None:
    rng = np.random.default_rng(7)
    sizes = rng.integers(2, 25, 30)
    group = np.repeat(np.arange(30), sizes)
    x = np.column_stack([rng.normal(size=len(group)), np.ones(len(group))])
    y = x[:, 0] + rng.normal(size=30)[group] + rng.normal(size=len(group))
    sums = group_sums(x, np.ones(len(y)), y, np.zeros(len(y)), group)
    fit = fit_mixed(sums, "reml")
    assert fit is not None and fit.gamma > 0
    expected = np.sqrt(np.diag(np.linalg.inv(_dense_information(sums.n, fit.sigma_u, fit.sigma_e))))
    _close(fit.variance_errors, expected)
    found = reference(y, x, group, True)
    _close(fit.beta, found.fe_params)
    _close(fit.std_errors, found.bse_fe)


@pytest.mark.parametrize("outlier", [0.0, 8.0])
def test_what_one_unit_moves_the_variances_is_bounded_by_leave_one_out(outlier: float) -> None:
    """variance_influence (a Newton step, STEP_MARGIN times) is at least what removing
    each unit and refitting moves σ²_u and σ²_e, and not far above it."""
    rng = np.random.default_rng(2)
    sizes = rng.integers(10, 16, 12)
    group = np.repeat(np.arange(12), sizes)
    n = len(group)
    x = np.column_stack([rng.normal(size=n), np.ones(n)])
    y = x[:, 0] + 0.8 * rng.normal(size=12)[group] + rng.normal(size=n)
    y[0] += outlier
    fit = fit_mixed(group_sums(x, np.ones(n), y, np.zeros(n), group), "reml")
    assert fit is not None
    counts = np.bincount(group).astype(float)
    largest, _, _ = variance_influence(
        y - x @ fit.beta, group, np.arange(n), counts, fit.sigma_u, fit.sigma_e
    )
    exact = np.zeros(2)
    for i in range(n):
        kept = np.arange(n) != i
        left = fit_mixed(
            group_sums(x[kept], np.ones(n - 1), y[kept], np.zeros(n - 1), group[kept]), "reml"
        )
        assert left is not None
        moved = np.array([left.sigma_u - fit.sigma_u, left.sigma_e - fit.sigma_e])
        exact = np.maximum(exact, np.abs(moved))
    assert np.all(largest >= exact)
    assert np.all(largest <= 2 * exact)


def test_patterns_give_the_fit_of_rows() -> None:
    """Per-group sums from patterns (rows of equal regressors and group pooled, with their
    outcome sums and within squares) give the fit of the rows themselves."""
    rng = np.random.default_rng(3)
    group = rng.integers(0, 12, 600)
    x = np.column_stack([rng.integers(0, 4, 600).astype(float), np.ones(600)])
    y = 2 * x[:, 0] + rng.normal(size=12)[group] + rng.normal(size=600)
    by_rows = fit_mixed(group_sums(x, np.ones(600), y, np.zeros(600), group), "ml")
    keys, index = np.unique(np.column_stack([x[:, 0], group]), axis=0, return_inverse=True)
    index = index.reshape(-1)
    n = np.bincount(index).astype(float)
    total = np.bincount(index, weights=y)
    squares = np.bincount(index, weights=(y - (total / n)[index]) ** 2)
    design = np.column_stack([keys[:, 0], np.ones(len(keys))])
    pooled = fit_mixed(group_sums(design, n, total, squares, keys[:, 1].astype(int)), "ml")
    assert by_rows is not None and pooled is not None
    _close(pooled.beta, by_rows.beta)
    _close(pooled.std_errors, by_rows.std_errors)
    _close(np.array([pooled.sigma_u, pooled.sigma_e]), np.array([by_rows.sigma_u, by_rows.sigma_e]))


def test_rare_groups_are_left_out(issue_workspace: Workspace) -> None:
    """A group of one unit (the highest earner's own) is no group of the model: its rows
    are not in it, and every other row is."""
    top = float(np.max(_rows(issue_workspace, ["lonn", "alder", "kommune"])["lonn"]))
    issue_workspace.apply(
        parse_steps(
            [
                {"generate": "gruppe", "expr": "kommune"},
                {"replace": "gruppe", "expr": "'ensom'", "if": f"lonn >= {top!r}"},
            ]
        )
    )
    plan = _plan(issue_workspace, {"y": "lonn", "x": ["alder"], "group": "gruppe"})
    data = _rows(issue_workspace, ["lonn", "alder", "gruppe"])
    assert int((data["gruppe"].astype(str) == "ensom").sum()) == 1
    assert "ensom" not in plan.levels
    kept = _in_levels(data["gruppe"], plan.levels)
    assert plan.model.estimate.observations == int(kept.sum()) < len(kept)


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        ({"group": "kommune", "x": ["i.kommune"]}, "invalid-request", "kommune"),
        ({"group": "lonn"}, "invalid-request", "lonn"),
        ({"group": None}, "invalid-request", "group"),
        ({"group": "finnes_ikke"}, "unknown-variable", "finnes_ikke"),
        ({"method": "bayes"}, "invalid-request", "method"),
        ({"x": [], "constant": False}, "invalid-request", "x"),
        ({"y": "kommune"}, "statistic-needs-number", "kommune"),
    ],
)
def test_bad_requests_are_4xx_naming_the_variable(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    request = {"y": "lonn", "x": ["alder"], "group": "kommune", **request_}
    error = refusal(issue_workspace, "regress_mml", request)
    assert error.code == code
    assert named in json.dumps([error.nb, error.en, error.details])
