"""kaplan_meier as a statistic: without noise the published curve is lifelines' Kaplan–Meier
estimate of the times coarsened to the steps' starts (to 1e-6: the steps are what output
control lets out, and the product-limit of their counts is exactly that estimate); with
noise every count at risk and of events is a published count cell of at least the
threshold or withheld, no step holds fewer than 10 perturbed events, a withheld point stays
withheld to the end; the spec renders; bad requests are 4xx naming the field."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from lifelines import KaplanMeierFitter

from catalogue.analysis.output_control import ControlContext
from catalogue.analysis.output_control.rules.survival import Survival
from catalogue.analysis.output_control.rules.threshold import Threshold
from catalogue.analysis.workspace import Workspace
from catalogue.export.results.charts import svg
from tests import test_analysis_models as models
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_models import _rows
from tests.test_analysis_support import ISSUE_STEPS, control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"time": "alder", "event": "kreft"}


def _exact(context: ControlContext) -> ControlContext:
    """The same context with no count noise and survival shown to 15 figures."""
    parameters = context.parameters.with_changes("cell-key-noise", enabled=False)
    parameters = parameters.with_changes("survival", significant_digits=15)
    return dataclasses.replace(context, parameters=parameters)


def test_unperturbed_curve_is_lifelines_kaplan_meier_on_the_steps(
    issue_workspace: Workspace,
) -> None:
    plan = issue_workspace.prepare("kaplan_meier", REQUEST)
    (item,) = plan.release(_exact(control_context(issue_workspace)))
    result = item.result
    starts = [float(v) for v in result.column("start")]
    assert len(starts) >= 2 and starts[0] == 0.0
    data = _rows(issue_workspace, ["alder", "kreft"])
    time, event = data["alder"].astype(float), data["kreft"].astype(float) != 0
    kept = time > 0
    time, event = time[kept], event[kept]
    # Each unit's time put on its step's start: at risk at a start are the units with a
    # time at or past it, its events those of the step (lifelines counts censoring at an
    # event time as after the events, as the step's count at risk does).
    step = np.searchsorted(np.array(starts), time, side="right") - 1
    coarse = np.array(starts)[step]
    fitter = KaplanMeierFitter().fit(coarse, event)
    expected = fitter.survival_function_at_times(starts).to_numpy()
    survival = np.array([np.nan if v is None else float(v) for v in result.column("survival")])
    np.testing.assert_allclose(survival, expected, rtol=1e-6, atol=0)
    at_risk = [int((time >= s).sum()) for s in starts]
    events = [int(event[step == i].sum()) for i in range(len(starts))]
    assert list(result.column("at_risk")) == at_risk
    assert list(result.column("events")) == events
    assert min(events) >= 10


def test_perturbed_steps_hold_published_counts_and_withheld_points_stay_withheld(
    issue_workspace: Workspace,
) -> None:
    context = control_context(issue_workspace)
    (item,) = issue_workspace.prepare("kaplan_meier", REQUEST).release(context)
    result = item.result
    smallest = context.parameters.of(Threshold).min_count
    least_events = context.parameters.of(Survival).min_events
    counts = list(result.column("at_risk")) + list(result.column("events"))
    assert all(c is None or c >= smallest for c in counts)
    assert all(e is None or e >= least_events for e in result.column("events"))
    curve = list(result.column("survival"))
    assert curve[0] is not None
    gone = [i for i, v in enumerate(curve) if v is None]
    if gone:  # a withheld point is never followed by a shown one
        assert all(v is None for v in curve[gone[0] :])
    shown = [v for v in curve if v is not None]
    assert shown == sorted(shown, reverse=True) and all(0 <= v <= 1 for v in shown)


def test_through_the_api_with_a_chart_and_bad_requests_named(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    path = f"/api/v1/workspaces/{handle}/kaplan_meier"
    answer = client.post(path, json={**REQUEST, "steps": 20}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    (item,) = answer.get_json()["results"]
    assert item["result"]["kind"] == "survival"
    rows = [{"step": r["labels"][0], **r["values"]} for r in item["result"]["rows"]]
    assert item["vega_lite"]["data"]["values"] == rows and rows
    drawn = svg(item["vega_lite"])
    assert drawn is not None and drawn.startswith("<svg")
    cases = [
        ({"time": "alder", "event": "alder"}, "event"),
        ({"time": "nosuch", "event": "kreft"}, "nosuch"),
        ({"time": "kommune", "event": "kreft"}, "kommune"),
        ({"time": "alder"}, "event"),
        ({**REQUEST, "steps": 0}, "steps"),
    ]
    assert_fields_named(client, headers, handle, "kaplan_meier", cases)
