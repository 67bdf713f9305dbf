"""Cox proportional hazards agrees with lifelines' CoxPHFitter (Efron's method for ties, the
one lifelines uses) on the same rows, coefficients and standard errors to 1e-6 relative
before output control; what leaves is within model-noise's documented bound; a model that
cannot be estimated is withheld like any other; bad requests are 4xx naming the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from catalogue.analysis.output_control import ControlledResult
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import (
    _close,
    _rows,
    assert_noise_within_bounds,
    assert_withheld_unestimable,
)
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def _reference(data: dict[str, np.ndarray]) -> Any:
    frame = pd.DataFrame(
        {
            "t": data["alder"].astype(float),
            "e": (data["kreft"].astype(float) != 0).astype(float),
            "lonn": data["lonn"].astype(float),
            "kjonn2": (data["kjonn"] == "2").astype(float),
            "episoder": data["episoder"].astype(float),
        }
    )
    fitter = CoxPHFitter()
    fitter.fit(frame, "t", "e", fit_options={"precision": 1e-12, "max_steps": 200})
    return fitter


def test_cox_agrees_with_lifelines(issue_workspace: Workspace) -> None:
    data = _rows(issue_workspace, ["alder", "kreft", "lonn", "kjonn", "episoder"])
    request = {"time": "alder", "event": "kreft", "x": ["lonn", "i.kjonn", "episoder"]}
    plan = issue_workspace.prepare("cox", request)
    assert isinstance(plan, RegressionPlan)
    assert plan.fit.evidence.estimable
    released = cox_agrees(plan, issue_workspace, _reference(data), "classical")
    labels = [row.labels[0] for row in released.rows]
    assert labels == ["lonn", "2.kjonn", "episoder"] or labels == list(plan.estimate.names)


def cox_agrees(
    plan: RegressionPlan, workspace: Workspace, reference: CoxPHFitter, covariance: str
) -> ControlledResult:
    """The plan's coefficients and `covariance` standard errors those of lifelines'
    `reference` to 1e-6, and what is released within model-noise's bound of them."""
    _close(plan.estimate.coefficients, reference.params_.to_numpy())
    _close(plan.estimate.std_errors, reference.standard_errors_.to_numpy())
    released = plan.release(control_context(workspace))[0].result
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        released,
        reference.params_.to_numpy(),
        reference.standard_errors_.to_numpy(),
        influence,
        influence.std_error(covariance),
    )
    return released


@pytest.mark.parametrize(
    "request_",
    [
        {"time": "alder", "event": "kreft", "x": ["en"]},  # a constant regressor
        {"time": "alder", "event": "ingen", "x": ["lonn"]},  # no event at all
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_like_any_other(
    workspace_factory: Any, request_: dict[str, Any]
) -> None:
    """Whether a regressor is constant or any unit had the event may hang on one unit:
    withheld with the same shape as any model failing its checks, not refused."""
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {"generate": "en", "expr": "1"},
            {"generate": "ingen", "expr": "0"},
        ]
    )
    assert_withheld_unestimable(workspace, "cox", request_)


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"time": "alder", "event": "alder", "x": ["lonn"]}, "event"),
        ({"time": "nosuch", "event": "kreft", "x": ["lonn"]}, "nosuch"),
        ({"time": "kommune", "event": "kreft", "x": ["lonn"]}, "kommune"),
        ({"time": "alder", "event": "kreft", "x": []}, "x"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    models.assert_refusal_names(issue_workspace, "cox", request_, named)
