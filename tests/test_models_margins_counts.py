"""Average marginal effects of the Poisson and negative binomial models (margins with
`model` poisson or negbin) agree with statsmodels' Poisson / NegativeBinomial(nb2)
.get_margeff(at="overall", method="dydx") to 1e-6 relative before
perturbation, for classical, robust and cluster-robust standard errors; the released
effects stay within the documented noise. Of regress the effects are the coefficients:
margins releases the model exactly as regress does, and nothing else."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.output_control.rounding import significant
from catalogue.analysis.output_control.rules.model_noise import (
    ModelNoiseParameters,
    coefficient_spread,
)
from catalogue.analysis.statistics.margins import LinearMargins, MlogitMargins
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context
from tests.test_models_binary import margins_agree

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"y": "episoder", "x": ["alder", "i.utdanning", "kjonn"]}


def _reference(family: str, data: dict[str, np.ndarray], **cov: Any) -> Any:
    y, x = data["episoder"].astype(float), models.design(data, "alder", "i.utdanning", "kjonn")
    if family == "poisson":
        return sm.Poisson(y, x).fit(disp=0, method="newton", tol=1e-12, **cov)
    model = sm.NegativeBinomial(y, x, loglike_method="nb2")
    return model.fit(disp=0, method="newton", tol=1e-12, maxiter=200, **cov)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_count_average_marginal_effects_agree_with_statsmodels(
    issue_workspace: Workspace, family: str, covariance: str
) -> None:
    data = _rows(issue_workspace, ["episoder", "alder", "utdanning", "kjonn", "kommune"])
    margins_agree(issue_workspace, REQUEST, family, covariance, data, _reference)


def test_the_effects_of_a_linear_model_are_its_coefficients(issue_workspace: Workspace) -> None:
    request = {"y": "lonn", "x": ["alder", "kjonn"]}
    plan = issue_workspace.prepare("margins", {**request, "model": "regress"})
    assert isinstance(plan, LinearMargins)
    [released] = plan.release(control_context(issue_workspace))
    [alone] = issue_workspace.prepare("regress", request).release(control_context(issue_workspace))
    assert released.about["effects"] == "coefficients"
    assert released.result.rows == alone.result.rows  # the same release, no second draw


@pytest.mark.parametrize(
    ("asked", "cov_type"),
    [({}, "nonrobust"), ({"robust": True}, "HC0"), ({"cluster": "kommune"}, "cluster")],
)
def test_mlogit_average_marginal_effects_agree_with_statsmodels(
    issue_workspace: Workspace, asked: dict[str, Any], cov_type: str
) -> None:
    """MNLogit.get_margeff gives every level's effects, the base's included; margins
    releases every class's (a draw of each, registered once), and shows each equation's
    level's draw less the classes' mean (the base's are minus their sum): within 3·((1 −
    1/J)·σ_level + Σ_other σ/J) of statsmodels' (each class's σ J/(J − 1) times its own, so
    the shown effect's noise is at least its own fit's)."""
    data = _rows(issue_workspace, ["utdanning", "alder", "kjonn", "kommune"])
    x = np.column_stack(
        [data["alder"], (data["kjonn"] == "2").astype(float), np.ones(len(data["alder"]))]
    )
    options: dict[str, Any] = {}
    if cov_type == "cluster":
        groups = np.unique(data["kommune"], return_inverse=True)[1]
        options = {"cov_kwds": {"groups": groups}}
    reference = sm.MNLogit(data["utdanning"].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200, cov_type=cov_type, **options
    )
    effects = reference.get_margeff(at="overall", method="dydx")
    request = {"y": "utdanning", "x": ["alder", "i.kjonn"], **asked, "model": "mlogit"}
    plan = issue_workspace.prepare("margins", request)
    assert isinstance(plan, MlogitMargins)
    margeff, se = np.asarray(effects.margeff), np.asarray(effects.margeff_se)
    for k, fit in enumerate(plan.effects):
        _close(fit.coefficients, margeff[:, k])
        _close(fit.std_errors, se[:, k])
    context = control_context(issue_workspace)
    released = plan.release(context)
    classes = len(plan.effects)
    assert [item.about["statistic"] for item in released] == ["mlogit", "margins"] * (classes - 1)
    kind = {"nonrobust": "classical", "HC0": "robust"}.get(cov_type, "cluster")
    noise = ModelNoiseParameters()
    draws, spreads = [], []
    for class_plan, fit in zip(plan.model.classes, plan.effects, strict=True):
        _, effect = class_plan.release_with(fit, {}, context)  # the registered draw again
        influence = fit.evidence.influence
        assert_noise_within_bounds(
            effect.result, fit.coefficients, fit.std_errors, influence, influence.std_error(kind)
        )
        draws.append(effect.result)
        spreads.append(coefficient_spread(noise, influence))
    for k, equation in enumerate(plan.model.equations):
        level = equation.level
        weights = [1.0 - 1.0 / classes if m == level else -1.0 / classes for m in range(classes)]
        shown = released[2 * k + 1].result
        for i, b in enumerate(shown.column("coefficient")):
            mean = sum(w * d.column("coefficient")[i] for w, d in zip(weights, draws, strict=True))
            error = sum(
                abs(w) * d.column("std_error")[i] for w, d in zip(weights, draws, strict=True)
            )
            assert b == significant(mean, 4)
            assert shown.column("std_error")[i] == significant(error, 4)
            bound = sum(abs(w) * s[i] for w, s in zip(weights, spreads, strict=True))
            assert abs(b - margeff[i, level]) <= noise.max_noise * bound + 1e-3 * abs(b)
