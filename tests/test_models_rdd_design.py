"""A conventional rdd asked again on the same rows with another bandwidth or kernel is
refused (409 rdd-design-released, naming the released design and the asked one), not
answered with the first request's registered numbers under the second's name (regcat
issue 16): output control keys a model's answer by its pairs, the rows, which do not tell
the bandwidth (h = 8.5 and h = 8.9 select the same whole ages) or the kernel. The same
design again gets the same answer; a bandwidth that selects other rows is answered fresh.
The fuzzy design's model carries its design too."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.analysis.statistics.rdd import DesignPlan, FuzzyPlan
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.rdd_support import with_treatment
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

CUTOFF = 40.0


def _plan(ws: Workspace, bandwidth: float, kernel: str = "triangular") -> DesignPlan:
    request = {
        "y": "lonn",
        "running": "alder",
        "cutoff": CUTOFF,
        "bandwidth": bandwidth,
        "kernel": kernel,
    }
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, DesignPlan)
    return plan


def _numbers(items: list[Any]) -> list[tuple[Any, ...]]:
    (item,) = items
    return [tuple(row.values) for row in item.result.rows]


def _refused(ws: Workspace, context: Any, bandwidth: float, kernel: str) -> RegcatError:
    with pytest.raises(RegcatError) as caught:
        _plan(ws, bandwidth, kernel).release(context)
    return caught.value


def test_another_design_on_the_same_rows_is_refused_naming_both(
    issue_workspace: Workspace,
) -> None:
    ws = issue_workspace
    assert _plan(ws, 8.5).estimate.observations == _plan(ws, 8.9).estimate.observations
    context = control_context(ws)
    first = _plan(ws, 8.5).release(context)
    (item,) = first
    summary = {s.name: s.value for s in item.result.summary}
    assert (summary["bandwidth"], summary["kernel"]) == (8.5, "triangular")
    assert _numbers(_plan(ws, 8.5).release(context)) == _numbers(first)

    released = {"bandwidth": 8.5, "kernel": "triangular"}
    for h, kernel, field in ((8.9, "triangular", "bandwidth"), (8.5, "uniform", "kernel")):
        error = _refused(ws, context, h, kernel)
        assert (error.code, error.http_status) == ("rdd-design-released", 409)
        assert error.details == {
            "field": field,
            "released": released,
            "asked": {"bandwidth": h, "kernel": kernel},
        }
        for text in (error.nb, error.en):
            assert "8.5" in text and "triangular" in text
            assert f"{h:g}" in text and kernel in text
    # Nothing of the refused requests was registered: 8.5 still answers as before.
    assert _numbers(_plan(ws, 8.5).release(context)) == _numbers(first)

    # Other rows (h = 12: more ages) are another question, answered fresh.
    wider = _plan(ws, 12.0)
    assert wider.estimate.observations > _plan(ws, 8.5).estimate.observations
    (fresh,) = wider.release(context)
    assert {s.name: s.value for s in fresh.result.summary}["bandwidth"] == 12.0
    assert _numbers([fresh]) != _numbers(first)

    # On another ledger the uniform kernel comes first and gets its own numbers.
    other = control_context(ws)
    uniform = _plan(ws, 8.5, "uniform").release(other)
    assert _numbers(uniform) != _numbers(first)
    assert _refused(ws, other, 8.5, "triangular").details["released"]["kernel"] == "uniform"


def test_the_fuzzy_design_refuses_another_bandwidth_before_its_first_stage(
    issue_workspace: Workspace,
) -> None:
    ws = with_treatment(issue_workspace)
    context = control_context(ws)

    def fuzzy(h: float) -> FuzzyPlan:
        request = {
            "y": "lonn",
            "running": "alder",
            "treatment": "behandlet",
            "cutoff": CUTOFF,
            "bandwidth": h,
        }
        plan = ws.prepare("rdd", request)
        assert isinstance(plan, FuzzyPlan)
        return plan

    first = fuzzy(8.5).release(context)
    assert [i.result.rows for i in fuzzy(8.5).release(context)] == [i.result.rows for i in first]
    with pytest.raises(RegcatError) as caught:
        fuzzy(8.9).release(context)
    assert caught.value.code == "rdd-design-released"
