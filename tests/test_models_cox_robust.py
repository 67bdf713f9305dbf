"""Cox's robust standard errors agree with lifelines' CoxPHFitter(robust=True) on the same
rows to 1e-6 relative before output control, on times without ties (lifelines' score
residuals take tied times in row order, so only untied times make a reference); on tied
times the score residuals (Efron's form) sum to the score, 0 at the estimate. The released
model carries the robust kind and stays within model-noise's bound."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from catalogue.analysis.statistics.shared.common import DataView
from catalogue.analysis.statistics.shared.cox import efron, newton, score_residuals
from catalogue.analysis.statistics.shared.design import parse_terms
from catalogue.analysis.statistics.shared.event_cells import event_cells
from catalogue.analysis.statistics.shared.model_levels import common_levels
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _rows, refusal
from tests.test_models_survival import cox_agrees

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


@pytest.fixture
def untied(workspace_factory: Any) -> Workspace:
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {
                "generate": "tid",
                "expr": "alder + lonn / 10000000 + doy(fodselsdato) / 100000000000",
                "if": "lonn > 0",
            },
        ]
    )
    return workspace


def test_robust_cox_agrees_with_lifelines(untied: Workspace) -> None:
    data = _rows(untied, ["tid", "kreft", "lonn", "kjonn"])
    frame = pd.DataFrame(
        {
            "t": data["tid"].astype(float),
            "e": (data["kreft"].astype(float) != 0).astype(float),
            "lonn": data["lonn"].astype(float),
            "kjonn2": (data["kjonn"] == "2").astype(float),
        }
    )
    assert frame["t"].is_unique  # no tied times: lifelines' residuals are exact
    reference = CoxPHFitter().fit(
        frame, "t", "e", robust=True, fit_options={"precision": 1e-12, "max_steps": 200}
    )
    classical = CoxPHFitter().fit(frame, "t", "e", fit_options={"precision": 1e-12})
    request = {"time": "tid", "event": "kreft", "x": ["lonn", "i.kjonn"], "robust": True}
    plan = untied.prepare("cox", request)
    assert isinstance(plan, RegressionPlan) and plan.fit.evidence.estimable
    assert plan.fit.covariance == "robust" and plan.about["std_errors"] == "robust"
    cox_agrees(plan, untied, reference, "robust")
    assert not np.allclose(plan.estimate.std_errors, classical.standard_errors_.to_numpy())


def test_score_residuals_sum_to_the_score_on_tied_times(issue_workspace: Workspace) -> None:
    """Ages are whole years, so most times are tied: every cell's residual times its rows
    sums to the Efron score, which is 0 at the estimate and not elsewhere."""
    plan = issue_workspace.prepare("cox", {"time": "alder", "event": "kreft", "x": ["lonn"]})
    assert isinstance(plan, RegressionPlan)
    ws = issue_workspace
    view = DataView(ws.con, ws.state, ws.limits, ws.parameters, ws.control_units().rows)
    time, event = (view.variable(n) for n in ("alder", "kreft"))
    patterns, _ = common_levels(view, time, parse_terms(view, ["lonn"]), constant=False, also=event)
    cells = event_cells(view, time, event, patterns)
    assert len(np.unique(cells.time)) < len(cells.time) / 2  # heavily tied
    found = newton(cells)
    assert found is not None
    scale = cells.n @ np.abs(cells.x)  # Σ|x|: the score's terms are of this size
    for beta in (found.coefficients, found.coefficients * 1.5):
        summed = cells.n @ score_residuals(cells, beta)
        gradient = efron(cells, beta).gradient
        np.testing.assert_allclose(summed, gradient, rtol=1e-8, atol=1e-12 * float(scale.max()))
    far = cells.n @ score_residuals(cells, found.coefficients * 1.5)
    assert np.all(np.abs(far) > 1e-6 * scale)


def test_robust_must_be_true_or_false(issue_workspace: Workspace) -> None:
    request = {"time": "alder", "event": "kreft", "x": ["lonn"], "robust": "ja"}
    error = refusal(issue_workspace, "cox", request)
    assert "robust" in json.dumps([error.code, error.details], default=str)
