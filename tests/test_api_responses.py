"""The rules behind the API's published contract, one by one: the one error shape for every
error (werkzeug's and the argument parser's too), 405 with `Allow` for undeclared methods,
collections at their documented URL with or without a trailing slash (no redirect), every
status declared, and the server validating what the schema publishes: no stricter, no
looser (400 when a request does not fit it, 422 when it fits but cannot be carried out)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from schemas.api.errors import ErrorSchema
from tests import test_accounts_support as support
from tests.test_accounts_support import World, bearer
from tests.test_analysis_support import ISSUE_STEPS

released_people_home = support.released_people_home
released_world = support.released_world

DS = "no.regcat.demo"


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The body of an error answer, checked against the one published error schema."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert ErrorSchema().validate(body) == {}
    assert set(body) == {"error"} and set(body["error"]) == {"code", "status", "message", "details"}
    assert body["error"]["status"] == status and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


@pytest.fixture
def client(released_world: World) -> FlaskClient:
    return released_world.app.test_client()


@pytest.fixture
def researcher(released_world: World) -> dict[str, str]:
    return bearer(released_world.token("forsker@uio", "analysis", "search"))


# --- methods and URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/api/v1/datastores", {"GET"}),
        ("DELETE", "/api/v1/variables", {"GET"}),
        ("PATCH", "/api/v1/workspaces", {"GET", "POST"}),
        ("PUT", "/api/v1/me", {"GET"}),
        ("GET", "/api/v1/me/agreement", {"POST"}),
    ],
)
def test_an_undeclared_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method)
    error = error_of(response, 405)
    assert error["code"] == "http-405"
    advertised = {m.strip() for m in response.headers["Allow"].split(",")}
    assert advertised - {"HEAD", "OPTIONS"} == allowed


def test_post_to_the_documented_workspaces_url_creates_one(
    client: FlaskClient, researcher: dict[str, str]
) -> None:
    # Issue 12, defect 3: POST /api/v1/workspaces answered 308 (the route wanted a slash).
    for url in ("/api/v1/workspaces", "/api/v1/workspaces/"):
        created = client.post(url, json={}, headers=researcher)
        assert created.status_code == 201, (url, created.status_code)
    # No body at all is a request for the defaults, as the description says.
    assert client.post("/api/v1/workspaces", headers=researcher).status_code == 201


def test_every_collection_answers_with_and_without_a_trailing_slash(
    client: FlaskClient, researcher: dict[str, str]
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    collections = [p for p, ops in spec["paths"].items() if "{" not in p and "get" in ops]
    assert "/api/v1/workspaces" in collections and "/api/v1/datastores" in collections
    for path in collections:
        assert not path.endswith("/"), path  # documented as the README spells them
        plain = client.get(path, headers=researcher)
        slashed = client.get(path + "/", headers=researcher)
        assert plain.status_code == slashed.status_code, path
        assert plain.status_code < 300 or plain.status_code in (401, 403), path


# --- the one error shape ----------------------------------------------------------------------


def test_every_kind_of_error_has_the_one_shape(
    client: FlaskClient, researcher: dict[str, str]
) -> None:
    assert error_of(client.get("/api/v1/nothing-here"), 404)["code"] == "http-404"
    malformed = client.post(
        "/api/v1/workspaces", data="{not json", content_type="application/json", headers=researcher
    )
    assert error_of(malformed, 400)["code"] in ("http-400", "invalid-parameters")
    unfit = client.post("/api/v1/workspaces", json={"colour": "blue"}, headers=researcher)
    assert "colour" in error_of(unfit, 400)["details"]["fields"]
    huge = client.post(
        "/api/v1/workspaces",
        data=json.dumps({"datastore": "x" * (2 * 1024 * 1024)}),
        content_type="application/json",
        headers=researcher,
    )
    assert error_of(huge, 413)["code"] == "http-413"
    long_url = "/api/v1/variables?" + "&".join(f"register=r{i}" for i in range(2000))
    assert error_of(client.get(long_url), 414)["code"] == "uri-too-long"
    assert error_of(client.get("/api/v1/me"), 401)["code"] == "sign-in-required"
    bad_scheme = client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"})
    assert error_of(bad_scheme, 401)["code"] == "invalid-token"


def test_the_description_declares_every_error_with_the_one_schema(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    shared = spec["components"]["responses"]
    error_ref = {"$ref": "#/components/schemas/Error"}
    seen = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                response = (
                    shared[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                )
                assert response["content"]["application/json"]["schema"] == error_ref
                seen += 1
            if operation.get("security"):  # needs credentials: says what it answers without
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
    assert seen > 100
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"error"}


# --- the schema is what the server validates --------------------------------------------------


def test_json_bodies_are_as_strict_as_the_schema_says(
    released_world: World, client: FlaskClient, researcher: dict[str, str]
) -> None:
    steward = bearer(released_world.token("forvalter-fr", "steward"))
    for path, body, headers, field in (
        ("/api/v1/export-requests/1/decisions", {"approve": "true"}, steward, "approve"),
        ("/api/v1/export-requests/1/decisions", {"approve": 1}, steward, "approve"),
        ("/api/v1/workspaces/x/histogram", {"var": "v", "bins": "5"}, researcher, "bins"),
        ("/api/v1/workspaces/x/histogram", {"var": "v", "bins": True}, researcher, "bins"),
        (
            "/api/v1/workspaces/x/summarize",
            {"vars": ["v"], "percentiles": [0]},
            researcher,
            "percentiles",
        ),
        ("/api/v1/workspaces/x/summarize", {"vars": ["v"], "minmax": "no"}, researcher, "minmax"),
        ("/api/v1/workspaces", {"version": "1.0.0.0\n"}, researcher, "version"),
    ):
        error = error_of(client.post(path, json=body, headers=headers), 400)
        assert error["code"] == "invalid-parameters" and field in error["details"]["fields"]


def test_published_formats_are_the_domains(released_world: World, client: FlaskClient) -> None:
    admin = bearer(released_world.token("plattform", "admin"))
    unfit = client.post("/api/v1/users", json={"username": "Kari Nordmann"}, headers=admin)
    assert "username" in error_of(unfit, 400)["details"]["fields"]
    spec = client.get("/api/v1/openapi.json").get_json()
    enrol = spec["components"]["schemas"]["EnrolArgs"]["properties"]["username"]
    assert enrol["pattern"] == "^[a-z0-9][a-z0-9._@-]{1,199}$"
    summarize = spec["components"]["schemas"]["AnalysisSummarize"]["properties"]["percentiles"]
    assert summarize["items"]["exclusiveMinimum"] is True


def test_the_table_size_limit_is_the_stewards_budget(
    released_world: World, client: FlaskClient, researcher: dict[str, str]
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    dimensions = spec["components"]["schemas"]["AnalysisTabulate"]["properties"]["vars"]
    assert dimensions["minItems"] == 1 and "maxItems" not in dimensions
    created = client.post("/api/v1/workspaces", json={}, headers=researcher).get_json()
    steps = [
        *ISSUE_STEPS,
        {"generate": "ung", "expr": "alder < 40"},
        {"generate": "hoy", "expr": "lonn > 500000"},
    ]
    url = f"/api/v1/workspaces/{created['workspace']}"
    assert client.post(f"{url}/steps", json=steps, headers=researcher).status_code == 200
    five = {"vars": ["kjonn", "utdanning", "kreft", "ung", "hoy"]}
    # Within the schema, beyond the default budget of 4: the engine refuses the content.
    refused = error_of(client.post(f"{url}/tabulate", json=five, headers=researcher), 422)
    assert refused["details"]["field"] == "vars"
    # A steward who allows five gets five: no second, hand-written limit in the way.
    folder = released_world.ctx.config.output_control_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{DS}.json").write_text(
        json.dumps(
            {
                "format": "regcat-output-control-parameters/1",
                "rules": {"budget": {"max_variables": 5}},
            }
        ),
        encoding="utf-8",
    )
    again = client.post("/api/v1/workspaces", json={}, headers=researcher).get_json()
    url = f"/api/v1/workspaces/{again['workspace']}"
    assert client.post(f"{url}/steps", json=steps, headers=researcher).status_code == 200
    table = client.post(f"{url}/tabulate", json=five, headers=researcher)
    assert table.status_code == 200, table.get_json()
    assert table.get_json()["results"][0]["result"]["dimensions"] == five["vars"]
