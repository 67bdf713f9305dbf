"""ivregress (2SLS) agrees with linearmodels' IV2SLS on the same rows (coefficients and
standard errors to 1e-6 relative before output control; cov_type unadjusted and robust,
debiased=False); what leaves is within model-noise's documented bound; the first stage is
released beside it as an OLS regression that agrees with statsmodels; bad requests are 4xx
naming the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS, IVGMM, IVLIML

from catalogue.analysis.output_control.fit_tests import FitTest
from catalogue.analysis.statistics.ivregress import IvPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

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
    frame = _frame(issue_workspace, clusters=False)
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
        ({**REQUEST, "estimator": "ols"}, "estimator"),
        ({**REQUEST, "robust": True, "cluster": "kommune"}, "cluster"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    models.assert_refusal_names(issue_workspace, "ivregress", request_, named)


# --- LIML, GMM, clustered errors and the tests in the summary --------------------------------

ORDER = ["kjonn2", "utdanning", "const"]  # ours: exogenous, endogenous, _cons


def _frame(ws: Workspace, clusters: bool = True) -> pd.DataFrame:
    """The complete cases as linearmodels takes them; with `clusters`, of kommune too, as
    a dense cluster code."""
    names = ["lonn", "kjonn", "utdanning", "alder", "episoder"]
    data = _rows(ws, [*names, "kommune"] if clusters else names)
    columns: dict[str, Any] = {
        "lonn": data["lonn"].astype(float),
        "kjonn2": (data["kjonn"] == "2").astype(float),
        "utdanning": data["utdanning"].astype(float),
        "alder": data["alder"].astype(float),
        "episoder": data["episoder"].astype(float),
        "const": 1.0,
    }
    if clusters:
        columns["kommune"] = np.unique(data["kommune"], return_inverse=True)[1].reshape(-1)
    return pd.DataFrame(columns)


def _reference(frame: pd.DataFrame, estimator: str, covariance: str) -> Any:
    """linearmodels' fit: unadjusted and robust with debiased=False, clustered (by
    municipality) with debiased=True (the factor G/(G − 1)·(N − 1)/(N − k)); GMM with the
    robust or clustered weight, two steps."""
    args = (frame["lonn"], frame[["kjonn2", "const"]], frame[["utdanning"]])
    instruments = frame[["alder", "episoder"]]
    kind = {"classical": "unadjusted", "robust": "robust", "cluster": "clustered"}[covariance]
    options: dict[str, Any] = {"cov_type": kind, "debiased": covariance == "cluster"}
    if covariance == "cluster":
        options["clusters"] = frame["kommune"]
    if estimator == "gmm":
        weight: dict[str, Any] = {"weight_type": "robust"}
        if covariance == "cluster":
            weight = {"weight_type": "clustered", "clusters": frame["kommune"]}
        return IVGMM(*args, instruments, **weight).fit(**options)
    model = IV2SLS if estimator == "2sls" else IVLIML
    return model(*args, instruments).fit(**options)


def _exact(test: FitTest, n: int) -> float:
    """A test's value from its exact totals (what output control computes from perturbed
    ones): s'A⁻¹s·f/(d·r)."""
    quadratic = float(test.vector @ np.linalg.solve(test.matrix, test.vector))
    scale = 1.0 if test.offset is None else float(n - test.offset)
    return quadratic * scale / (test.divisor * (test.ratio if test.ratio is not None else 1.0))


