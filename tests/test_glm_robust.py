"""Logit and Poisson with robust and cluster-robust standard errors agree with statsmodels'
Logit and Poisson on the same rows (to 1e-6 relative): cov_type="HC1" (for these models the
sandwich without small-sample factor) and cov_type="cluster" with its default corrections.
Requests that mix or misspell the options are refused with a 4xx."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _plan, _rows

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

MODELS: dict[str, dict[str, Any]] = {
    "logit": {"y": "kreft", "x": ["alder", "kjonn"]},
    "poisson": {"y": "episoder", "x": ["alder", "i.kjonn"]},
}


def _statsmodels_fit(family: str, data: dict[str, np.ndarray], **cov: Any) -> Any:
    """The same model on the rows themselves, as test_analysis_models builds it."""
    ones = np.ones(len(data["alder"]))
    if family == "logit":
        x = np.column_stack([data["alder"], data["kjonn"].astype(float), ones])
        model = sm.Logit(data["kreft"].astype(float), x)
    else:
        x = np.column_stack([data["alder"], (data["kjonn"] == "2").astype(float), ones])
        model = sm.Poisson(data["episoder"], x)
    return model.fit(disp=0, method="newton", tol=1e-12, **cov)


@pytest.mark.parametrize("family", ["logit", "poisson"])
def test_robust_standard_errors_agree_with_statsmodels(
    issue_workspace: Workspace, family: str
) -> None:
    plan = _plan(issue_workspace, family, {**MODELS[family], "robust": True})
    data = _rows(issue_workspace, [MODELS[family]["y"], "alder", "kjonn"])
    fit = _statsmodels_fit(family, data, cov_type="HC1")
    classical = _statsmodels_fit(family, data)
    assert plan.about["std_errors"] == "robust"
    assert plan.estimate.observations == len(data["alder"])
    _close(plan.estimate.coefficients, fit.params)
    _close(plan.estimate.std_errors, fit.bse)
    # The sandwich is not the classical variance on these data, so the check above has teeth.
    assert np.all(np.abs(fit.bse / classical.bse - 1) > 1e-3)


@pytest.mark.parametrize("family", ["logit", "poisson"])
def test_clustered_standard_errors_agree_with_statsmodels(
    issue_workspace: Workspace, family: str
) -> None:
    plan = _plan(issue_workspace, family, {**MODELS[family], "cluster": "kommune"})
    data = _rows(issue_workspace, [MODELS[family]["y"], "alder", "kjonn", "kommune"])
    groups = np.unique(data["kommune"], return_inverse=True)[1]
    fit = _statsmodels_fit(family, data, cov_type="cluster", cov_kwds={"groups": groups})
    assert plan.about["std_errors"] == "cluster"
    assert plan.estimate.observations == len(data["alder"])
    _close(plan.estimate.coefficients, fit.params)
    _close(plan.estimate.std_errors, fit.bse)


@pytest.mark.parametrize("family", ["logit", "poisson"])
def test_clustering_on_the_unit_agrees_with_statsmodels(
    issue_workspace: Workspace, family: str
) -> None:
    """One row per person here, so every row is its own cluster."""
    assert issue_workspace.state.unique_units
    plan = _plan(issue_workspace, family, {**MODELS[family], "cluster": "_unit"})
    data = _rows(issue_workspace, [MODELS[family]["y"], "alder", "kjonn"])
    groups = np.arange(len(data["alder"]))
    fit = _statsmodels_fit(family, data, cov_type="cluster", cov_kwds={"groups": groups})
    _close(plan.estimate.coefficients, fit.params)
    _close(plan.estimate.std_errors, fit.bse)


@pytest.mark.parametrize("family", ["logit", "poisson"])
@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"robust": "yes"}, "invalid-request"),
        ({"robust": 1}, "invalid-request"),
        ({"robust": True, "cluster": "kommune"}, "invalid-request"),
        ({"cluster": "finnes_ikke"}, "unknown-variable"),
    ],
)
def test_standard_error_options_are_refused(
    issue_workspace: Workspace, family: str, options: dict[str, Any], code: str
) -> None:
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare(family, {**MODELS[family], **options})
    assert caught.value.code == code
    assert 400 <= caught.value.http_status < 500


@pytest.mark.parametrize("family", ["logit", "poisson"])
def test_a_single_cluster_is_refused(issue_workspace: Workspace, family: str) -> None:
    """One cluster: fewer than MIN_CLUSTERS reach a table's threshold, so the request is
    refused naming the variable (too-few-clusters, decided on perturbed counts: whatever
    one unit's cluster, the answer is the same), as every clustered model is."""
    issue_workspace.apply(parse_steps([{"generate": "en", "expr": "1"}]))
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare(family, {**MODELS[family], "cluster": "en"})
    assert caught.value.code == "too-few-clusters" and caught.value.details.get("name") == "en"
