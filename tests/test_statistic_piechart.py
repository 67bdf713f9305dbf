"""piechart: each slice is a published count of the controlled one-way table (withheld
counts and margins not drawn); the spec renders; bad requests are 4xx naming the field."""

from __future__ import annotations

import numpy as np

from catalogue.analysis.output_control import CountTable, control_frequency_table
from catalogue.analysis.statistics.piechart import pie_chart
from catalogue.export.results.charts import svg
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_output_control_helpers import context, pseudonyms


def test_each_slice_is_a_published_count(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    answer = client.post(
        f"/api/v1/workspaces/{handle}/piechart", json={"var": "utdanning"}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    (item,) = answer.get_json()["results"]
    published = {
        r["labels"][0]: r["values"]["count"]
        for r in item["result"]["rows"]
        if r["values"]["count"] and r["labels"][0] is not None  # the total is no slice
    }
    spec = item["vega_lite"]
    assert {s["utdanning"]: s["count"] for s in spec["data"]["values"]} == published
    drawn = svg(spec)
    assert drawn is not None and drawn.startswith("<svg")
    cases = [({"var": "nosuch"}, "nosuch"), ({}, "var")]
    assert_fields_named(client, headers, handle, "piechart", cases)


def test_a_small_category_is_no_slice_and_no_raw_count_shows() -> None:
    population = pseudonyms(1500, seed=23)
    rng = np.random.default_rng(23)
    kind = rng.choice(["a", "b", "c"], size=len(population))
    kind[:2] = "d"  # two units: under the threshold
    result = control_frequency_table(
        CountTable.from_labels(["kind"], [kind], population),
        context(population),
        include_margins=False,
    )
    spec = pie_chart(result)
    slices = {s["kind"]: s["count"] for s in spec["data"]["values"]}
    assert "d" not in slices and set(slices) == {"a", "b", "c"}
    published = {r.labels[0]: r.values[0] for r in result.rows}
    assert slices == {k: v for k, v in published.items() if k in slices}
