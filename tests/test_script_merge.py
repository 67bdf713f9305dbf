"""merge … into … on (SCRIPT_LANGUAGE.md: values move down) as a script and as the step
`merge` of the JSON API: without `on` between datasets of one unit type, `on` a UNIT
variable (a person's mother) and `on` a code after collapse; a merge releases nothing by
itself; and bad input (unknown dataset, unit-type mismatch, a variable or key missing)
is a clear 4xx with its line and column, in bokmål and English."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.services import scripts, workspaces
from catalogue.services.context import Context
from tests import script_fixtures
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World, bearer

WORKSPACES = "/api/v1/workspaces"

SETUP = "require no.regcat.demo:1 as db\n"


ctx = script_fixtures.ctx


def _run(ctx: Context, body: str, owner: str = "forsker@uio") -> scripts.ScriptRun:
    return scripts.run_script(ctx, owner, SETUP + body)


def _ok(ctx: Context, body: str) -> scripts.ScriptRun:
    ran = _run(ctx, body)
    assert ran.error is None, ran.error and ran.error.as_dict("en")
    return ran


def _published(ran: scripts.ScriptRun, index: int = -1) -> list[Any]:
    """The released rows of one result (not its audit id, which names the release)."""
    response = [o["response"] for o in ran.output if o["kind"] == "result"][index]
    return [(r["about"], r["result"]["rows"]) for r in response["results"]]


def test_merge_without_on_gives_each_unit_its_own_values(ctx: Context) -> None:
    merged = _ok(
        ctx,
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "create-dataset inntekt\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "merge lonn into data\n"
        "use data\n"
        "summarize lonn\n",
    )
    direct = _ok(
        ctx,
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "summarize lonn\n",
    )
    assert _published(merged) == _published(direct)
    assert [o["kind"] for o in merged.output] == ["result"]  # the merge itself shows nothing


def test_merge_on_a_unit_variable_gives_each_child_its_mothers_values(ctx: Context) -> None:
    merged = _ok(
        ctx,
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "import db/BEFOLKNING_MOR as mor\n"
        "create-dataset mødre\n"
        "import db/INNTEKT_WLONN 2020-12-31 as morslonn\n"
        "merge morslonn into data on mor\n"
        "use data\n"
        "summarize morslonn\n",
    )
    via = _ok(
        ctx,
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "import db/BEFOLKNING_MOR as mor\n"
        "import db/INNTEKT_WLONN 2020-12-31 as morslonn\n"
        "summarize morslonn\n",
    )
    assert _published(merged) != _published(via)  # the mothers' wages, not the children's
    steps = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
             {"import": "BEFOLKNING_MOR", "as": "mor"},
             {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "morslonn", "via": "mor"}]  # fmt: skip
    handle = workspaces.create_workspace(ctx, "forsker@uio", None, None).handle
    try:
        workspaces.add_steps(ctx, "forsker@uio", handle, steps)
        api = workspaces.run_statistic(
            ctx, "forsker@uio", handle, "summarize", {"vars": ["morslonn"]}, "nb"
        ).to_json_dict()
    finally:
        workspaces.delete_workspace(ctx, "forsker@uio", handle)
    assert _published(merged)[0][1] == api["results"][0]["result"]["rows"]


def test_merge_on_a_code_after_collapse_gives_each_unit_its_groups_value(ctx: Context) -> None:
    merged = _ok(
        ctx,
        "import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "clone-dataset data kommuner\n"
        "use kommuner\n"
        "collapse (mean) lonn -> snitt, by(kommune)\n"
        "merge snitt into data on kommune\n"
        "use data\n"
        "summarize snitt\n",
    )
    aggregated = _ok(
        ctx,
        "import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "aggregate (mean) lonn -> snitt, by(kommune)\n"
        "summarize snitt\n",
    )
    assert _published(merged) == _published(aggregated)


# --- bad input, through the HTTP API, in both languages -------------------------------------

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

PERSONS = (
    "require no.regcat.demo:1 as db\n"
    "import db/BEFOLKNING_KJOENN as kjonn\n"
    "import db/BEFOLKNING_MOR as mor\n"
    "import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune\n"
    "create-dataset b\n"
    "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
)


@pytest.fixture
def client(released_world: World) -> Any:
    return released_world.app.test_client(), bearer(released_world.token("forsker@uio", "analysis"))


@pytest.mark.parametrize(
    ("last", "code", "column", "nb", "en"),
    [
        ("merge lonn into nosuch", "script-unknown-dataset", 1, "nosuch", "nosuch"),
        ("merge lonn into data on kjonn", "merge-unit-type-mismatch", 1, "enhetstype", "unit type"),
        ("merge lonn into data on kommune", "merge-unit-type-mismatch", 1, "GROUP:", "GROUP:"),
        ("merge lonn into data on nosuch", "unknown-variable", 1, "nosuch", "nosuch"),
        ("merge nosuch into data", "unknown-variable", 1, "nosuch", "nosuch"),
        ("merge lonn into b", "script-arguments", 1, "inn i seg selv", "into itself"),
        ("create-dataset c\nuse b\nmerge lonn into c", "script-empty-dataset", 1, "«c»", "'c'"),
    ],
)
def test_a_bad_merge_is_a_4xx_at_its_line_and_column_in_both_languages(
    client: Any, last: str, code: str, column: int, nb: str, en: str
) -> None:
    http, headers = client
    script = PERSONS + last + "\ntabulate kjonn\n"
    line = script.count("\n") - 1
    for lang, word, said in (("nb", "Linje", nb), ("en", "Line", en)):
        answered = http.post(
            f"/api/v1/scripts/run?lang={lang}", json={"script": script}, headers=headers
        )
        assert answered.status_code == 200, answered.get_json()
        body = answered.get_json()
        assert body["output"] == []  # stopped at the merge, before the table
        error = body["error"]
        assert error["code"] == code and 400 <= error["status"] < 500, error
        assert (error["details"]["line"], error["details"]["column"]) == (line, column)
        assert error["message"].startswith(f"{word} {line}") and said in error["message"]


def test_the_merge_step_through_the_json_api(client: Any) -> None:
    http, headers = client
    made = http.post(
        WORKSPACES, json={"datastore": "no.regcat.demo", "version": "1.0.0.0"}, headers=headers
    )
    handle = made.get_json()["workspace"]
    steps = f"{WORKSPACES}/{handle}/steps"
    assert (
        http.post(
            steps, json=[{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}], headers=headers
        ).status_code
        == 200
    )
    source = [{"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"}]
    answered = http.post(steps, json=[{"merge": "lonn", "source": source}], headers=headers)
    assert answered.status_code == 200, answered.get_json()
    described = http.get(f"{WORKSPACES}/{handle}", headers=headers).get_json()
    assert [v["name"] for v in described["variables"]] == ["kjonn", "lonn"]
    for bad, code in [
        ({"merge": "lonn"}, "invalid-step"),  # no source
        ({"merge": "x", "source": [{"import": "NOSUCH"}]}, "unknown-dataset"),
        ({"merge": "lonn", "source": source, "on": "kjonn"}, "merge-unit-type-mismatch"),
        (
            {"merge": "lonn", "source": [{"import": "BEFOLKNING_KJOENN", "as": "lonn"}]},
            "variable-exists",
        ),
    ]:
        refused = http.post(f"{steps}?lang=en", json=[bad], headers=headers)
        assert 400 <= refused.status_code < 500, refused.get_json()
        assert refused.get_json()["error"]["code"] == code, refused.get_json()
