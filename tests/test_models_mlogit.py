"""mlogit agrees with statsmodels' MNLogit on the same rows (coefficients and standard
errors to 1e-6 relative, before output control); each equation is released through the
model rules, within model-noise's documented bound; a model that cannot be estimated is
withheld like any other; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.statistics.mlogit import MlogitPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds, refusal
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"y": "utdanning", "x": ["alder", "i.kjonn"]}


def test_mlogit_agrees_with_statsmodels(issue_workspace: Workspace) -> None:
    data = _rows(issue_workspace, ["utdanning", "alder", "kjonn"])
    x = np.column_stack(
        [data["alder"], (data["kjonn"] == "2").astype(float), np.ones(len(data["alder"]))]
    )
    reference = sm.MNLogit(data["utdanning"].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200
    )
    plan = issue_workspace.prepare("mlogit", REQUEST)
    assert isinstance(plan, MlogitPlan) and len(plan.equations) == reference.params.shape[1]
    context = control_context(issue_workspace)
    levels = sorted(set(data["utdanning"].astype(float).tolist()))
    for k, equation in enumerate(plan.equations):
        _close(equation.estimate.coefficients, np.asarray(reference.params)[:, k])
        _close(equation.estimate.std_errors, np.asarray(reference.bse)[:, k])
        assert equation.fit.evidence.estimable
        (item,) = equation.release(context)
        assert (
            item.about["level"] == f"{levels[k + 1]:g}" and item.about["base"] == f"{levels[0]:g}"
        )
        assert_equation_noise_within_bounds(item, equation, reference, k, "classical")


def assert_equation_noise_within_bounds(
    item: Any, equation: Any, reference: Any, k: int, kind: str
) -> None:
    """The released equation `k` (one level against the base) within model-noise's bounds
    around statsmodels' MNLogit column k, the shares of the covariance `kind`."""
    influence = equation.fit.evidence.influence
    assert_noise_within_bounds(
        item.result,
        np.asarray(reference.params)[:, k],
        np.asarray(reference.bse)[:, k],
        influence,
        influence.std_error(kind),
    )


def test_a_model_that_cannot_be_estimated_is_withheld(workspace_factory: Any) -> None:
    workspace: Workspace = workspace_factory([*models.ISSUE_STEPS, {"generate": "en", "expr": "1"}])
    plan = workspace.prepare("mlogit", {"y": "utdanning", "x": ["en"]})
    assert isinstance(plan, MlogitPlan)
    for equation in plan.equations:
        (item,) = equation.release(control_context(workspace))
        assert [row.labels for row in item.result.rows] == [("model",)]


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"y": "utdanning", "x": ["i.utdanning"]}, "x"),
        ({"y": "nosuch", "x": ["alder"]}, "nosuch"),
        ({"y": "kommune", "x": ["alder"]}, "kommune"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    error = refusal(issue_workspace, "mlogit", request_)
    assert named in json.dumps([error.code, error.details], default=str)
