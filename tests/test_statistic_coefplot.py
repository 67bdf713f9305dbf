"""coefplot: the chart is the controlled regression result's published coefficients and
interval ends, term by term (the constant left out, withheld terms not drawn); the model
is released by its own statistic, so its checks, noise and guard are the model's; bad
requests are 4xx naming the field."""

from __future__ import annotations

from catalogue.export.results.charts import svg
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS


def test_the_chart_is_the_published_coefficients(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    # logit of kreft without utdanning: its levels 0 and 9 hold one or two diagnoses, under
    # the 10 units off the modal outcome regression-outcome-support asks of every level
    for model, y, x in (
        ("regress", "lonn", ["alder", "i.kjonn", "i.utdanning"]),
        ("logit", "kreft", ["alder", "i.kjonn"]),
    ):
        body = {"y": y, "x": x, "model": model}
        answer = client.post(f"/api/v1/workspaces/{handle}/coefplot", json=body, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        (item,) = answer.get_json()["results"]
        result = item["result"]
        assert result["kind"] == "regression"
        published = {
            r["labels"][0]: {c: r["values"][c] for c in ("coefficient", "ci_lower", "ci_upper")}
            for r in result["rows"]
            if r["labels"][0] != "_cons"
            and None not in (r["values"]["coefficient"], r["values"]["ci_lower"])
        }
        spec = item["vega_lite"]
        points = {p.pop("term"): p for p in spec["data"]["values"]}
        assert points == published and points, model
        # The model's table is the model statistic's own release, number for number.
        alone = {k: v for k, v in body.items() if k != "model"}
        same = client.post(f"/api/v1/workspaces/{handle}/{model}", json=alone, headers=headers)
        assert same.get_json()["results"][0]["result"]["rows"] == result["rows"]
        drawn = svg(spec)
        assert drawn is not None and drawn.startswith("<svg")


def test_bad_requests_name_the_field(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    cases = [
        ({"y": "lonn", "x": ["alder"], "model": "cox"}, "model"),
        ({"y": "lonn", "x": ["nosuch"]}, "nosuch"),
        ({"y": "kommune", "x": ["alder"]}, "kommune"),
        ({"x": ["alder"]}, "y"),
    ]
    assert_fields_named(client, headers, handle, "coefplot", cases)
