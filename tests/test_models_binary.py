"""Probit and the average marginal effects of logit and probit agree with statsmodels on
the same rows (to 1e-6 relative, before output control): sm.Probit with classical, HC1 and
cluster-robust standard errors, and get_margeff(at="overall", method="dydx") after Logit and
Probit. What leaves is the controlled result: within model-noise's documented bound of
those numbers, to 4 significant figures; effects are withheld whenever their model is;
requests wrong in themselves are refused with a 4xx naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.stats
import statsmodels.api as sm

from catalogue.analysis.statistics.margins import MarginsPlan
from catalogue.analysis.statistics.shared.common import Labelled
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _plan, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"y": "kreft", "x": ["alder", "i.utdanning", "kjonn"]}
# The reference comparisons fit the model over the three recoded levels of education only:
# levels 0 and 9 hold one or two diagnoses each, under `regression-outcome-support`'s 10
# units off a level's most common outcome, so over them the model is withheld.
COMMON_LEVELS: dict[str, Any] = {"keep_if": "utdanning >= 1 and utdanning <= 3"}


@pytest.fixture
def common_levels(workspace_factory: Any) -> Workspace:
    workspace: Workspace = workspace_factory([*models.MODEL_STEPS, COMMON_LEVELS])
    return workspace


def _options(covariance: str, data: dict[str, np.ndarray]) -> tuple[dict[str, Any], Any]:
    """The request's options and statsmodels' for one kind of standard errors."""
    if covariance == "robust":
        return {"robust": True}, {"cov_type": "HC1"}
    if covariance == "cluster":
        groups = np.unique(data["kommune"], return_inverse=True)[1]
        return {"cluster": "kommune"}, {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
    return {}, {}


def _reference(family: str, data: dict[str, np.ndarray], **cov: Any) -> Any:
    model = sm.Probit if family == "probit" else sm.Logit
    return model(
        data["kreft"].astype(float), models.design(data, "alder", "i.utdanning", "kjonn")
    ).fit(disp=0, method="newton", tol=1e-12, **cov)


@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_probit_agrees_with_statsmodels(common_levels: Workspace, covariance: str) -> None:
    data = _rows(common_levels, ["kreft", "alder", "utdanning", "kjonn", "kommune"])
    ours, theirs = _options(covariance, data)
    plan = _plan(common_levels, "probit", {**REQUEST, **ours})
    fit = _reference("probit", data, **theirs)
    assert plan.about["statistic"] == "probit" and plan.about["std_errors"] == covariance
    assert plan.estimate.observations == len(data["alder"])
    _close(plan.estimate.coefficients, fit.params)
    _close(plan.estimate.std_errors, fit.bse)
    released = plan.release(control_context(common_levels))[0].result
    influence = plan.fit.evidence.influence
    shares = influence.std_error(covariance)
    assert_noise_within_bounds(released, fit.params, fit.bse, influence, shares)
    assert released.population is not None
    names = [row.labels[0] for row in released.rows]
    assert names == list(plan.estimate.names)


@pytest.mark.parametrize("family", ["logit", "probit"])
@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_average_marginal_effects_agree_with_statsmodels(
    common_levels: Workspace, family: str, covariance: str
) -> None:
    data = _rows(common_levels, ["kreft", "alder", "utdanning", "kjonn", "kommune"])
    assert set(np.unique(data["utdanning"]).tolist()) == {1, 2, 3}
    plan, margins = margins_agree(common_levels, REQUEST, family, covariance, data, _reference)
    assert [row.labels[0] for row in margins.result.rows] == [
        name for name in plan.model.estimate.names if name != "_cons"
    ]
    # On the effects' own scale: the classical standard error of the effect, not of β.
    influence = plan.effects.evidence.influence
    assert np.all(influence.scale < plan.model.fit.evidence.influence.scale[:-1])


def margins_agree(
    workspace: Workspace,
    request: dict[str, Any],
    family: str,
    covariance: str,
    data: dict[str, np.ndarray],
    reference: Callable[..., Any],
) -> tuple[MarginsPlan, Labelled]:
    """margins of `family` on `request` with `covariance` against statsmodels'
    get_margeff(at="overall", method="dydx") of `reference(family, data, **its options)`:
    the effects and their standard errors to 1e-6, the model and the effects released,
    the effects within model-noise's bound. The plan and the released effects."""
    ours, theirs = _options(covariance, data)
    plan = workspace.prepare("margins", {**request, **ours, "model": family})
    assert isinstance(plan, MarginsPlan)
    effects = reference(family, data, **theirs).get_margeff(at="overall", method="dydx")
    _close(plan.effects.coefficients, effects.margeff)
    _close(plan.effects.std_errors, effects.margeff_se)
    model, margins = plan.release(control_context(workspace))
    assert model.about["statistic"] == family
    assert margins.about["statistic"] == "margins" and margins.about["model"] == family
    influence = plan.effects.evidence.influence
    assert_noise_within_bounds(
        margins.result,
        effects.margeff,
        effects.margeff_se,
        influence,
        influence.std_error(covariance),
    )
    return plan, margins


