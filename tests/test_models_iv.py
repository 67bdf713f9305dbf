"""ivregress (2SLS) agrees with linearmodels' IV2SLS on the same rows (coefficients and
standard errors to 1e-6 relative before output control; cov_type unadjusted and robust,
debiased=False); what leaves is within model-noise's documented bound; the first stage is
released beside it as an OLS regression that agrees with statsmodels; bad requests are 4xx
naming the field."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS

from catalogue.analysis.statistics.ivregress import IvPlan
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

pinned = models.pinned
workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {
    "y": "lonn",
    "x": ["i.kjonn"],
    "endogenous": ["utdanning"],
    "instruments": ["alder", "episoder"],
}


@pytest.mark.parametrize("covariance", ["classical", "robust"])
def test_2sls_agrees_with_linearmodels(issue_workspace: Workspace, covariance: str) -> None:
    data = _rows(issue_workspace, ["lonn", "kjonn", "utdanning", "alder", "episoder"])
    frame = pd.DataFrame(
        {
            "lonn": data["lonn"].astype(float),
            "kjonn2": (data["kjonn"] == "2").astype(float),
            "utdanning": data["utdanning"].astype(float),
            "alder": data["alder"].astype(float),
            "episoder": data["episoder"].astype(float),
            "const": 1.0,
        }
    )
    reference = IV2SLS(
        frame["lonn"],
        frame[["kjonn2", "const"]],
        frame[["utdanning"]],
        frame[["alder", "episoder"]],
    ).fit(cov_type="robust" if covariance == "robust" else "unadjusted", debiased=False)
    order = ["kjonn2", "utdanning", "const"]  # ours: exogenous, endogenous, _cons
    request = {**REQUEST, "robust": covariance == "robust"}
    plan = issue_workspace.prepare("ivregress", request)
    assert isinstance(plan, IvPlan)
    _close(plan.model.estimate.coefficients, reference.params[order].to_numpy())
    _close(plan.model.estimate.std_errors, reference.std_errors[order].to_numpy())
    assert plan.model.fit.evidence.estimable
    released = plan.release(control_context(issue_workspace))
    assert [item.about.get("stage") for item in released] == [None, "first"]
    influence = plan.model.fit.evidence.influence
    assert_noise_within_bounds(
        released[0].result,
        reference.params[order].to_numpy(),
        reference.std_errors[order].to_numpy(),
        influence,
        influence.std_error(covariance),
    )
    first = sm.OLS(frame["utdanning"], frame[["kjonn2", "alder", "episoder", "const"]]).fit()
    (stage,) = plan.first_stages
    _close(stage.estimate.coefficients, first.params.to_numpy())
    summary = {item.name: item.value for item in released[1].result.summary}
    assert "F" in summary or "f" in {k.lower() for k in summary}


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({**REQUEST, "instruments": []}, "instruments"),
        ({**REQUEST, "endogenous": ["i.utdanning"]}, "endogenous"),
        (
            {**REQUEST, "endogenous": ["utdanning", "episoder"], "instruments": ["alder"]},
            "instruments",
        ),
        ({**REQUEST, "instruments": ["nosuch"]}, "nosuch"),
        ({**REQUEST, "y": "kommune"}, "kommune"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    with pytest.raises(RegcatError) as refused:
        issue_workspace.prepare("ivregress", request_)
    assert 400 <= refused.value.http_status < 500
    assert named in json.dumps([refused.value.code, refused.value.details], default=str)
