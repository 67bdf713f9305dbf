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
    assert_variance_noise_within_bounds(plan, variance)


def assert_variance_noise_within_bounds(plan: MixedPlan, variance: Any) -> None:
    """The released variance components within model-noise's bounds around the fit's
    σ²_u and σ²_e and their errors (the variance item's own influence, classical shares)."""
    fit = plan.fit
    assert fit is not None
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


def _sandwich_reference(
    found: Any, y: np.ndarray, x: np.ndarray, groups: np.ndarray, top: np.ndarray
) -> np.ndarray:
    """The cluster-robust sandwich of the fixed effects at statsmodels MixedLM's fit, with
    each group's V_g = σ²_e I + σ²_u 11' written out dense: (Σ X_g'V_g⁻¹X_g)⁻¹ (Σ_c s_c
    s_c') (…)⁻¹ · C/(C − 1), s_g = X_g'V_g⁻¹(y_g − X_g β), summed over the groups of
    cluster c (`top`: each row's cluster). No library computes it (MixedLM has no robust
    covariance)."""
    beta = np.asarray(found.fe_params)
    sigma_u, sigma_e = (
        float(found.cov_re.iloc[0, 0])
        if hasattr(found.cov_re, "iloc")
        else float(found.cov_re[0, 0]),
        float(found.scale),
    )
    p = x.shape[1]
    bread = np.zeros((p, p))
    scores: dict[Any, np.ndarray] = {}
    for g in np.unique(groups):
        chosen = groups == g
        xg, yg = x[chosen], y[chosen]
        v = sigma_e * np.eye(len(yg)) + sigma_u * np.ones((len(yg), len(yg)))
        vi = np.linalg.inv(v)
        bread += xg.T @ vi @ xg
        (c,) = set(top[chosen].tolist())  # the groups lie within the clusters
        scores[c] = scores.get(c, np.zeros(p)) + xg.T @ vi @ (yg - xg @ beta)
    meat = sum(np.outer(s, s) for s in scores.values())
    count = len(scores)
    inverse = np.linalg.inv(bread)
    return np.sqrt(np.diag(inverse @ meat @ inverse) * count / (count - 1))


@pytest.mark.parametrize("method", ["reml", "ml"])
@pytest.mark.parametrize("covariance", ["robust", "cluster"])
def test_robust_errors_are_the_sandwich_at_statsmodels_fit(
    workspace_factory: Any, method: str, covariance: str
) -> None:
    """Stata's mixed, vce(robust): clustered by the group (the day of birth, 31 groups, an
    intercept of its own in the outcome); cluster(par) with the groups nested in pairs of
    days (16 clusters), the sandwich summed per pair."""
    ws = workspace_factory(
        [
            *models.MODEL_STEPS,
            {"generate": "dag", "expr": "day(fodselsdato)"},
            {"generate": "par", "expr": "floor(dag / 2)"},
            {"generate": "utfall", "expr": "lonn + 3000 * dag"},
        ]
    )
    request: dict[str, Any] = {
        "y": "utfall",
        "x": ["alder", "kjonn"],
        "group": "dag",
        "method": method,
    }
    if covariance == "robust":
        request["robust"] = True
    else:
        request["cluster"] = "par"
    plan = _plan(ws, request)
    classical = _plan(ws, {k: v for k, v in request.items() if k not in ("robust", "cluster")})
    data = _rows(ws, ["utfall", "alder", "kjonn", "dag", "par"])
    kept = _in_levels(data["dag"], plan.levels)
    data = {k: v[kept] for k, v in data.items()}
    x = np.column_stack([data["alder"], data["kjonn"], np.ones(len(data["utfall"]))]).astype(float)
    groups = data["dag"].astype(str)
    y = data["utfall"].astype(float)
    found = reference(y, x, groups, method == "reml")
    top = groups if covariance == "robust" else data["par"].astype(str)
    fit = plan.fit
    assert fit is not None and classical.fit is not None
    _close(fit.beta, found.fe_params)
    _close(fit.std_errors, _sandwich_reference(found, y, x, groups, top))
    _close(classical.fit.std_errors, found.bse_fe)
    assert not np.allclose(fit.std_errors, classical.fit.std_errors, rtol=1e-3)
    model, variance = plan.release(control_context(ws))
    assert model.about["std_errors"] == covariance and plan.model.fit.covariance == covariance
    assert variance.about["std_errors"] == "classical"  # the components' errors are the model's
    influence = plan.model.fit.evidence.influence
    assert_noise_within_bounds(
        model.result, found.fe_params, fit.std_errors, influence, influence.sandwich_std_error
    )
    # The same coefficients as the classical model's answer (its noise's scale is the
    # classical errors); the variance components the same too.
    plain, plain_variance = classical.release(control_context(ws))
    assert plain.result.column("coefficient") == model.result.column("coefficient")
    assert [r.values for r in plain_variance.result.rows] == [
        r.values for r in variance.result.rows
    ]


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        ({"robust": True, "cluster": "kommune"}, "invalid-request", "cluster"),
        ({"cluster": "kjonn"}, "invalid-request", "kjonn"),  # kommuner hold both
        ({"cluster": "_unit"}, "invalid-request", "_unit"),
        ({"group": "utdanning", "robust": True}, "too-few-clusters", "utdanning"),
        ({"cluster": "finnes_ikke"}, "unknown-variable", "finnes_ikke"),
    ],
)
def test_bad_sandwich_requests_are_4xx_naming_the_variable(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    request = {"y": "lonn", "x": ["alder"], "group": "kommune", **request_}
    error = refusal(issue_workspace, "regress_mml", request)
    assert error.code == code and 400 <= error.http_status < 500
    assert named in json.dumps([error.nb, error.en, error.details])