def test_the_effects_noise_is_not_the_coefficients(issue_workspace: Workspace) -> None:
    """Each effect is drawn from keys of its own: the same draw on a coefficient and on
    its effect would tie the two published numbers."""
    plan = issue_workspace.prepare("margins", REQUEST)
    assert isinstance(plan, MarginsPlan)
    assert plan.effects.evidence.digest != plan.model.fit.evidence.digest
    assert plan.effects.evidence.pairs == plan.model.fit.evidence.pairs


@pytest.mark.parametrize("statistic", ["probit", "margins"])
@pytest.mark.parametrize(
    ("steps", "request_"),
    [
        ([{"generate": "en", "expr": "1"}], {"y": "kreft", "x": ["en", "alder"]}),  # constant
        ([{"generate": "a2", "expr": "alder * 2"}], {"y": "kreft", "x": ["alder", "a2"]}),
        ([], {"y": "alder", "x": ["kjonn"]}),  # not a 0/1 outcome
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_with_their_effects(
    workspace_factory: Any, statistic: str, steps: list[dict[str, Any]], request_: dict[str, Any]
) -> None:
    """A constant or collinear regressor, or an outcome not 0/1, may hang on one unit's
    value: the model (and its effects) are withheld like any that fails its checks, with
    the same reason and shape, never refused (docs/OUTPUT_CONTROL.md, `regression`)."""
    ws = workspace_factory([*models.ISSUE_STEPS, *steps])
    released = ws.prepare(statistic, request_).release(control_context(ws))
    assert len(released) == (2 if statistic == "margins" else 1)
    for item in released:
        assert [(row.labels, row.values, row.reasons) for row in item.result.rows] == [
            (("model",), (None,) * 6, ("regression-withheld",))
        ]


def test_effects_are_withheld_with_a_model_withheld_by_its_checks(
    issue_workspace: Workspace,
) -> None:
    """A dummy held by a handful of units fails the model's support check: its effects,
    which pass the same checks on the same evidence, go with it."""
    wages = np.sort(_rows(issue_workspace, ["lonn"])["lonn"])
    issue_workspace.apply(
        parse_steps([{"generate": "sjelden", "expr": f"lonn >= {float(wages[-5])!r}"}])
    )
    data = _rows(issue_workspace, ["sjelden"])
    assert 0 < int(np.sum(data["sjelden"])) < 10
    released = issue_workspace.prepare(
        "margins", {"y": "kreft", "x": ["alder", "sjelden"], "model": "probit"}
    ).release(control_context(issue_workspace))
    assert [item.result.rows[0].reasons for item in released] == [("regression-withheld",)] * 2


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({**REQUEST, "model": "ols"}, "model"),
        ({**REQUEST, "model": "probit", "robust": "ja"}, "robust"),
        ({"x": ["alder"], "model": "logit"}, "y"),
    ],
)
def test_margins_requests_wrong_in_themselves_are_refused(
    issue_workspace: Workspace, request_: dict[str, Any], field: str
) -> None:
    models.assert_refusal_field(issue_workspace, "margins", request_, field)


def test_probits_one_unit_influence_is_measured_by_its_score(issue_workspace: Workspace) -> None:
    """model-noise's floor is twice the most one unit moves a coefficient. For probit a
    unit's pull is its score, x·(y − μ)·φ/(Φ(1 − Φ)), not x·(y − μ) as with logit's
    canonical link: with a rare outcome the factor is about 2.7, so measured as for logit
    the floor would be a third of what the unit does. Held against refitting without the
    unit that moves each coefficient most (statsmodels, exact)."""
    data = _rows(issue_workspace, ["kreft", "alder", "kjonn"])
    plan = _plan(issue_workspace, "probit", {"y": "kreft", "x": ["alder", "kjonn"]})
    x = np.column_stack([data["alder"], data["kjonn"].astype(float), np.ones(len(data["alder"]))])
    y = data["kreft"].astype(float)
    fit = sm.Probit(y, x).fit(disp=0, method="newton", tol=1e-12)
    eta = x @ fit.params
    mu = scipy.stats.norm.cdf(eta)
    scale = scipy.stats.norm.pdf(eta) / (mu * (1 - mu))
    weight = scipy.stats.norm.pdf(eta) ** 2 / (mu * (1 - mu))
    inverse = np.linalg.inv((x * weight[:, None]).T @ x)
    lever = weight * np.einsum("ij,jk,ik->i", x, inverse, x)
    one_step = (x @ inverse) * ((y - mu) * scale / (1 - lever))[:, None]
    influence = plan.fit.evidence.influence.coefficient
    np.testing.assert_allclose(influence, np.abs(one_step).max(axis=0), rtol=1e-6)
    for j in range(x.shape[1]):
        unit = int(np.argmax(np.abs(one_step[:, j])))
        kept = np.arange(len(y)) != unit
        refit = sm.Probit(y[kept], x[kept]).fit(disp=0, method="newton", tol=1e-12)
        moved = abs(float(fit.params[j] - refit.params[j]))
        assert 0.8 * moved <= influence[j] <= 1.25 * moved
        # Measured by y − μ alone it would fall well short of what the unit does.
        assert np.abs(one_step[:, j] / scale).max() < 0.6 * moved
