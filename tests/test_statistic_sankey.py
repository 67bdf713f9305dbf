"""sankey: every flow is a published interior count of the controlled two-way table (the
withheld cells are no flow), each node's height the sum of its published flows; the spec
renders; bad requests are 4xx naming the field."""

from __future__ import annotations

import math

from catalogue.export.results.charts import svg
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS


def test_every_flow_is_a_published_count(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    body = {"from": "utdanning", "to": "kjonn"}
    answer = client.post(f"/api/v1/workspaces/{handle}/sankey", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    (item,) = answer.get_json()["results"]
    published = {
        tuple(r["labels"]): r["values"]["count"]
        for r in item["result"]["rows"]
        if None not in r["labels"] and r["values"]["count"]
    }
    spec = item["vega_lite"]
    bands, nodes = (layer["data"]["values"] for layer in spec["layer"])
    flows = {(b["from"], b["to"]): b["count"] for b in bands}
    assert flows == published and flows
    for b in bands:
        assert math.isclose(b["y2"] - b["y"], b["count"])
    for node in nodes:
        side = "from" if node["side"] == 0 else "to"
        own = sum(n for pair, n in published.items() if pair[node["side"]] == node["node"])
        assert math.isclose(node["y2"] - node["y"], own), (side, node)
    drawn = svg(spec)
    assert drawn is not None and drawn.startswith("<svg")
    cases = [
        ({"from": "kjonn", "to": "kjonn"}, "to"),
        ({"from": "nosuch", "to": "kjonn"}, "nosuch"),
        ({"from": "kjonn"}, "to"),
    ]
    assert_fields_named(client, headers, handle, "sankey", cases)
