"""A step verb is one module: the registry is exactly the modules of the `steps` package,
and the OpenAPI description and the step reference (docs/STEPS.md) are written from it, so
that a verb module dropped into the package is a verb of the API, of its description and of
the reference with no other edit (shown in a fresh interpreter with a throwaway verb,
tests/step_plugins/constant.py)."""

from __future__ import annotations

import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import catalogue.analysis.steps as package
import catalogue.analysis.steps.shared as machinery
from catalogue.analysis.step import Verb, parse_step, registry, verb_modules
from catalogue.analysis.step_reference import render
from catalogue.services.context import Context
from catalogue.web import create_app
from tests.conftest import REPO, make_config
from tests.test_accounts_support import released_people_home

__all__ = ["released_people_home"]  # a fixture

PLUGINS = Path(__file__).parent / "step_plugins"


def _component(verb: str) -> str:
    return "AnalysisStep" + "".join(part.capitalize() for part in verb.split("_"))


def _published(schemas: dict[str, Any], verbs: dict[str, Verb]) -> None:
    """The description publishes a step as exactly one of the verbs' forms, each with the
    keys its module declares, the ones it needs required, and what it does."""
    refs = [entry["$ref"] for entry in schemas["AnalysisStep"]["oneOf"]]
    assert refs == [f"#/components/schemas/{_component(name)}" for name in verbs]
    for name, verb in verbs.items():
        form = schemas[_component(name)]
        assert set(form["properties"]) == {name, *verb.keys}
        assert set(form["required"]) == {name, *(f.name for f in verb.fields if f.required)}
        assert form["additionalProperties"] is False
        assert form["description"] == verb.en


def test_the_registry_is_the_modules_of_the_steps_package() -> None:
    # Every module is a verb's; the one subpackage (shared/) is the verbs' machinery.
    found = list(pkgutil.iter_modules(package.__path__))
    modules = {f"{package.__name__}.{m.name}" for m in found if not m.ispkg}
    assert set(verb_modules().values()) == modules
    assert [f"{package.__name__}.{m.name}" for m in found if m.ispkg] == [machinery.__name__]
    assert list(verb_modules()) == list(registry()) == sorted(registry())


def test_the_description_publishes_every_verb_of_the_registry(tmp_path: Path) -> None:
    with Context.open(make_config(tmp_path / "home")) as ctx:
        app = create_app(ctx.config, {"TESTING": True})
        doc = app.test_client().get("/api/v1/openapi.json").get_json()
    _published(doc["components"]["schemas"], dict(registry()))
    body = doc["paths"]["/api/v1/workspaces/{handle}/steps"]["post"]["requestBody"]
    item = body["content"]["application/json"]["schema"]["items"]
    assert item == {"$ref": "#/components/schemas/AnalysisStep"}


def test_the_reference_is_written_from_the_registry() -> None:
    written = (REPO / "docs" / "STEPS.md").read_text(encoding="utf-8")
    assert written == render(), "docs/STEPS.md is out of date: run `make step-reference`"
    for name, verb in registry().items():
        assert f"## `{name}`" in written and verb.nb in written and verb.en in written


@pytest.mark.parametrize("name", list(registry()))
def test_every_example_is_read_and_written_back_as_it_reads(name: str) -> None:
    verb = registry()[name]
    step = parse_step(verb.example)
    canonical = step.to_json()
    assert next(iter(canonical)) == name
    assert parse_step(canonical).to_json() == canonical == parse_step(canonical).to_json()
    assert parse_step(canonical) == step


# What the fresh interpreter does: the throwaway verb's folder joins the package before
# anything reads the registry; then the app is built and used as a researcher would.
_WITH_A_NEW_VERB = """
import json, sys
from pathlib import Path

import catalogue.analysis.steps as package
package.__path__.append(sys.argv[1])

from catalogue.analysis.step import registry
from catalogue.analysis.step_reference import render
from catalogue.services.context import Context
from catalogue.web import create_app
from tests.conftest import make_config
from tests.test_accounts_support import World, bearer

with Context.open(make_config(Path(sys.argv[2]))) as ctx:
    world = World(ctx, create_app(ctx.config, {"TESTING": True}))
    client = world.app.test_client()
    headers = bearer(world.token("forsker@uio", "analysis"))
    doc = client.get("/api/v1/openapi.json").get_json()
    handle = client.post("/api/v1/workspaces", json={}, headers=headers).get_json()["workspace"]
    steps = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}, {"constant": "en", "value": "1"}]
    applied = client.post(f"/api/v1/workspaces/{handle}/steps", json=steps, headers=headers)
    refused = client.post(
        f"/api/v1/workspaces/{handle}/steps", json=[{"constant": "to"}], headers=headers
    )
    print(json.dumps({
        "verbs": list(registry()),
        "schemas": doc["components"]["schemas"],
        "reference": render(),
        "applied": [applied.status_code, applied.get_json()],
        "refused": [refused.status_code, refused.get_json()],
    }))
"""


@pytest.mark.slow
def test_a_verb_module_added_to_the_package_is_a_verb_with_no_other_edit(
    released_people_home: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(released_people_home, home)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ran = subprocess.run(
        [sys.executable, "-c", _WITH_A_NEW_VERB, str(PLUGINS), str(home)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])

    from tests.step_plugins.constant import VERBS  # the same module, read here as a file

    assert seen["verbs"] == sorted([*registry(), "constant"])
    known = {**registry(), "constant": VERBS[0]}
    _published(seen["schemas"], {name: known[name] for name in seen["verbs"]})
    assert "## `constant`" in seen["reference"] and VERBS[0].nb in seen["reference"]

    status, body = seen["applied"]
    assert status == 200, body
    assert body["steps"][-1] == {"constant": "en", "value": "1"}
    assert "en" in {variable["name"] for variable in body["variables"]}
    # The new verb's keys are checked like any other's: its required value is missing.
    status, body = seen["refused"]
    assert status == 422 and body["error"]["details"]["step"] == 1, body
    # And here, without the folder, the registry is the package's modules only.
    assert "constant" not in registry()