@pytest.mark.parametrize("estimator", ["2sls", "liml", "gmm"])
@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_estimators_agree_with_linearmodels(
    issue_workspace: Workspace, estimator: str, covariance: str
) -> None:
    frame = _frame(issue_workspace)
    # GMM's efficient weight is robust, so are its standard errors
    kind = "robust" if estimator == "gmm" and covariance == "classical" else covariance
    reference = _reference(frame, estimator, kind)
    request: dict[str, Any] = {**REQUEST, "estimator": estimator}
    if covariance == "robust":
        request["robust"] = True
    if covariance == "cluster":
        request["cluster"] = "kommune"
    plan = issue_workspace.prepare("ivregress", request)
    assert isinstance(plan, IvPlan)
    assert plan.model.fit.covariance == kind
    assert plan.model.about["estimator"] == estimator
    _close(plan.model.estimate.coefficients, reference.params[ORDER].to_numpy())
    _close(plan.model.estimate.std_errors, reference.std_errors[ORDER].to_numpy())
    tests = {(t.name, t.about): t for t in plan.model.fit.tests}
    n = len(frame)
    # The first stage's classical F: the textbook F of the instruments (statsmodels).
    full = sm.OLS(frame["utdanning"], frame[["kjonn2", "alder", "episoder", "const"]]).fit()
    restricted = sm.OLS(frame["utdanning"], frame[["kjonn2", "const"]]).fit()
    f_test = full.compare_f_test(restricted)[0]
    assert _exact(tests[("first_stage_f", "utdanning")], n) == pytest.approx(f_test, rel=1e-6)
    if kind != "classical":  # linearmodels' Wald statistic of the model's kind, over q
        wald = reference.first_stage.diagnostics.loc["utdanning", "f.stat"] / 2
        found = tests[(f"first_stage_f_{kind}", "utdanning")]
        assert _exact(found, n) == pytest.approx(wald, rel=1e-6)
    if estimator == "gmm":
        assert _exact(tests[("hansen_j", "")], n) == pytest.approx(reference.j_stat.stat, rel=1e-6)
    else:
        assert _exact(tests[("sargan", "")], n) == pytest.approx(reference.sargan.stat, rel=1e-6)
    released = plan.release(control_context(issue_workspace))
    assert [item.about.get("stage") for item in released] == [None, "first"]
    model = released[0].result
    influence = plan.model.fit.evidence.influence
    assert_noise_within_bounds(
        model,
        reference.params[ORDER].to_numpy(),
        reference.std_errors[ORDER].to_numpy(),
        influence,
        influence.std_error(kind),
    )
    overid = "hansen_j" if estimator == "gmm" else "sargan"
    shown = model.summary_value(overid)
    exact = _exact(tests[(overid, "")], n)
    assert isinstance(shown, float) and shown != pytest.approx(exact, rel=1e-4)  # perturbed
    assert model.summary_value(f"{overid}_df") == 1
    shown_f = model.summary_value("first_stage_f:utdanning")
    assert isinstance(shown_f, float) and shown_f != pytest.approx(f_test, rel=1e-4)
    assert model.summary_value("first_stage_f_df1:utdanning") == 2
    # The weak-instrument flag is the released F's against 10, with a note when weak.
    flagged = (
        "first_stage_f_weak:utdanning"
        if kind == "classical"
        else f"first_stage_f_{kind}_weak:utdanning"
    )
    shown_weak = model.summary_value(flagged.replace("_weak", "", 1))
    assert isinstance(shown_weak, float)
    assert model.summary_value(flagged) == int(shown_weak < 10)
    assert ("weak-instruments" in [note.code for note in model.notes]) == (shown_weak < 10)


def test_gmm_with_fewer_clusters_than_moments_is_withheld(issue_workspace: Workspace) -> None:
    """50 clusters (age; enough for too-few-clusters) for 56 moment conditions (a
    municipality's dummies as instruments): the clustered weight's matrix is singular, so
    there is no GMM estimate; the model is withheld, not an error. (Two clusters, sex, are
    refused before: test_models_too_few_clusters.py.)"""
    request = {**REQUEST, "estimator": "gmm", "instruments": ["i.kommune"], "cluster": "alder"}
    plan = issue_workspace.prepare("ivregress", request)
    assert isinstance(plan, IvPlan)
    assert not plan.model.estimate.estimable
    released = plan.release(control_context(issue_workspace))[0].result
    assert [row.labels for row in released.rows] == [("model",)]
    assert released.summary == ()
