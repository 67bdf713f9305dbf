"""An export from a workspace is approved by every register whose data defined its
population (issue 12, defect 2). The attack: filter a workspace on a Cancer Registry
variable (ICD-10 C50), then export a Population Register variable for those persons: the
file is in effect a list of cancer patients, so the Cancer Registry's steward must approve
too, and stewards see how the population was made (the steps, never data)."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq

from catalogue.analysis.step import parse_steps
from catalogue.services.workspaces import add_steps, create_workspace
from tests import test_accounts_support as support
from tests.test_accounts_support import World, post

released_world = support.released_world
released_people_home = support.released_people_home

PURPOSE = "Kjønnsfordeling blant pasienter med brystkreft, for en masteroppgave."
BREAST_CANCER_STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {
        "import_event": "KRG_ICD10",
        "from": "1953-01-01",
        "to": "2024-12-31",
        "as": "icd",
        "per_person": "last",
    },
    {"keep_if": 'icd == "C50"'},
]
CANONICAL = [step.to_json() for step in parse_steps(BREAST_CANCER_STEPS)]  # as stored


def _workspace(world: World, steps: list[dict[str, Any]]) -> str:
    space = create_workspace(world.ctx, "forsker@uio")
    add_steps(world.ctx, "forsker@uio", space.handle, steps)
    return space.handle


def _request(world: World, variables: list[str], workspace: str) -> dict[str, Any]:
    response = post(
        world.client("forsker@uio"),
        "/api/v1/export-requests",
        json={"variables": variables, "purpose": PURPOSE, "workspace": workspace},
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _decide(world: World, steward: str, request_id: int, approve: bool = True) -> Any:
    return post(
        world.client(steward),
        f"/api/v1/export-requests/{request_id}/decisions",
        json={"approve": approve, "comment": "Vurdert."},
    )


def test_a_population_filtered_on_cancer_data_needs_the_cancer_registry(
    released_world: World,
) -> None:
    handle = _workspace(released_world, BREAST_CANCER_STEPS)
    made = _request(released_world, ["BEFOLKNING_KJOENN"], handle)
    assert made["registers"] == ["folkeregisteret", "kreftregisteret"]
    assert made["awaiting"] == ["folkeregisteret", "kreftregisteret"]
    population = made["population"]
    assert population["steps"] == CANONICAL
    datasets = {(d["dataset"], d["register"]) for d in population["datasets"]}
    assert ("KRG_ICD10", "kreftregisteret") in datasets
    assert ("KRG_PERSON", "kreftregisteret") in datasets  # the link read to reach persons
    assert ("BEFOLKNING_KJOENN", "folkeregisteret") in datasets

    # The Population Register alone cannot release it.
    half = _decide(released_world, "forvalter-fr", made["id"]).get_json()
    assert half["status"] == "pending" and half["awaiting"] == ["kreftregisteret"]
    early = released_world.client("forsker@uio").get(f"/api/v1/export-requests/{made['id']}/file")
    assert early.status_code == 409

    # The Cancer Registry's steward finds it, sees how the population was made, decides.
    steward = released_world.client("forvalter-krg")
    listed = steward.get("/api/v1/export-requests/review").get_json()
    assert [r["id"] for r in listed] == [made["id"]]
    assert listed[0]["population"]["steps"] == CANONICAL
    page = steward.get("/exports/review").get_data(as_text=True)
    assert "KRG_ICD10" in page and "C50" in page and "keep_if" in page
    done = _decide(released_world, "forvalter-krg", made["id"]).get_json()
    assert done["status"] == "approved"
    download = released_world.client("forsker@uio").get(
        f"/api/v1/export-requests/{made['id']}/file"
    )
    table = pq.read_table(io.BytesIO(download.get_data()))
    assert 0 < table.num_rows < 2_000  # the breast-cancer patients only, not everyone


def test_one_rejection_by_a_register_behind_the_population_rejects(
    released_world: World,
) -> None:
    handle = _workspace(released_world, BREAST_CANCER_STEPS)
    made = _request(released_world, ["BEFOLKNING_KJOENN"], handle)
    rejected = _decide(released_world, "forvalter-krg", made["id"], approve=False).get_json()
    assert rejected["status"] == "rejected"


def test_a_mothers_income_behind_the_population_needs_the_income_register(
    released_world: World,
) -> None:
    steps: list[dict[str, Any]] = [
        {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
        {"import": "BEFOLKNING_MOR", "as": "mor"},
        {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "mor_lonn", "via": "mor"},
        {"keep_if": "mor_lonn > 500000"},
    ]
    made = _request(released_world, ["BEFOLKNING_KJOENN"], _workspace(released_world, steps))
    assert made["registers"] == ["folkeregisteret", "inntekt"]


def test_a_population_of_one_registers_data_asks_only_that_register(
    released_world: World,
) -> None:
    steps: list[dict[str, Any]] = [
        {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
        {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
        {"keep_if": "year(fodt) >= 1980"},
    ]
    made = _request(released_world, ["BEFOLKNING_KJOENN"], _workspace(released_world, steps))
    assert made["registers"] == ["folkeregisteret"]
    assert {d["register"] for d in made["population"]["datasets"]} == {"folkeregisteret"}


def test_a_request_without_a_workspace_has_no_population(released_world: World) -> None:
    response = post(
        released_world.client("forsker@uio"),
        "/api/v1/export-requests",
        json={"variables": ["BEFOLKNING_KJOENN"], "purpose": PURPOSE},
    )
    body = response.get_json()
    assert body["population"] is None and body["registers"] == ["folkeregisteret"]
