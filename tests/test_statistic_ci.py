"""ci agrees with statsmodels' DescrStatsW (mean, its standard error and the t interval)
to 1e-6 before output control; what leaves is within model-noise's bound and its interval
is computed from the published mean and standard error; bad requests are 4xx naming the
field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from catalogue.analysis.model_fit import coefficient_tests
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def test_ci_agrees_with_statsmodels(issue_workspace: Workspace) -> None:
    values = _rows(issue_workspace, ["lonn"])["lonn"].astype(float)
    reference = DescrStatsW(values)
    plan = issue_workspace.prepare("ci", {"var": "lonn"})
    assert isinstance(plan, RegressionPlan)
    _close(plan.estimate.coefficients, np.array([reference.mean]))
    _close(plan.estimate.std_errors, np.array([reference.std_mean]))
    low, high = reference.tconfint_mean(alpha=0.05)
    exact = coefficient_tests(reference.mean, reference.std_mean, len(values) - 1)
    _close(np.array(exact[2:]), np.array([low, high]))
    (item,) = plan.release(control_context(issue_workspace))
    assert item.about["statistic"] == "ci"
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result,
        np.array([reference.mean]),
        np.array([reference.std_mean]),
        influence,
        influence.std_error("classical"),
    )
    (row,) = item.result.rows
    b, se, _, _, shown_low, shown_high = row.values
    assert isinstance(b, float) and isinstance(se, float)
    assert shown_low is not None and shown_low < b < (shown_high or 0)


@pytest.mark.parametrize(
    ("request_", "named"), [({"var": "nosuch"}, "nosuch"), ({"var": "kommune"}, "kommune")]
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    models.assert_refusal_names(issue_workspace, "ci", request_, named)
