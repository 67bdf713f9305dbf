"""A statistic is one module (catalogue/analysis/statistic.py): the registry is exactly the
modules of catalogue/analysis/statistics/, and from it alone follow the API's route, its
operation in the description (the documentation of every statistic: summary in English,
bokmål line, the kinds of result it releases, a request schema with exactly its fields),
the access rule and the behaviour detector's list. The last test adds a statistic the way
a developer would, as one new module, and finds it served, described and released under
output control with nothing else edited."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from flask import Flask

import catalogue.analysis.statistics as package
from catalogue.analysis.statistic import registry
from catalogue.analysis.statistic_reference import render
from catalogue.domain.accounts import Access
from catalogue.services import behaviour
from catalogue.services.context import Context
from catalogue.web import create_app
from catalogue.web.access import ROUTE_RULES
from tests.conftest import REPO
from tests.test_accounts_support import World, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS

WORKSPACE = "/api/v1/workspaces/{handle}"
RESPONSE = "#/components/schemas/AnalysisStatisticResponse"


def _operation(spec: dict[str, Any], name: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][f"{WORKSPACE}/{name}"]["post"]
    return operation


def _request_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _answers_a_statistic(operation: dict[str, Any]) -> bool:
    answer = operation.get("responses", {}).get("200", {}).get("content", {})
    return bool(answer.get("application/json", {}).get("schema", {}).get("$ref") == RESPONSE)


def test_the_registry_is_the_packages_modules() -> None:
    modules = {m.name for m in pkgutil.iter_modules(package.__path__) if not m.ispkg}
    assert set(registry()) == modules
    for name, statistic in registry().items():
        assert statistic.name == name
        nb, en = statistic.description
        assert nb and en and nb != en and "\n" not in nb + en, name
        assert statistic.releases and statistic.fields and statistic.request, name
        assert len({f.name for f in statistic.fields}) == len(statistic.fields), name
        for field in statistic.fields:  # a described field is described in both languages
            assert field.description is None or all(field.description), (name, field.name)


def test_the_statistic_reference_is_written_from_the_registry() -> None:
    written = (REPO / "docs" / "STATISTICS.md").read_text(encoding="utf-8")
    assert written == render(), "docs/STATISTICS.md is out of date: run `make statistic-reference`"
    for name, statistic in registry().items():
        assert f"## `{name}`\n\n{statistic.description.nb}\n\n{statistic.description.en}" in written


def test_every_example_is_answered_with_the_kinds_its_statistic_releases(
    released_world: World,
) -> None:
    """Each statistic's example, asked through the API of a workspace made by the issue's
    script, is answered (its schema loads it and the engine reads it) with results of the
    kinds the statistic declares, and no other."""
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    seen: dict[str, set[str]] = {}
    for name, statistic in registry().items():
        answer = client.post(
            f"/api/v1/workspaces/{handle}/{name}", json=dict(statistic.example), headers=headers
        )
        assert answer.status_code == 200, (name, answer.get_json())
        kinds = {item["result"]["kind"] for item in answer.get_json()["results"]}
        assert kinds and kinds <= set(statistic.releases), name
        seen[name] = kinds
    assert seen["regress"] == seen["logit"] == seen["poisson"] == {"regression"}


def test_every_statistic_is_described_with_its_own_request(sqlite_ctx: Context) -> None:
    app = create_app(sqlite_ctx.config, {"TESTING": True})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    answering_statistics = {
        path.rsplit("/", 1)[1]
        for path, item in spec["paths"].items()
        if _answers_a_statistic(item.get("post", {}))
    }
    assert answering_statistics == set(registry())
    for name, statistic in registry().items():
        operation = _operation(spec, name)
        assert operation["summary"] == statistic.description.en
        assert statistic.description.nb in operation["description"]
        assert all(kind in operation["description"] for kind in statistic.releases)
        schema = _request_schema(spec, operation)
        assert set(schema["properties"]) == {f.name for f in statistic.fields}, name
        assert set(schema.get("required", [])) == {f.name for f in statistic.fields if f.required}
        assert schema["additionalProperties"] is False
        for field in statistic.fields:
            published = schema["properties"][field.name]
            value = published["items"] if field.many else published
            assert published["type"] == ("array" if field.many else value["type"])
            assert value.get("enum", list(field.choices)) == list(field.choices)
            said = field.description
            assert published.get("description") == (said.en if said else None)


def test_every_statistic_has_its_route_and_access_rule(sqlite_ctx: Context) -> None:
    app: Flask = create_app(sqlite_ctx.config, {"TESTING": True})
    adapter = app.url_map.bind("localhost")
    for name in registry():
        endpoint, _ = adapter.match(f"/api/v1/workspaces/h/{name}", method="POST")
        assert endpoint == f"workspaces.{name}"
        assert ROUTE_RULES[endpoint] is Access.RESEARCHER
    assert set(registry()) == behaviour.STATISTICS


# A statistic as a developer adds one: a module of its own, here a one-way count that
# reuses the bar chart's reading (its release goes through output control like any other).
TALLY = '''
"""tally: a throwaway statistic, to show that one module is all a statistic takes."""

from catalogue.analysis.statistic import Field, Statistic, Takes
from catalogue.analysis.statistics.barchart import prepare_bar_chart
from catalogue.domain.text import Text

STATISTIC = Statistic(
    name="tally",
    description=Text("Opptelling etter én variabel.", "Counts by one variable."),
    fields=(Field("var", Takes.VARIABLE, required=True, description=Text("Hva som telles etter.", "What to count by.")),),
    releases=("frequency-table",),
    prepare=prepare_bar_chart,
    request="Tally",
    example={"var": "kjonn"},
)
'''

# Run in a fresh interpreter: the throwaway folder joins the package's path before the
# registry is first read, as a module in the folder itself would be.
CLIENT = """
import json, sys
import catalogue.analysis.statistics as package
package.__path__.append(sys.argv[1])
from catalogue.analysis.statistic_reference import render
from catalogue.config import load_config
from catalogue.web import create_app

