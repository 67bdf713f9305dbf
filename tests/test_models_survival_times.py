"""Times to event ≤ 0. Weibull (which needs log t): when as many units hold one as a table
would show, the request is a 4xx `survival-time-not-positive` naming the time variable;
when fewer do (one unit), the model is withheld, since a refusal on one unit's time would
tell it. Kaplan–Meier leaves such rows out and says so (`left_out`); Cox fits them (its
partial likelihood needs only the order of the times): neither is refused."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models
from tests.test_analysis_models import _rows
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory

ASKED = {
    "kaplan_meier": {"event": "kreft"},
    "cox": {"event": "kreft", "x": ["lonn"]},
    "weibull": {"event": "kreft", "x": ["lonn"]},
}


@pytest.fixture
def times(workspace_factory: Any) -> Workspace:
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {"generate": "tid", "expr": "alder + 0.5"},
            {"generate": "null", "expr": "alder * 0"},  # every time 0
            {"generate": "fra_null", "expr": "alder - 18"},  # 0 for the youngest, many
            {"generate": "negativ", "expr": 'cond(kjonn == "1", -1, alder)'},
        ]
    )
    top = float(np.max(_rows(workspace, ["lonn"])["lonn"]))
    workspace.apply(
        parse_steps([{"generate": "en_null", "expr": f"cond(lonn == {top!r}, 0, tid)"}])
    )
    return workspace


@pytest.mark.parametrize("time", ["null", "fra_null", "negativ"])
def test_many_times_not_positive_are_4xx_naming_the_time(times: Workspace, time: str) -> None:
    statistic = "weibull"
    assert int((_rows(times, [time])[time] <= 0).sum()) >= 20
    with pytest.raises(RegcatError) as refused:
        times.prepare(statistic, {"time": time, **ASKED[statistic]})
    error = refused.value
    assert error.code == "survival-time-not-positive"
    assert 400 <= error.http_status < 500
    assert error.details.get("field") == "time"
    assert time in error.nb and time in error.en and error.nb != error.en
    assert time in json.dumps(error.details)


@pytest.mark.parametrize(
    ("statistic", "time"),
    [
        ("kaplan_meier", "fra_null"),
        ("cox", "fra_null"),
    ],
)
def test_kaplan_meier_and_cox_are_not_refused_for_many(
    times: Workspace, statistic: str, time: str
) -> None:
    plan = times.prepare(statistic, {"time": time, **ASKED[statistic]})
    released = plan.release(control_context(times))
    assert released
    if statistic == "kaplan_meier":
        assert "left_out" in released[0].about


@pytest.mark.parametrize("statistic", sorted(ASKED))
def test_one_time_not_positive_is_not_refused(times: Workspace, statistic: str) -> None:
    assert 1 <= int((_rows(times, ["en_null"])["en_null"] <= 0).sum()) < 3
    plan = times.prepare(statistic, {"time": "en_null", **ASKED[statistic]})
    released = plan.release(control_context(times))
    assert released
    if statistic == "weibull":  # a time without a log: withheld like any such model
        assert [row.labels for row in released[0].result.rows] == [("model",)]


def test_kaplan_meier_with_every_time_left_out_is_refused_for_too_few_events(
    times: Workspace,
) -> None:
    """Every time ≤ 0: every row left out, no events; a 4xx saying so (it was a
    RuntimeWarning from the chart's span over no values: NaN ends, an error under the
    suite's warnings-as-errors)."""
    plan = times.prepare("kaplan_meier", {"time": "null", **ASKED["kaplan_meier"]})
    with pytest.raises(RegcatError) as refused:
        plan.release(control_context(times))
    assert refused.value.code == "survival-events"
    assert 400 <= refused.value.http_status < 500
