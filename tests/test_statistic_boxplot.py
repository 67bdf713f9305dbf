"""boxplot: each box is its released smoothed quartiles and smoothed extremes, number for
number; no raw quantile, minimum or maximum reaches the spec; a box with a withheld number
is not drawn; bad requests are 4xx naming the field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.output_control import UnitValues, control_min_max, control_percentiles
from catalogue.analysis.statistics.boxplot import box_chart
from catalogue.domain.errors import RegcatError
from catalogue.export.results.charts import svg
from tests import test_analysis_models as models
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS, control_context
from tests.test_output_control_helpers import context, pseudonyms

workspace_factory = models.workspace_factory


def _value(item: dict[str, Any], label: str) -> Any:
    (row,) = [r for r in item["result"]["rows"] if r["labels"] == [label]]
    return row["values"]["value"]


def test_each_box_is_its_released_quartiles_and_extremes(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    for body in ({"var": "lonn", "by": "kjonn"}, {"var": "lonn"}):
        answer = client.post(f"/api/v1/workspaces/{handle}/boxplot", json=body, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        items = answer.get_json()["results"]
        spec = items[0]["vega_lite"]
        boxes = {p["group"]: p for p in spec["data"]["values"]}
        assert boxes
        for group, box in boxes.items():
            (quartiles,) = [
                i
                for i in items
                if i["about"]["box"] == group and i["about"]["table"] == "quartiles"
            ]
            (extremes,) = [
                i for i in items if i["about"]["box"] == group and i["about"]["table"] == "whiskers"
            ]
            assert box["q1"] == _value(quartiles, "0.25")
            assert box["median"] == _value(quartiles, "0.5")
            assert box["q3"] == _value(quartiles, "0.75")
            assert box["lower"] == _value(extremes, "min")
            assert box["upper"] == _value(extremes, "max")
        drawn = svg(spec)
        assert drawn is not None and drawn.startswith("<svg")


def test_bad_requests_name_the_field(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    cases = [
        ({"var": "lonn", "by": "lonn"}, "by"),
        ({"var": "nosuch"}, "nosuch"),
        ({"var": "kommune"}, "kommune"),
        ({"by": "kjonn"}, "var"),
    ]
    assert_fields_named(client, headers, handle, "boxplot", cases)


def test_no_raw_quantile_or_extreme_and_no_withheld_box_reaches_the_spec() -> None:
    population = pseudonyms(1500, seed=17)
    rng = np.random.default_rng(17)
    values = rng.lognormal(10, 0.7, size=len(population))
    ctx = context(population)
    big = UnitValues("lonn", population[:1490], values[:1490])
    tiny = UnitValues("lonn", population[1490:], values[1490:])  # 10 units: too few
    boxes = {
        label: (control_percentiles(v, ctx), control_min_max(v, ctx))
        for label, v in (("big", big), ("tiny", tiny))
    }
    spec = box_chart(boxes, "gruppe", "lonn", "en")
    drawn = {p["group"] for p in spec["data"]["values"]}
    assert drawn == {"big"}  # the 10 units' extremes are withheld: no box
    text = json.dumps(spec)
    raw = values[:1490]
    for number in (*np.quantile(raw, [0.25, 0.5, 0.75]), raw.min(), raw.max()):
        assert repr(float(number)) not in text


@pytest.mark.parametrize(
    ("statistic", "request_body", "field"),
    [
        ("boxplot", {"var": "lonn", "by": "kjonn"}, "by"),
        ("barchart", {"var": "lonn", "stat": "max", "over": "kjonn"}, "over"),
    ],
)
def test_a_chart_of_more_cells_than_its_limit_is_refused_on_its_field(
    workspace_factory: Any, statistic: str, request_body: dict[str, Any], field: str
) -> None:
    """A per-cell chart (a box, or a bar's min or max, per category) shows at most
    max_statistic_cells cells: past it, a 400 naming the field and the limit, in both
    languages; at the limit the chart is drawn."""
    tight = workspace_factory(ISSUE_STEPS, max_statistic_cells=1)
    with pytest.raises(RegcatError) as raised:
        tight.prepare(statistic, request_body).release(control_context(tight))
    error = raised.value
    assert (error.code, error.http_status) == ("invalid-request", 400)
    assert error.details == {"field": field, "limit": 1}
    assert "1" in error.nb and "1" in error.en and error.nb != error.en
    roomy = workspace_factory(ISSUE_STEPS, max_statistic_cells=2)
    assert roomy.prepare(statistic, request_body).release(control_context(roomy))
