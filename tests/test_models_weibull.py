"""Weibull regression agrees with lifelines' WeibullAFTFitter on the same rows, coefficients
and standard errors to 1e-6 relative before output control (the AFT form as fitted, the
proportional hazards form by the delta method through lifelines' covariance); what leaves is
within model-noise's documented bound; a model that cannot be estimated (a time ≤ 0
included) is withheld like any other; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import WeibullAFTFitter

from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

pinned = models.pinned
workspace_factory = models.workspace_factory


@pytest.fixture
def issue_workspace(workspace_factory: Any) -> Workspace:
    """The models' workspace with a time that is not a whole number: age plus a half."""
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {
                "import_event": "NPR_HOVEDTILSTAND",
                "from": "2016-01-01",
                "to": "2025-12-31",
                "as": "episoder",
                "per_person": "count",
            },
            {"replace": "episoder", "expr": "0", "if": "sysmiss(episoder)"},
            {"generate": "tid", "expr": "alder + 0.5"},
        ]
    )
    return workspace


REGRESSORS = ["lonn", "kjonn2", "episoder"]


def _reference(data: dict[str, np.ndarray], regressors: list[str]) -> Any:
    columns = {
        "t": data["tid"].astype(float),
        "e": (data["kreft"].astype(float) != 0).astype(float),
        "lonn": data["lonn"].astype(float) / 1e5,  # lifelines' optimiser likes unit scales
        "kjonn2": (data["kjonn"] == "2").astype(float),
        "episoder": data["episoder"].astype(float),
    }
    frame = pd.DataFrame({k: columns[k] for k in ["t", "e", *regressors]})
    return _fitted(frame)


def _fitted(frame: pd.DataFrame) -> Any:
    """lifelines' fit to its optimiser's limit: L-BFGS-B (the minimiser lifelines itself
    suggests trying) with tolerances far under 1e-6; its default BFGS stops about 1e-4
    short on these data, its gradient under its own tolerance."""
    fitter = WeibullAFTFitter()
    fitter._scipy_fit_method = "L-BFGS-B"
    fitter.fit(frame, "t", "e", fit_options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 5000})
    return fitter


def _ordered(fitter: Any, regressors: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """lifelines' β (ours' order: regressors then the constant, lonn back in NOK) with its
    covariance in (β, log ρ), and ρ."""
    names = [("lambda_", r) for r in [*regressors, "Intercept"]] + [("rho_", "Intercept")]
    index = [fitter.params_.index.get_loc(n) for n in names]
    params = fitter.params_.to_numpy()[index]
    covariance = fitter.variance_matrix_.to_numpy()[np.ix_(index, index)]
    unscale = np.ones(len(index))
    if "lonn" in regressors:
        unscale[regressors.index("lonn")] = 1e-5
    params = params * unscale
    covariance = covariance * np.outer(unscale, unscale)
    return params[:-1], covariance, float(np.exp(params[-1]))


@pytest.mark.parametrize("form", ["aft", "ph"])
def test_weibull_agrees_with_lifelines(issue_workspace: Workspace, form: str) -> None:
    data = _rows(issue_workspace, ["tid", "kreft", "lonn", "kjonn", "episoder"])
    request = {"time": "tid", "event": "kreft", "x": ["lonn", "i.kjonn", "episoder"]}
    plan = issue_workspace.prepare("weibull", {**request, "form": form})
    assert isinstance(plan, RegressionPlan)
    assert plan.fit.evidence.estimable
    beta, covariance, rho = _ordered(_reference(data, REGRESSORS), REGRESSORS)
    p = len(beta)
    if form == "aft":
        coefficients, errors = beta, np.sqrt(np.diag(covariance[:p, :p]))
    else:
        jacobian = np.hstack([-rho * np.eye(p), -rho * beta[:, None]])
        coefficients = -rho * beta
        errors = np.sqrt(np.diag(jacobian @ covariance @ jacobian.T))
    _close(plan.estimate.coefficients, coefficients)
    _close(plan.estimate.std_errors, errors)
    released = plan.release(control_context(issue_workspace))[0].result
    labels = [row.labels[0] for row in released.rows]
    assert labels == ["lonn", "2.kjonn", "episoder", "_cons"]
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        released, coefficients, errors, influence, influence.std_error("classical")
    )


def test_the_constant_alone_agrees_with_lifelines(issue_workspace: Workspace) -> None:
    data = _rows(issue_workspace, ["tid", "kreft"])
    plan = issue_workspace.prepare("weibull", {"time": "tid", "event": "kreft"})
    assert isinstance(plan, RegressionPlan) and plan.estimate.estimable
    frame = pd.DataFrame(
        {"t": data["tid"].astype(float), "e": (data["kreft"].astype(float) != 0) * 1.0}
    )
    beta, covariance, _ = _ordered(_fitted(frame), [])
    _close(plan.estimate.coefficients, beta)
    _close(plan.estimate.std_errors, np.sqrt(np.diag(covariance[:1, :1])))


@pytest.mark.parametrize(
    "request_",
    [
        {"time": "tid", "event": "kreft", "x": ["en"]},  # a constant regressor
        {"time": "tid", "event": "ingen", "x": ["lonn"]},  # no event at all
        {"time": "null", "event": "kreft", "x": ["lonn"]},  # times of 0
        {"time": "fra_null", "event": "kreft", "x": ["lonn"]},  # one time ≤ 0 among many
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_like_any_other(
    workspace_factory: Any, request_: dict[str, Any]
) -> None:
    """Whether a regressor is constant, any unit had the event or any time is ≤ 0 may hang
    on one unit: withheld with the same shape as any model failing its checks, not refused."""
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {"generate": "tid", "expr": "alder + 0.5"},
            {"generate": "en", "expr": "1"},
            {"generate": "ingen", "expr": "0"},
            {"generate": "null", "expr": "alder * 0"},
            {"generate": "fra_null", "expr": "alder - 18"},  # 0 for the youngest
        ]
    )
    if request_["time"] == "fra_null":
        assert float(np.min(_rows(workspace, ["fra_null"])["fra_null"])) == 0
    plan = workspace.prepare("weibull", request_)
    assert isinstance(plan, RegressionPlan) and not plan.estimate.estimable
    released = plan.release(control_context(workspace))[0].result
    assert [row.labels for row in released.rows] == [("model",)]
    assert all(v is None for v in released.rows[0].values)


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"time": "tid", "event": "tid", "x": ["lonn"]}, "event"),
        ({"time": "nosuch", "event": "kreft", "x": ["lonn"]}, "nosuch"),
        ({"time": "kommune", "event": "kreft", "x": ["lonn"]}, "kommune"),
        ({"time": "tid", "event": "kreft", "x": ["lonn"], "form": "loglogistic"}, "form"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    with pytest.raises(RegcatError) as refused:
        issue_workspace.prepare("weibull", request_)
    assert 400 <= refused.value.http_status < 500
    assert named in json.dumps([refused.value.code, refused.value.details], default=str)
