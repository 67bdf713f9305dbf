"""rdd's fuzzy design (`treatment`: a treatment that jumps by less than 1 at the cutoff):
the local-linear Wald estimate, the outcome's jump over the treatment's, agrees with
linearmodels' IV2SLS on the rows inside the bandwidth with the kernel weights (the
treatment instrumented by the side, cov_type robust, debiased: HC1) to 1e-6 relative,
coefficients and standard errors, and with the ratio of two statsmodels WLS jumps; what
leaves is within model-noise's documented bound (what holds for every draw); its first
stage is the treatment's sharp design on the same bandwidth, released beside it with the
first-stage F of its released jump; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS

from catalogue.analysis.statistics.rdd import FuzzyPlan, kernel_weights
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.rdd_support import CUTOFF, KERNEL_CASES, prepared, rdd_request, with_treatment
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context
from tests.test_models_rdd import _covariate

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace


def _inside(ws: Workspace, bandwidth: float, covariate: bool) -> dict[str, np.ndarray]:
    data = _rows(ws, ["lonn", "alder", "kjonn", "behandlet"])
    x = data["alder"].astype(float) - CUTOFF
    keep = np.abs(x) < bandwidth
    return {
        "x": x[keep],
        "y": data["lonn"][keep].astype(float),
        "d": data["behandlet"][keep].astype(float),
        "kjonn": data["kjonn"][keep].astype(float),
    }


def _reference(ws: Workspace, bandwidth: float, kernel: str, covariate: bool) -> Any:
    data = _inside(ws, bandwidth, covariate)
    x = data["x"]
    above = (x >= 0).astype(float)
    exogenous = [x, above * x]
    if covariate:
        exogenous.append(data["kjonn"])
    exog = np.column_stack([*exogenous, np.ones(len(x))])
    weights = kernel_weights(x, bandwidth, kernel)
    return (
        IV2SLS(data["y"], exog, data["d"][:, None], above[:, None], weights=weights).fit(
            cov_type="robust", debiased=True
        ),
        data,
        weights,
    )


@pytest.mark.parametrize(("kernel", "covariate"), KERNEL_CASES)
def test_fuzzy_rdd_agrees_with_linearmodels_iv(
    issue_workspace: Workspace, kernel: str, covariate: bool
) -> None:
    ws = with_treatment(issue_workspace)
    request = rdd_request(kernel=kernel, treatment="behandlet", **_covariate(covariate))
    plan = prepared(ws, request, FuzzyPlan)
    reference, data, weights = _reference(ws, 8.5, kernel, covariate)
    estimate = plan.estimate
    assert estimate.estimable and estimate.observations == reference.nobs
    assert estimate.names[:3] == ("behandlet", "alder", "_above#c.alder")
    assert estimate.names[-1] == "_cons"
    # linearmodels orders exogenous first, then the endogenous treatment
    order = [len(estimate.names) - 1, *range(len(estimate.names) - 1)]
    theirs_b = np.asarray(reference.params)[order]
    theirs_se = np.asarray(reference.std_errors)[order]
    _close(estimate.coefficients, theirs_b)
    _close(estimate.std_errors, theirs_se)
    if not covariate:  # the Wald ratio of the two sharp jumps (statsmodels' WLS)
        x = data["x"]
        above = (x >= 0).astype(float)
        design = np.column_stack([above, x, above * x, np.ones(len(x))])
        jump_y = sm.WLS(data["y"], design, weights=weights).fit().params[0]
        jump_d = sm.WLS(data["d"], design, weights=weights).fit().params[0]
        assert 0 < jump_d < 1  # fuzzy: the treatment jumps by less than one
        assert math.isclose(estimate.coefficients[0], jump_y / jump_d, rel_tol=1e-9)
    items = plan.release(control_context(ws))
    assert len(items) == 2
    model, first = items
    assert model.about["design"] == "fuzzy" and first.about["stage"] == "first"
    assert model.result.rows[0].labels == ("behandlet",)
    assert first.result.rows[0].labels == ("_discontinuity",)
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        model.result, theirs_b, theirs_se, influence, influence.std_error("robust")
    )
    f = model.extra["first_stage_f"]
    shown = dict(zip(first.result.columns, first.result.rows[0].values, strict=False))
    assert f == float(f"{(shown['coefficient'] / shown['std_error']) ** 2:.4g}")
    assert model.extra["weak_instrument"] == (f < 10)


def test_first_stage_is_the_sharp_design_of_the_treatment(issue_workspace: Workspace) -> None:
    """On the fuzzy model's own rows (the outcome held too): statsmodels' WLS of the
    treatment on the side, x and side·x with the kernel weights, HC1."""
    ws = with_treatment(issue_workspace)
    base = {"running": "alder", "cutoff": CUTOFF, "bandwidth": 8.5}
    fuzzy = prepared(ws, {"y": "lonn", "treatment": "behandlet", **base}, FuzzyPlan)
    data = _inside(ws, 8.5, False)
    x = data["x"]
    above = (x >= 0).astype(float)
    design = np.column_stack([above, x, above * x, np.ones(len(x))])
    weights = kernel_weights(x, 8.5, "triangular")
    reference = sm.WLS(data["d"], design, weights=weights).fit(cov_type="HC1")
    assert fuzzy.first.estimate.observations == fuzzy.estimate.observations == len(x)
    _close(fuzzy.first.estimate.coefficients, reference.params)
    _close(fuzzy.first.estimate.std_errors, reference.bse)


def test_chosen_bandwidth_is_the_outcomes_and_shared_by_the_first_stage(
    issue_workspace: Workspace,
) -> None:
    ws = with_treatment(issue_workspace)
    base = {"y": "lonn", "running": "alder", "cutoff": CUTOFF}
    sharp = ws.prepare("rdd", base)
    fuzzy = prepared(ws, {**base, "treatment": "behandlet"}, FuzzyPlan)
    assert fuzzy.about["bandwidth_rule"] == "imbens-kalyanaraman"
    assert fuzzy.about["bandwidth"] == sharp.about["bandwidth"]
    assert fuzzy.first.about["bandwidth"] == sharp.about["bandwidth"]


def test_a_treatment_without_a_jump_is_withheld_not_fitted(issue_workspace: Workspace) -> None:
    """A treatment that does not move at the cutoff (born in January, on both sides): the
    Wald ratio has no denominator; the model is not estimable, the first-stage F is
    reported, not a 5xx."""
    ws = with_treatment(issue_workspace)
    ws.apply(parse_steps([{"generate": "jan", "expr": "cond(month(fodselsdato) == 1, 1, 0)"}]))
    request = {"y": "lonn", "running": "alder", "treatment": "jan", "cutoff": CUTOFF}
    plan = prepared(ws, {**request, "bandwidth": 8.5, "kernel": "uniform"}, FuzzyPlan)
    items = plan.release(control_context(ws))
    assert len(items) == 2
    f = items[0].extra["first_stage_f"]
    if f is not None:
        assert items[0].extra["weak_instrument"] == (f < 10)


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        ({"treatment": "lonn"}, "invalid-request", "lonn"),
        ({"treatment": "alder"}, "invalid-request", "alder"),
        ({"treatment": "kommune"}, "statistic-needs-number", "kommune"),
        ({"treatment": "finnes_ikke"}, "unknown-variable", "finnes_ikke"),
        ({"cutoff": 90}, "rdd-no-support", "alder"),
    ],
)
def test_bad_fuzzy_requests_are_4xx_naming_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], code: str, named: str
) -> None:
    ws = with_treatment(issue_workspace)
    request = {"y": "lonn", "running": "alder", "treatment": "behandlet", "cutoff": CUTOFF}
    with pytest.raises(RegcatError) as refused:
        ws.prepare("rdd", {**request, **request_})
    assert refused.value.code == code
    assert 400 <= refused.value.http_status < 500
    assert named in json.dumps([refused.value.nb, refused.value.en, refused.value.details])
