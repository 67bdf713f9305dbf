"""mlogit's robust and cluster-robust standard errors agree with statsmodels' MNLogit
(cov_type "HC0" and "cluster" with its default corrections) on the same rows, to 1e-6
relative before output control; each class's draw is released through the model rules
with the noise of its kind of standard errors, within model-noise's documented bound, and
each equation shown is two of them differenced; robust and
cluster together are refused naming the field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.statistics.mlogit import MlogitPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, refusal
from tests.test_analysis_support import control_context
from tests.test_models_mlogit import assert_released_from_class_draws

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


@pytest.mark.parametrize(
    ("asked", "cov_type"),
    [
        ({"robust": True}, "HC0"),
        ({"cluster": "kommune"}, "cluster"),
        ({"cluster": "_unit"}, "cluster"),
    ],
)
def test_mlogit_sandwich_agrees_with_statsmodels(
    issue_workspace: Workspace, asked: dict[str, Any], cov_type: str
) -> None:
    data = _rows(issue_workspace, ["utdanning", "alder", "kjonn", "kommune"])
    x = np.column_stack(
        [data["alder"], (data["kjonn"] == "2").astype(float), np.ones(len(data["alder"]))]
    )
    groups = (
        np.unique(data["kommune"], return_inverse=True)[1]
        if asked.get("cluster") == "kommune"
        else np.arange(len(data["alder"]))  # one row per person: each its own cluster
    )
    options: dict[str, Any] = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
    reference = sm.MNLogit(data["utdanning"].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200, cov_type=cov_type, **options
    )
    request = {"y": "utdanning", "x": ["alder", "i.kjonn"], **asked}
    plan = issue_workspace.prepare("mlogit", request)
    assert isinstance(plan, MlogitPlan) and len(plan.equations) == reference.params.shape[1]
    classical = issue_workspace.prepare("mlogit", {"y": "utdanning", "x": ["alder", "i.kjonn"]})
    assert isinstance(classical, MlogitPlan)
    context = control_context(issue_workspace)
    kind = "robust" if cov_type == "HC0" else "cluster"
    for k, equation in enumerate(plan.equations):
        _close(equation.estimate.coefficients, np.asarray(reference.params)[:, k])
        _close(equation.estimate.std_errors, np.asarray(reference.bse)[:, k])
        assert not np.allclose(
            equation.estimate.std_errors, classical.equations[k].estimate.std_errors
        )
    assert all(c.fit.covariance == kind for c in plan.classes)
    items = plan.release(context)
    assert all(item.about["std_errors"] == kind for item in items)
    plain = sm.MNLogit(data["utdanning"].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200
    )
    assert_released_from_class_draws(plan, items, context, reference, kind, plain)


def test_robust_and_cluster_together_are_refused(issue_workspace: Workspace) -> None:
    request = {"y": "utdanning", "x": ["alder"], "robust": True, "cluster": "kommune"}
    error = refusal(issue_workspace, "mlogit", request)
    assert "cluster" in json.dumps([error.code, error.details], default=str)
