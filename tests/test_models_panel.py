"""Panel regression agrees with linearmodels on the same rows (to 1e-6 relative, before
output control): PooledOLS, PanelOLS(entity_effects=True), BetweenOLS and RandomEffects,
with classical ("unadjusted", debiased), robust (debiased, the effects counted) and
clustered standard errors (by entity; debiased and group_debias, the effects not counted);
the entity is the unit of a workspace in panel form, or a variable. What leaves is within
model-noise's documented bound. A workspace not in panel form is refused (4xx naming the
field); a regressor whose variation within entities fewer units hold than a table shows is
a 4xx naming it under fixed effects."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from linearmodels.panel import BetweenOLS, PanelOLS, PooledOLS, RandomEffects

from catalogue.analysis import db
from catalogue.analysis.statistics.shared.panel import PanelPlan
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _close, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory

PANEL_STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    {
        "import": "INNTEKT_WLONN",
        "dates": ["2020-12-31", "2021-12-31", "2022-12-31"],
        "as": "lonn",
    },
    {"reshape_to_panel": ["lonn"], "date_as": "aar"},
    {"generate": "alder", "expr": "year(aar) - year(fodselsdato)"},
    {"generate": "jobb", "expr": "lonn > 300000"},
]
X = ["alder", "jobb", "i.kjonn"]


@pytest.fixture
def panel(workspace_factory: Any) -> Workspace:
    workspace: Workspace = workspace_factory(PANEL_STEPS)
    return workspace


def _frame(ws: Workspace, entity: str | None) -> pd.DataFrame:
    names = ["lonn", "alder", "jobb", "kjonn", "aar", "kommune"]
    columns = ", ".join(f'"{ws.state.schema.get(n).column}" AS {n}' for n in names)
    where = " AND ".join(
        f'"{ws.state.schema.get(n).column}" IS NOT NULL' for n in ["lonn", "alder", "kjonn"]
    )
    if entity is not None:
        where += f' AND "{ws.state.schema.get(entity).column}" IS NOT NULL'
    data = db.arrays(ws.con, f'SELECT unit_id, {columns} FROM "{ws.state.table}" WHERE {where}')
    frame = pd.DataFrame({k: v for k, v in data.items()})
    frame["entity"] = frame["unit_id"] if entity is None else frame[entity].astype(str)
    # A time index unique within an entity, counted per entity (0, 1, ... in row order):
    # linearmodels lays a panel out as entities × times, and a time index unique over
    # all rows made that every entity times every row (23 s of CPU for the clustered
    # between model). No model here has time effects, so only the order counts.
    frame["row"] = frame.groupby("entity", sort=False).cumcount().to_numpy()
    frame["woman"] = (frame["kjonn"] == "2").astype(float)
    frame["jobb"] = frame["jobb"].astype(float)
    frame["const"] = 1.0
    return frame.set_index(["entity", "row"])


def _reference(frame: pd.DataFrame, method: str, covariance: str, within: bool) -> Any:
    columns = ["alder", "jobb"] + ([] if within else ["woman"]) + ["const"]
    y, x = frame["lonn"].astype(float), frame[columns]
    model = {
        "fe": lambda: PanelOLS(y, x, entity_effects=True),
        "re": lambda: RandomEffects(y, x),
        "be": lambda: BetweenOLS(y, x),
        "pooled": lambda: PooledOLS(y, x),
    }[method]()
    options: dict[str, Any] = {"debiased": True}
    if covariance == "classical":
        options["cov_type"] = "unadjusted"
    elif covariance == "robust":
        options["cov_type"] = "robust"
    elif method == "be":  # one row per entity: clusters given per entity row
        codes = pd.factorize(frame.index.get_level_values(0))[0]
        clusters = pd.DataFrame({"entity": codes}, index=frame.index)
        options.update(cov_type="clustered", clusters=clusters, group_debias=True)
    else:
        options.update(cov_type="clustered", cluster_entity=True, group_debias=True)
    if method == "fe":
        options["count_effects"] = covariance != "cluster"
    return model.fit(**options)


def _request(method: str, covariance: str, entity: str | None) -> dict[str, Any]:
    within = method == "fe"
    request: dict[str, Any] = {
        "y": "lonn",
        "x": ["alder", "jobb"] + ([] if within else ["i.kjonn"]),
    }
    request["method"] = method
    if entity is not None:
        request["entity"] = entity
    if covariance == "robust":
        request["robust"] = True
    if covariance == "cluster":
        request["cluster"] = entity or "_unit"
    return request


@pytest.mark.parametrize("method", ["fe", "re", "be", "pooled"])
@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_panel_models_agree_with_linearmodels(
    panel: Workspace, method: str, covariance: str
) -> None:
    plan = panel.prepare("regress_panel", _request(method, covariance, None))
    assert isinstance(plan, PanelPlan)
    reference = _reference(_frame(panel, None), method, covariance, method == "fe")
    estimate = plan.plan.estimate
    assert estimate.estimable
    _close(estimate.coefficients, reference.params.to_numpy())
    _close(estimate.std_errors, reference.std_errors.to_numpy())
    released = plan.release(control_context(panel))[0].result
    influence = plan.plan.fit.evidence.influence
    assert_noise_within_bounds(
        released,
        reference.params.to_numpy(),
        reference.std_errors.to_numpy(),
        influence,
        influence.std_error(covariance),
    )


@pytest.mark.parametrize("method", ["fe", "re"])
def test_the_entity_can_be_a_variable(panel: Workspace, method: str) -> None:
    """Effects of municipalities rather than persons."""
    plan = panel.prepare("regress_panel", _request(method, "cluster", "kommune"))
    assert isinstance(plan, PanelPlan)
    reference = _reference(_frame(panel, "kommune"), method, "cluster", method == "fe")
    _close(plan.plan.estimate.coefficients, reference.params.to_numpy())
    _close(plan.plan.estimate.std_errors, reference.std_errors.to_numpy())


def test_a_workspace_not_in_panel_form_is_refused(workspace_factory: Any) -> None:
    ws = workspace_factory(models.ISSUE_STEPS)
    with pytest.raises(RegcatError) as caught:
        ws.prepare("regress_panel", {"y": "lonn", "x": ["alder"]})
    assert caught.value.code == "needs-panel-form"
    assert 400 <= caught.value.http_status < 500
    assert caught.value.details["field"] == "entity"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"y": "lonn", "x": ["alder"], "method": "iv"}, "method"),
        ({"y": "lonn", "x": ["alder"], "robust": True, "cluster": "_unit"}, "cluster"),
        ({"y": "lonn", "x": ["alder"], "method": "be", "entity": "kommune"}, "entity"),
    ],
)
def test_requests_wrong_in_themselves_are_refused(
    panel: Workspace, request_: dict[str, Any], field: str
) -> None:
    models.assert_refusal_field(panel, "regress_panel", request_, field)


@pytest.mark.parametrize("x", [["alder", "i.kjonn"], ["alder", "fodt"], ["alder", "en_endring"]])
def test_a_regressor_without_variation_within_units_is_4xx_under_fixed_effects(
    panel: Workspace, x: list[str]
) -> None:
    """Sex and birth year never change within a person, and `en_endring` changes within
    one person only: under fixed effects none has a coefficient a table could back. The
    request is a 4xx naming the regressor, decided on the perturbed count of the units in
    which it varies (not on one unit's values); pooled, the same regressors are fine, and
    an interaction that varies within units is not refused for its factors."""
    column = panel.state.schema.get("lonn").column
    found = db.arrays(panel.con, f'SELECT max("{column}") AS m FROM "{panel.state.table}"')
    top = float(found["m"][0])
    panel.apply(
        parse_steps(
            [
                {"generate": "fodt", "expr": "year(fodselsdato)"},
                {"generate": "en_endring", "expr": f"cond(lonn == {top!r}, 1, 0)"},
            ]
        )
    )
    named = x[1].removeprefix("i.")
    with pytest.raises(RegcatError) as refused:
        panel.prepare("regress_panel", {"y": "lonn", "x": x})
    error = refused.value
    assert error.code == "panel-no-time-variation" and 400 <= error.http_status < 500
    assert error.details.get("field") == "x" and error.details.get("name") == named
    assert named in error.nb and named in error.en
    pooled = panel.prepare("regress_panel", {"y": "lonn", "x": x, "method": "pooled"})
    assert pooled.release(control_context(panel))[0].result.population is not None
    panel.prepare("regress_panel", {"y": "lonn", "x": ["alder", "i.kjonn#c.alder"]})


@pytest.mark.parametrize("method", ["fe", "re", "be", "pooled"])
def test_the_same_question_in_two_workspaces_is_the_same_model(
    workspace_factory: Any, method: str
) -> None:
    """A re-run is byte-identical (OUTPUT_CONTROL.md §4): the same steps built into two
    workspaces give the same fit and the same evidence digest (the noise's key). Were a
    transform's floating sums taken in a row order that differs between workspaces, the
    last bits of the transformed rows would differ, and with them the key: every fresh
    workspace would draw fresh noise, and averaging them would remove it."""
    plans = []
    for _ in range(3):
        plan = workspace_factory(PANEL_STEPS).prepare(
            "regress_panel", _request(method, "cluster", None)
        )
        assert isinstance(plan, PanelPlan)
        plans.append(plan)
    first = plans[0]
    for other in plans[1:]:
        assert other.plan.fit.evidence.digest == first.plan.fit.evidence.digest
        assert other.sigmas == first.sigmas
        np.testing.assert_allclose(
            other.plan.estimate.coefficients, first.plan.estimate.coefficients, rtol=1e-9
        )


@pytest.mark.parametrize("method", ["fe", "re", "be", "pooled"])
def test_the_same_rows_clustered_otherwise_get_their_own_errors(
    workspace_factory: Any, method: str
) -> None:
    """Clustered by municipality and then, in the same ledger, by birth day (31 clusters):
    the coefficients are the same fit and keep the registered draw, but the standard errors
    are another clustering's, within model-noise's bounds of their own. The clusters are in
    the model's pairs: without them the second was given the first's registered errors (all
    four methods, 2026-12-08: fe 23.59 for an exact 25.6, where the first's exact was
    12.6)."""
    workspace = workspace_factory([*PANEL_STEPS, {"generate": "dag", "expr": "day(fodselsdato)"}])
    context = control_context(workspace)
    request = {"y": "lonn", "x": ["alder", "jobb"], "method": method}
    shown = []
    for cluster in ("kommune", "dag"):
        plan = workspace.prepare("regress_panel", {**request, "cluster": cluster})
        assert isinstance(plan, PanelPlan)
        released = plan.release(context)[0].result
        evidence = plan.plan.fit.evidence
        assert_noise_within_bounds(
            released,
            plan.plan.estimate.coefficients,
            plan.plan.estimate.std_errors,
            evidence.influence,
            evidence.influence.std_error("cluster"),
        )
        shown.append((released.column("coefficient"), released.column("std_error")))
    assert shown[0][0] == shown[1][0]  # the same fit: the registered coefficients
    assert shown[0][1] != shown[1][1]


@pytest.mark.parametrize("method", ["fe", "pooled"])
def test_too_few_clusters_are_4xx_naming_the_variable(panel: Workspace, method: str) -> None:
    """Clustered by sex: two clusters, fewer than MIN_CLUSTERS; by municipality: enough."""
    request = {"y": "lonn", "x": ["alder", "jobb"], "method": method}
    with pytest.raises(RegcatError) as caught:
        panel.prepare("regress_panel", {**request, "cluster": "kjonn"})
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert error.details.get("field") == "cluster" and error.details.get("name") == "kjonn"
    assert "kjonn" in error.nb and "kjonn" in error.en
    panel.prepare("regress_panel", {**request, "cluster": "kommune"})


def test_cluster_codes_are_numpy_uniques_codes() -> None:
    """The clusters' codes (found by a dict, only the distinct values sorted) are exactly
    np.unique's inverse, for text as DuckDB gives it and for numbers."""
    from catalogue.analysis.statistics.shared.panel import _sorted_codes

    rng = np.random.default_rng(7)
    labels = np.array([f"k{v}" for v in rng.permutation(300)], dtype=object)
    for values in (labels[rng.integers(0, 300, 20_000)], rng.integers(-5, 50, 20_000)):
        expected = np.unique(values, return_inverse=True)[1].reshape(-1)
        assert np.array_equal(_sorted_codes(values), expected)
