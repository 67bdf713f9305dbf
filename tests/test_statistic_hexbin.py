"""hexbin as a statistic: every hex drawn is a published row of the controlled hex table
with a perturbed count of at least the hexbin minimum (10); the spec renders; bad requests
are 4xx naming the field."""

from __future__ import annotations

from catalogue.export.results.charts import svg
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS


def test_every_hex_is_a_published_row_of_ten_or_more(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    body = {"x": "alder", "y": "lonn", "gridsize": 10}
    answer = client.post(f"/api/v1/workspaces/{handle}/hexbin", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    (item,) = answer.get_json()["results"]
    rows = [{"hex": r["labels"][0], **r["values"]} for r in item["result"]["rows"]]
    spec = item["vega_lite"]
    assert spec["data"]["values"] == rows and rows
    assert all(r["count"] >= 10 for r in rows)
    drawn = svg(spec)
    assert drawn is not None and drawn.startswith("<svg")
    cases = [
        ({"x": "alder", "y": "alder"}, "y"),
        ({"x": "nosuch", "y": "lonn"}, "nosuch"),
        ({"x": "kommune", "y": "lonn"}, "kommune"),
        ({"x": "alder", "y": "lonn", "gridsize": 0}, "gridsize"),
    ]
    assert_fields_named(client, headers, handle, "hexbin", cases)
