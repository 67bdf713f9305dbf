"""The analysis API end to end, as a researcher with an API token: the issue's script, the
statistics, isolation between owners, bad input (each a 4xx in the standard shape with
nothing half-applied), workspace limits, and that no unit identifier ever leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq
import pytest

from catalogue.analysis.limits import WorkspaceLimits
from catalogue.analysis.output_control.rounding import nearest_ten
from catalogue.analysis.step import MAX_DATES
from catalogue.services import workspaces
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World
from tests.test_analysis_support import ISSUE_STEPS

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

API = "/api/v1/workspaces"
TOO_MANY_DATES = [f"{year}-12-31" for year in range(1980, 1980 + MAX_DATES + 1)]


class Researcher(accounts_support.ApiResearcher):
    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"{API}{path}", json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(f"{API}{path}", headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{API}{path}", headers=self.headers)

    def workspace(self, steps: list[dict[str, Any]] | None = None) -> str:
        created = self.post("/", {})
        assert created.status_code == 201, created.get_json()
        handle: str = created.get_json()["workspace"]
        if steps:
            applied = self.post(f"/{handle}/steps", steps)
            assert applied.status_code == 200, applied.get_json()
        return handle


alice = accounts_support.researcher_fixture(Researcher, "forsker@uio")
bob = accounts_support.researcher_fixture(Researcher, "forsker@ntnu")


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "status", "message", "details"}
    assert error["code"] == code and error["status"] == status and error["message"]
    return error


def _pseudonyms(world: World) -> set[int]:
    """Every pseudonym in the released datastore: ids of units and unit-typed values."""
    found: set[int] = set()
    pinned = workspaces.pinned_version(world.ctx, None, None)
    for dataset in pinned.datasets.values():
        table = pq.read_table(list(dataset.paths), partitioning=None)
        for column in ("unit_id", "value"):
            if str(table.schema.field(column).type) == "int64" and (
                column == "unit_id" or dataset.measure_unit_type
            ):
                found.update(table.column(column).to_pylist())
    return found


def _numbers(value: Any) -> list[int | float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, str):
        return [int(value)] if value.lstrip("-").isdigit() and len(value) > 6 else []
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(k) + _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_the_issues_script_end_to_end(released_world: World, alice: Researcher) -> None:
    created = alice.post("/", {"datastore": "no.regcat.demo", "version": "1.0.0.0"})
    assert created.status_code == 201
    handle = created.get_json()["workspace"]
    assert created.get_json()["version"] == "1.0.0.0"
    applied = alice.post(f"/{handle}/steps", ISSUE_STEPS)
    assert applied.status_code == 200, applied.get_json()
    described = alice.get(f"/{handle}").get_json()
    assert described["unit_type"] == "PERSON"
    assert [(v["name"], v["type"]) for v in described["variables"]] == [
        ("kommune", "string"),
        ("kjonn", "string"),
        ("fodselsdato", "date"),
        ("lonn", "number"),
        ("utdanning", "number"),
        ("diagnose", "date"),
        ("kreft", "bool"),
        ("alder", "number"),
    ]
    assert described["steps"][5]["per_unit"] == "min"
    responses = {
        "tabulate": alice.post(
            f"/{handle}/tabulate",
            {"vars": ["kommune", "utdanning"], "summarize": "lonn", "stats": ["mean", "median"]},
        ),
        "counts": alice.post(
            f"/{handle}/tabulate", {"vars": ["kjonn", "utdanning"], "percent": "row"}
        ),
        "summarize": alice.post(f"/{handle}/summarize", {"vars": ["lonn", "alder"]}),
        "regress": alice.post(
            f"/{handle}/regress",
            {"y": "lonn", "x": ["kjonn", "alder", "i.utdanning"], "robust": True},
        ),
        "logit": alice.post(f"/{handle}/logit", {"y": "kreft", "x": ["alder", "kjonn"]}),
        "histogram": alice.post(f"/{handle}/histogram", {"var": "lonn", "bins": 20}),
        "correlate": alice.post(f"/{handle}/correlate", {"vars": ["lonn", "alder"]}),
        "barchart": alice.post(f"/{handle}/barchart", {"var": "utdanning"}),
    }
    for name, response in responses.items():
        assert response.status_code == 200, (name, response.get_json())
        body = response.get_json()
        assert body["workspace"] == handle and body["audit_id"]
        for item in body["results"]:
            result = item["result"]
            assert result["audit_id"] and result["datastore_version"] == "no.regcat.demo:1.0.0.0"
            assert result["population"] % 10 == 0
    table = responses["tabulate"].get_json()["results"]
    assert table[0]["about"] == {"statistic": "mean", "of": "lonn"}
    assert {item["about"]["statistic"] for item in table[1:]} == {"median"}
    counts = responses["counts"].get_json()["results"][0]
    assert counts["about"]["percent"] == "row"
    assert counts["category_labels"]["kjonn"]  # codes come with their titles
    assert counts["result"]["summary"]["left_out"]["value"] is not None
    model = responses["regress"].get_json()["results"][0]["result"]
    assert [row["labels"][0] for row in model["rows"]][:2] == ["kjonn", "alder"]
    assert model["population"] == nearest_ten(model["summary"]["n"]["value"])
    assert {"r2", "r2_adjusted", "f", "f_p"} <= set(model["summary"])
    assert {"log_likelihood", "pseudo_r2", "lr_chi2", "lr_p"} <= set(
        responses["logit"].get_json()["results"][0]["result"]["summary"]
    )
    (correlation,) = responses["correlate"].get_json()["results"]
    assert correlation["result"]["kind"] == "correlation"
    assert all("_cons" not in row["labels"] for row in correlation["result"]["rows"])
    chart = responses["histogram"].get_json()["results"][0]
    assert chart["vega_lite"]["mark"] == "bar"
    assert (
        chart["vega_lite"]["data"]["values"][0]["count"]
        == chart["result"]["rows"][0]["values"]["count"]
    )
    # Nothing that leaves names a unit: no pseudonym anywhere, no unit_id key.
    pseudonyms = _pseudonyms(released_world)
    for response in [created, applied, alice.get(f"/{handle}"), *responses.values()]:
        text = response.get_data(as_text=True)
        assert "unit_id" not in text and "protect_unit" not in text
        assert not pseudonyms & {
            int(n) for n in _numbers(response.get_json()) if float(n).is_integer()
        }


def test_a_workspace_defaults_to_the_latest_release(alice: Researcher) -> None:
    body = alice.post("/", {}).get_json()
    assert (body["datastore"], body["version"]) == ("no.regcat.demo", "1.0.0.0")


def test_workspaces_are_isolated_between_owners(alice: Researcher, bob: Researcher) -> None:
    handle = alice.workspace(ISSUE_STEPS[:2])
    for response in (
        bob.get(f"/{handle}"),
        bob.post(f"/{handle}/steps", [{"import": "BEFOLKNING_FOEDSELSDATO"}]),
        bob.post(f"/{handle}/tabulate", {"vars": ["kjonn"]}),
        bob.delete(f"/{handle}"),
        alice.get("/not-a-handle"),
    ):
        _error(response, 404, "unknown-workspace")
    assert [w["workspace"] for w in alice.get("/").get_json()] == [handle]
    assert bob.get("/").get_json() == []
    assert len(alice.get(f"/{handle}").get_json()["steps"]) == 2  # bob changed nothing
    assert alice.delete(f"/{handle}").status_code == 204
    _error(alice.get(f"/{handle}"), 404, "unknown-workspace")


def test_a_failing_step_list_changes_nothing(alice: Researcher) -> None:
    handle = alice.workspace(ISSUE_STEPS[:3])
    before = alice.get(f"/{handle}").get_json()
    response = alice.post(
        f"/{handle}/steps",
        [
            {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
            {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
            {"generate": "feil", "expr": "kjonn * 2"},
        ],
    )
    error = _error(response, 422, "expression-type")
    assert error["details"]["step"] == 3
    assert alice.get(f"/{handle}").get_json() == before


@pytest.mark.parametrize(
    ("steps", "status", "code"),
    [
        ([{"import": "BEFOLKNING_KJONN"}], 422, "unknown-dataset"),
        ([{"import": "INNTEKT_WLONN", "date": "2030-12-31"}], 422, "date-outside-coverage"),
        ([{"import": "NUDB_BU", "date": "2020-01-01"}], 422, "not-a-status-date"),
        ([{"generate": "x", "expr": "kjonn + 1"}], 422, "expression-type"),
        ([{"generate": "x", "expr": "nosuch + 1"}], 422, "expression-unknown-variable"),
        ([{"keep_if": "alder > 18"}], 422, "expression-unknown-variable"),
        ([{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}], 422, "variable-exists"),
        ([{"frobnicate": "x"}], 422, "invalid-step"),
        ([], 422, "invalid-steps"),
        # More dates than the engine takes: the schema publishes its limit (maxItems).
        (
            [{"import": "INNTEKT_WLONN", "dates": TOO_MANY_DATES, "as": "lonn"}],
            400,
            "invalid-parameters",
        ),
    ],
)
def test_bad_steps_are_clear_4xx_errors(
    alice: Researcher, steps: list[dict[str, Any]], status: int, code: str
) -> None:
    handle = alice.workspace(ISSUE_STEPS[:2])
    before = alice.get(f"/{handle}").get_json()
    _error(alice.post(f"/{handle}/steps", steps), status, code)
    assert alice.get(f"/{handle}").get_json() == before


def test_bad_versions_are_clear_errors(alice: Researcher) -> None:
    _error(alice.post("/", {"version": "9.9.9.9"}), 404, "unknown-version")
    # Parts beyond what the database can bind (found by schemathesis: was HTTP 500).
    _error(alice.post("/", {"version": f"{2**84}.70206.1251.0956"}), 404, "unknown-version")
    _error(alice.post("/", {"version": f"1.{2**31}.0.0"}), 404, "unknown-version")
    _error(alice.post("/", {"version": "latest"}), 400, "invalid-parameters")
    _error(alice.post("/", {"datastore": "no.nowhere.x"}), 404, "unknown-datastore")
    _error(alice.post("/", {"colour": "blue"}), 400, "invalid-parameters")


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("tabulate", {"vars": ["nosuch"]}, 422, "unknown-variable"),
        # 600 values, each held by about 20 persons: more than 500 common values
        ("tabulate", {"vars": ["dag"]}, 422, "too-many-categories"),
        ("tabulate", {"vars": []}, 400, "invalid-parameters"),
        ("summarize", {"vars": ["kommune"]}, 422, "statistic-needs-number"),
        ("histogram", {"var": "lonn", "bins": 1000}, 400, "invalid-parameters"),
    ],
)
def test_bad_statistics_are_clear_4xx_errors(
    alice: Researcher, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    handle = alice.workspace(
        [
            *ISSUE_STEPS,
            {"generate": "alder2", "expr": "alder * 2"},
            {"generate": "en", "expr": "1"},
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            {"generate": "dag", "expr": "d - int(d / 600) * 600"},
        ]
    )
    _error(alice.post(f"/{handle}/{path}", body), status, code)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("regress", {"y": "lonn", "x": ["alder", "alder2"]}),  # collinear
        ("regress", {"y": "lonn", "x": ["en"]}),  # constant
        ("logit", {"y": "lonn", "x": ["alder"]}),  # not a 0/1 outcome
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_not_refused(
    alice: Researcher, path: str, body: dict[str, Any]
) -> None:
    """Whether a model can be estimated may hang on one unit's value: such a model gets the
    answer every failing model gets (withheld, one reason, no terms), never a refusal."""
    handle = alice.workspace(
        [
            *ISSUE_STEPS,
            {"generate": "alder2", "expr": "alder * 2"},
            {"generate": "en", "expr": "1"},
        ]
    )
    response = alice.post(f"/{handle}/{path}", body)
    assert response.status_code == 200, response.get_json()
    (item,) = response.get_json()["results"]
    assert item["about"]["x"] == [*body["x"], "_cons"]  # the terms as asked, no levels
    rows = item["result"]["rows"]
    test = "t" if path == "regress" else "z"
    columns = ("coefficient", "std_error", test, "p_value", "ci_lower", "ci_upper")
    assert rows == [
        {
            "labels": ["model"],
            "values": dict.fromkeys(columns),
            "reasons": ["regression-withheld"],
        }
    ]
    assert item["result"]["summary"] == {}  # no N, no fit statistics


def test_statistics_on_a_population_below_1000_are_refused(alice: Researcher) -> None:
    """Conformance case 15 through the API."""
    handle = alice.workspace(
        [
            *ISSUE_STEPS[:3],
            {"generate": "fodt", "expr": "year(fodselsdato)"},
            {"keep_if": "fodt <= 1935"},
        ]
    )
    for path, body in [
        ("tabulate", {"vars": ["kjonn"]}),
        ("summarize", {"vars": ["fodt"]}),
        ("histogram", {"var": "fodt"}),
    ]:
        error = _error(alice.post(f"/{handle}/{path}", body), 422, "min-population")
        assert "1000" in error["message"]


def test_the_same_question_gets_the_same_answer(alice: Researcher) -> None:
    handle = alice.workspace(ISSUE_STEPS)
    first = alice.post(f"/{handle}/tabulate", {"vars": ["kjonn", "utdanning"]}).get_json()
    second = alice.post(f"/{handle}/tabulate", {"vars": ["kjonn", "utdanning"]}).get_json()
    other = alice.workspace(ISSUE_STEPS)  # another workspace, rebuilt from the same script
    third = alice.post(f"/{other}/tabulate", {"vars": ["kjonn", "utdanning"]}).get_json()

    def without_ids(body: dict[str, Any]) -> list[Any]:
        return [{**item["result"], "audit_id": None} for item in body["results"]]

    assert without_ids(first) == without_ids(second) == without_ids(third)
    assert first["results"][0]["result"]["audit_id"] != second["results"][0]["result"]["audit_id"]


def test_workspaces_past_their_limits(released_world: World, alice: Researcher) -> None:
    ctx, owner = released_world.ctx, alice.username
    then = datetime.now(UTC) - timedelta(days=2)
    old = workspaces.create_workspace(ctx, owner, now=then)
    workspaces.add_steps(ctx, owner, old.handle, ISSUE_STEPS[:2], now=then)
    expired = _error(alice.get(f"/{old.handle}"), 410, "workspace-expired")
    assert expired["details"]["steps"] == ISSUE_STEPS[:2]  # the script, to run again
    small = workspaces.create_workspace(ctx, owner, limits=WorkspaceLimits(max_variables=3))
    _error(
        alice.post(f"/{small.handle}/steps", ISSUE_STEPS[:4]), 422, "workspace-too-many-variables"
    )
    assert alice.get(f"/{small.handle}").get_json()["variables"] == []
    tight = workspaces.create_workspace(ctx, owner, limits=WorkspaceLimits(memory_bytes=1000))
    assert alice.post(f"/{tight.handle}/steps", ISSUE_STEPS[:2]).status_code == 200
    _error(
        alice.post(f"/{tight.handle}/tabulate", {"vars": ["kjonn"]}), 422, "workspace-memory-limit"
    )
    hurried = workspaces.create_workspace(
        ctx, owner, limits=WorkspaceLimits(seconds_per_request=1e-6)
    )
    _error(alice.post(f"/{hurried.handle}/steps", ISSUE_STEPS[:2]), 422, "workspace-time-limit")
    assert alice.get(f"/{hurried.handle}").get_json()["steps"] == []


def test_the_api_is_described(alice: Researcher) -> None:
    spec = alice.client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/workspaces",
        "/api/v1/workspaces/{handle}/steps",
        "/api/v1/workspaces/{handle}/regress",
    ):
        assert path in spec["paths"]
    body = spec["paths"]["/api/v1/workspaces/{handle}/tabulate"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]