client = create_app(load_config(), {"TESTING": True}).test_client()
headers = {"Authorization": "Bearer " + sys.argv[2]}
spec = client.get("/api/v1/openapi.json").get_json()
handle = client.post("/api/v1/workspaces", json={}, headers=headers).get_json()["workspace"]
steps = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}]
assert client.post(f"/api/v1/workspaces/{handle}/steps", json=steps, headers=headers).status_code == 200
tally = client.post(f"/api/v1/workspaces/{handle}/tally", json={"var": "kjonn"}, headers=headers)
refused = client.post(f"/api/v1/workspaces/{handle}/tally", json={"bins": 3}, headers=headers)
print(json.dumps({
    "operation": spec["paths"].get("/api/v1/workspaces/{handle}/tally"),
    "schema": spec["components"]["schemas"].get("AnalysisTally"),
    "status": tally.status_code,
    "answer": tally.get_json(),
    "refused": [refused.status_code, refused.get_json()["error"]["code"]],
    "reference": render(),
}))
"""


def test_a_new_statistic_is_one_module(released_world: World, tmp_path: Path) -> None:
    folder = tmp_path / "more_statistics"
    folder.mkdir()
    (folder / "tally.py").write_text(textwrap.dedent(TALLY), encoding="utf-8")
    token = released_world.token("forsker@uio", "analysis")
    config = released_world.ctx.config
    env = {
        **os.environ,
        "REGCAT_HOME": str(config.home),
        "REGCAT_DATABASE_URL": released_world.ctx.db.url,
        "REGCAT_USER": "test-steward",
        "REGCAT_BASE_URL": "http://127.0.0.1:8000",
    }
    run = subprocess.run(
        [sys.executable, "-c", CLIENT, str(folder), token],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["operation"]["post"]["summary"] == "Counts by one variable."
    assert found["schema"]["required"] == ["var"]
    assert set(found["schema"]["properties"]) == {"var"}
    assert found["status"] == 200, found["answer"]
    (item,) = found["answer"]["results"]
    assert found["answer"]["statistic"] == "tally"
    assert item["result"]["kind"] == "frequency-table" and item["result"]["audit_id"]
    assert found["refused"] == [400, "invalid-parameters"]  # its schema, from its fields
    assert (
        "## `tally`\n\nOpptelling etter én variabel.\n\nCounts by one variable."
        in found["reference"]
    )
