"""Separation: a 0/1 outcome that is 0 for every unit at one value of a two-valued regressor
(here `kvinne`, 1 exactly where kjonn is 2) has no finite maximum: the regressor's
coefficient grows without bound. Such a model is withheld like any other failing its
checks (whether a level is separated may hang on one unit's outcome, so it is never a
refusal that would tell it), and fitting it neither fails (no 5xx, no floating-point
warning: pytest turns warnings into errors) nor releases NaN, inf or a non-converged
fit. Output control's regression-outcome-support judges it first: a separated level has
no unit off its most common outcome, under the rule's bound of min_units."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from catalogue.analysis.statistics.shared.design import Column, Factor, Patterns
from catalogue.analysis.statistics.shared.glm import irls
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.variables import Kind, Variable
from tests import test_analysis_support as support
from tests.test_analysis_support import ISSUE_STEPS, control_context
from tests.test_workspaces_api import Researcher, alice, released_people_home, released_world

__all__ = ["alice", "released_people_home", "released_world"]

workspace_factory = support.workspace_factory

FAMILIES = ("poisson", "logit", "probit", "negbin")
STEPS: list[dict[str, Any]] = [
    *ISSUE_STEPS,
    {"generate": "kvinne", "expr": 'kjonn == "2"'},
    {"generate": "mann", "expr": 'kjonn == "1"'},
]
# The outcome 0 at every unit of one level (kvinne = 0 where kjonn is 1, mann = 0 where
# kjonn is 2), the separating regressor as a number, as a category, and with another.
REQUESTS: list[dict[str, Any]] = [
    {"y": "kvinne", "x": ["kjonn"]},
    {"y": "kvinne", "x": ["i.kjonn", "alder"]},
    {"y": "mann", "x": ["alder", "i.kjonn"]},
]
COLUMNS = ("coefficient", "std_error", "z", "p_value", "ci_lower", "ci_upper")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("request_", REQUESTS)
def test_a_separated_model_is_withheld_through_the_api(
    alice: Researcher, family: str, request_: dict[str, Any]
) -> None:
    handle = alice.workspace(STEPS)
    response = alice.post(f"/{handle}/{family}", request_)
    assert response.status_code == 200, response.get_json()
    (item,) = response.get_json()["results"]
    rows = item["result"]["rows"]
    assert len(rows) == 1 and rows[0]["labels"] == ["model"], rows
    assert all(v is None for v in rows[0]["values"].values())
    assert rows[0]["reasons"] in (["regression-outcome-support"], ["regression-withheld"])
    assert item["result"]["summary"] == {}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("request_", REQUESTS)
def test_a_separated_model_is_not_estimable(
    workspace_factory: Any, family: str, request_: dict[str, Any]
) -> None:
    """Before output control: the fit says it cannot be estimated (no coefficients at
    all, none infinite), and output control withholds it by the outcome's support, the
    rule judged before whether the model can be estimated (output_control/models.py
    `_checked`), so the reason is the same whether the fit converges or not."""
    ws = workspace_factory(STEPS)
    plan = ws.prepare(family, request_)
    estimate = plan.plan.estimate if not isinstance(plan, RegressionPlan) else plan.estimate
    assert not estimate.estimable
    released = plan.release(control_context(ws))[0].result
    assert [(row.labels, row.values, row.reasons) for row in released.rows] == [
        (("model",), (None,) * len(COLUMNS), ("regression-outcome-support",))
    ]


def _patterns(n: list[float], ones: list[float], x: list[float]) -> Patterns:
    """One regressor and a constant over patterns of n rows with `ones` outcomes of 1."""
    counts, sums = np.array(n), np.array(ones)
    factor = Factor(Variable("x", "x", Kind.NUMBER, {}), False)
    columns = [Column("x", "continuous", ((factor, None),)), Column("_cons", "constant", ())]
    mean = sums / counts
    return Patterns(
        raw={factor.key: np.array(x)},
        levels={},
        n=counts,
        y_sum=sums,
        y_mean=mean,
        y_m2=counts * mean * (1 - mean),
        binary=True,
        y_min=0.0,
        columns=columns,
        factors=[factor],
        where="",
    )


@pytest.mark.parametrize("family", ("poisson", "logit", "probit"))
@pytest.mark.parametrize(
    ("n", "ones", "x"),
    [
        ([500.0, 480.0], [0.0, 480.0], [0.0, 1.0]),  # complete separation
        ([500.0, 480.0], [0.0, 200.0], [0.0, 1.0]),  # quasi-complete: 0 at one level
        ([500.0, 480.0, 300.0], [0.0, 0.0, 150.0], [0.0, 1.0, 2.0]),  # 0 up to a value
        ([1926.0, 180.0, 699.0], [684.0, 0.0, 617.0], [1.0, 101.0, 1.0]),  # "converged"
    ],
)
def test_irls_gives_up_on_separation_without_a_warning(
    family: str, n: list[float], ones: list[float], x: list[float]
) -> None:
    """IRLS alone, on patterns as the models group them: no maximum, so None (not
    estimable), with no floating-point warning on the way (warnings are errors here)."""
    assert irls(_patterns(n, ones, x), family) is None


@pytest.mark.parametrize("family", ("poisson", "logit", "probit"))
def test_irls_still_fits_a_model_with_a_maximum(family: str) -> None:
    fitted = irls(_patterns([500.0, 480.0, 300.0], [40.0, 100.0, 150.0], [0.0, 1.0, 2.0]), family)
    assert fitted is not None and np.all(np.isfinite(fitted[0]))
