"""mlogit agrees with statsmodels' MNLogit on the same rows (coefficients and standard
errors to 1e-6 relative, before output control); each class's centred coefficients are
released through the model rules, within model-noise's documented bound, and each equation
shown is two of those draws differenced, whichever class is the base; a model that cannot be estimated is
withheld like any other; bad requests are 4xx naming the field."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.output_control.rounding import significant
from catalogue.analysis.output_control.rules.model_noise import (
    ModelNoiseParameters,
    coefficient_spread,
)
from catalogue.analysis.statistics.mlogit import MlogitPlan
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"y": "utdanning", "x": ["alder", "i.kjonn"]}


def _reference(data: dict[str, np.ndarray], outcome: str, **options: Any) -> Any:
    x = np.column_stack(
        [data["alder"], (data["kjonn"] == "2").astype(float), np.ones(len(data["alder"]))]
    )
    return sm.MNLogit(data[outcome].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200, **options
    )


def test_mlogit_agrees_with_statsmodels(issue_workspace: Workspace) -> None:
    data = _rows(issue_workspace, ["utdanning", "alder", "kjonn"])
    reference = _reference(data, "utdanning")
    plan = issue_workspace.prepare("mlogit", REQUEST)
    assert isinstance(plan, MlogitPlan) and len(plan.equations) == reference.params.shape[1]
    assert len(plan.classes) == len(plan.equations) + 1
    context = control_context(issue_workspace)
    levels = sorted(set(data["utdanning"].astype(float).tolist()))
    for k, equation in enumerate(plan.equations):
        _close(equation.estimate.coefficients, np.asarray(reference.params)[:, k])
        _close(equation.estimate.std_errors, np.asarray(reference.bse)[:, k])
    items = plan.release(context)
    for k, item in enumerate(items):
        assert (
            item.about["level"] == f"{levels[k + 1]:g}" and item.about["base"] == f"{levels[0]:g}"
        )
    assert_released_from_class_draws(plan, items, context, reference, "classical", reference)


def test_another_base_is_the_registered_draws_differenced(workspace_factory: Any) -> None:
    """The outcome recoded so that another class is the base (9, the smallest, as −1): every
    class's draw is the one the first coding registered, and every equation shown is two of
    them differenced, within its bound around statsmodels' fit with that base (docs
    §`model-noise`, "A multinomial logit's classes"; red team `test_reparam_draws` test_k)."""
    recode = "cond(utdanning == 9, -1, utdanning)"
    workspace: Workspace = workspace_factory(
        [*models.MODEL_STEPS, {"generate": "annen", "expr": recode}]
    )
    data = _rows(workspace, ["utdanning", "annen", "alder", "kjonn"])
    context = control_context(workspace)
    first = workspace.prepare("mlogit", REQUEST)
    moved = workspace.prepare("mlogit", {**REQUEST, "y": "annen"})
    assert isinstance(first, MlogitPlan) and isinstance(moved, MlogitPlan)
    first.release(context)
    # Class j of `annen` is class j − 1 of `utdanning` (levels 0, 1, 2, 3, 9), class 0 its 9.
    count = len(first.classes)
    registered = [c.release(context)[0].result for c in first.classes]
    for j, plan in enumerate(moved.classes):
        (item,) = plan.release(context)
        assert _pairs(item.result) == pytest.approx(_pairs(registered[(j - 1) % count]), rel=2e-3)
    reference = _reference(data, "annen")
    items = moved.release(context)
    assert {item.about["base"] for item in items} == {"-1"}
    assert_released_from_class_draws(moved, items, context, reference, "classical", reference)


def _pairs(result: Any) -> list[float]:
    return [float(v) for row in result.rows for v in row.values[:2]]


def assert_released_from_class_draws(
    plan: MlogitPlan, items: list[Any], context: Any, reference: Any, kind: str, classical: Any
) -> None:
    """Each class's released draw within model-noise's documented bound around its exact
    γ_j (the classes' centred coefficients, whose differences are statsmodels' equations);
    each equation shown its two classes' draws differenced (its error the sum of theirs,
    both as shown to 4 figures), so within 3·(σ_level + σ_base) of statsmodels' fit, and its
    noise's sd, √(σ_level² + σ_base²), at least the share of the classical error its own
    fit would have had (`classical`: statsmodels' classical fit)."""
    noise = ModelNoiseParameters()
    released = [c.release(context)[0].result for c in plan.classes]
    spreads = []
    for class_plan, result in zip(plan.classes, released, strict=True):
        influence = class_plan.fit.evidence.influence
        assert class_plan.fit.evidence.estimable
        assert_noise_within_bounds(
            result,
            class_plan.estimate.coefficients,
            class_plan.estimate.std_errors,
            influence,
            influence.std_error(kind),
        )
        spreads.append(coefficient_spread(noise, influence))
    params, bse = np.asarray(reference.params), np.asarray(classical.bse)
    for k, (equation, item) in enumerate(zip(plan.equations, items, strict=True)):
        level, base = equation.level, equation.base
        exact = plan.classes[level].estimate.coefficients - plan.classes[base].estimate.coefficients
        _close(exact, params[:, k])
        shown_b, shown_se = item.result.column("coefficient"), item.result.column("std_error")
        parts = [released[level].column(c) for c in ("coefficient", "std_error")]
        bases = [released[base].column(c) for c in ("coefficient", "std_error")]
        for i, (b, se) in enumerate(zip(shown_b, shown_se, strict=True)):
            assert b == significant(parts[0][i] - bases[0][i], 4)
            assert se == significant(parts[1][i] + bases[1][i], 4)
            bound = noise.max_noise * (spreads[level][i] + spreads[base][i])
            assert abs(b - params[i, k]) <= bound + 1e-3 * abs(params[i, k])
            spread = math.hypot(spreads[level][i], spreads[base][i])
            assert spread >= noise.coefficient_share * bse[i, k] * (1 - 1e-9)


def test_a_model_that_cannot_be_estimated_is_withheld(workspace_factory: Any) -> None:
    workspace: Workspace = workspace_factory([*models.ISSUE_STEPS, {"generate": "en", "expr": "1"}])
    plan = workspace.prepare("mlogit", {"y": "utdanning", "x": ["en"]})
    assert isinstance(plan, MlogitPlan)
    for item in plan.release(control_context(workspace)):
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
    models.assert_refusal_names(issue_workspace, "mlogit", request_, named)
