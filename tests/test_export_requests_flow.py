"""Export requests end to end on the released sample registers: eligibility, the stewards'
decisions, the one download, fresh pseudonyms, the audit trail and the two pages."""

from __future__ import annotations

import io
import logging

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from catalogue.services import audit
from catalogue.services.reading import released_datasets
from catalogue.services.workspaces import add_steps, create_workspace
from catalogue.storage.analysis_store import AnalysisStore
from tests import test_accounts_support as support
from tests.test_accounts_support import World, post

released_world = support.released_world
released_people_home = support.released_people_home

PERSON_VARIABLES = ["BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSDATO", "NUDB_BU"]
PURPOSE = "Utdanning og fødselskohorter: tabeller for en doktorgradsavhandling."


def _request(world: World, variables: list[str], **extra: object) -> dict:
    client = world.client("forsker@uio")
    response = post(
        client,
        "/api/v1/export-requests",
        json={"variables": variables, "purpose": PURPOSE, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _approve(world: World, request_id: int, *stewards: str) -> dict:
    body: dict = {}
    for steward in stewards:
        response = post(
            world.client(steward),
            f"/api/v1/export-requests/{request_id}/decisions",
            json={"approve": True, "comment": "OK"},
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
    return body


def _download(world: World, request_id: int) -> bytes:
    response = world.client("forsker@uio").get(f"/api/v1/export-requests/{request_id}/file")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "attachment" in response.headers["Content-Disposition"]
    return bytes(response.get_data())


def test_a_request_with_a_non_eligible_variable_is_refused_with_the_reason(
    released_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = released_world.client("forsker@uio")
    caplog.set_level(logging.INFO, "regcat.security")
    for variable, code in (
        ("BEFOLKNING_DOEDS_DATO", "not-export-eligible"),
        ("BEFOLKNING_MOR", "value-identifies-unit"),
    ):
        response = post(
            client,
            "/api/v1/export-requests",
            json={"variables": ["BEFOLKNING_KJOENN", variable], "purpose": PURPOSE},
        )
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "export-not-eligible"
        assert [r["code"] for r in error["details"]["refused"]] == [code]
        assert variable in error["message"]
    assert client.get("/api/v1/export-requests").get_json() == []
    assert "export.refused" in caplog.text


def test_mixed_unit_types_and_unknown_variables_are_refused(released_world: World) -> None:
    client = released_world.client("forsker@uio")
    mixed = post(
        client,
        "/api/v1/export-requests",
        json={"variables": ["BEFOLKNING_KJOENN", "KRG_ICD10"], "purpose": PURPOSE},
    )
    assert mixed.get_json()["error"]["code"] == "export-mixed-unit-types"
    unknown = post(
        client, "/api/v1/export-requests", json={"variables": ["NOPE"], "purpose": PURPOSE}
    )
    assert unknown.status_code == 404
    vague = post(
        client,
        "/api/v1/export-requests",
        json={"variables": ["BEFOLKNING_KJOENN"], "purpose": "test"},
    )
    # Shorter than the schema's minLength: the request does not fit it (400, naming the field).
    assert vague.status_code == 400
    assert vague.get_json()["error"]["code"] == "invalid-parameters"
    assert "purpose" in vague.get_json()["error"]["details"]["fields"]
    blank = post(
        client,
        "/api/v1/export-requests",
        json={"variables": ["BEFOLKNING_KJOENN"], "purpose": " " * 30},
    )
    # Long enough, but nothing in it: the service refuses the content (422).
    assert blank.status_code == 422
    assert blank.get_json()["error"]["code"] == "export-purpose"


def test_every_register_approves_then_one_download_with_fresh_pseudonyms(
    released_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "regcat.security")
    made = _request(released_world, PERSON_VARIABLES)
    assert made["status"] == "pending"
    assert made["registers"] == ["folkeregisteret", "nudb"]
    assert made["version"] == "1.0.0.0"
    early = released_world.client("forsker@uio").get(f"/api/v1/export-requests/{made['id']}/file")
    assert early.status_code == 409
    half = _approve(released_world, made["id"], "forvalter-fr")
    assert half["status"] == "pending" and half["awaiting"] == ["nudb"]
    done = _approve(released_world, made["id"], "forvalter-nudb")
    assert done["status"] == "approved"

    table = pq.read_table(io.BytesIO(_download(released_world, made["id"])))
    assert table.column_names == ["unit", "variable", "value", "start", "stop"]
    assert set(table.column("variable").to_pylist()) == set(PERSON_VARIABLES)
    units = set(table.column("unit").to_pylist())
    assert units == set(range(1, len(units) + 1))  # a fresh numbering, nothing else
    stored = _datastore_units(released_world, PERSON_VARIABLES)
    assert len(units) == len(stored) and not units & stored

    again = released_world.client("forsker@uio").get(f"/api/v1/export-requests/{made['id']}/file")
    assert again.status_code == 410
    assert again.get_json()["error"]["code"] == "export-already-downloaded"
    for event in ("export.requested", "export.approved", "export.downloaded"):
        assert event in caplog.text
    with released_world.ctx.db.transaction() as session:
        logged = [(e.kind, e.actor) for e in AnalysisStore(session).audit_entries()]
    assert ("login.password", "forsker@uio") in logged
    assert ("export.approved", "forvalter-nudb") in logged
    assert ("export.downloaded", "forsker@uio") in logged
    assert audit.verify(released_world.ctx).ok


def test_export_pseudonyms_differ_between_two_exports_of_the_same_persons(
    released_world: World,
) -> None:
    files = []
    for _ in range(2):
        made = _request(
            released_world, ["BEFOLKNING_FOEDSELSDATO", "BEFOLKNING_KJOENN"], file_format="csv"
        )
        _approve(released_world, made["id"], "forvalter-fr")
        files.append(pacsv.read_csv(io.BytesIO(_download(released_world, made["id"]))))
    first, second = (_unit_by_person(t) for t in files)
    shared = first.keys() & second.keys()
    assert len(shared) > 100  # the same persons are in both
    same = sum(first[p] == second[p] for p in shared)
    assert same < len(shared) * 0.05  # no more than chance


def test_a_steward_rejects_with_a_comment_and_others_cannot_decide(released_world: World) -> None:
    made = _request(released_world, ["BEFOLKNING_KJOENN"])
    url = f"/api/v1/export-requests/{made['id']}/decisions"
    outsider = post(released_world.client("forvalter-krg"), url, json={"approve": True})
    assert outsider.status_code == 404  # not a register it stewards
    steward = released_world.client("forvalter-fr")
    silent = post(steward, url, json={"approve": False})
    assert silent.get_json()["error"]["code"] == "comment-required"
    rejected = post(steward, url, json={"approve": False, "comment": "Formålet dekkes ikke."})
    assert rejected.get_json()["status"] == "rejected"
    twice = post(steward, url, json={"approve": True, "comment": "changed my mind"})
    assert twice.status_code == 409
    mine = released_world.client("forsker@uio").get("/api/v1/export-requests").get_json()
    assert mine[0]["decisions"][0]["comment"] == "Formålet dekkes ikke."
    other = released_world.client("forsker@ntnu").get(f"/api/v1/export-requests/{made['id']}")
    assert other.status_code == 404


def test_an_id_beyond_any_row_is_an_unknown_request_not_a_server_error(
    released_world: World,
) -> None:
    huge = 2**80  # more than a 64-bit row id holds: the database could not even bind it
    steward = released_world.client("forvalter-fr")
    researcher = released_world.client("forsker@uio")
    answers = [
        steward.get(f"/api/v1/export-requests/{huge}"),
        researcher.get(f"/api/v1/export-requests/{huge}/file"),
        post(steward, f"/api/v1/export-requests/{huge}/decisions", json={"approve": True}),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert {a.get_json()["error"]["code"] for a in answers} == {"unknown-export-request"}


def test_the_researcher_and_steward_pages(released_world: World) -> None:
    researcher = released_world.client("forsker@uio")
    form = post(
        researcher,
        "/exports",
        data={"variables": "BEFOLKNING_KJOENN, NUDB_BU", "purpose": PURPOSE, "file_format": "csv"},
    )
    assert form.status_code == 302
    mine = researcher.get("/exports").get_data(as_text=True)
    assert "BEFOLKNING_KJOENN" in mine and "venter på svar" in mine  # the status, in bokmål
    steward = released_world.client("forvalter-nudb")
    review = steward.get("/exports/review").get_data(as_text=True)
    assert "forsker@uio" in review and "NUDB_BU" in review
    request_id = researcher.get("/api/v1/export-requests").get_json()[0]["id"]
    decided = post(
        steward, f"/exports/{request_id}/decision", data={"decision": "approve", "comment": ""}
    )
    assert decided.status_code == 302
    _approve(released_world, request_id, "forvalter-fr")
    assert "Last ned" in researcher.get("/exports").get_data(as_text=True)
    download = researcher.get(f"/exports/{request_id}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    refused = post(researcher, "/exports", data={"variables": "BEFOLKNING_MOR", "purpose": PURPOSE})
    assert refused.status_code == 302
    assert "BEFOLKNING_MOR" in researcher.get("/exports").get_data(as_text=True)


def _datastore_units(world: World, names: list[str]) -> set[int]:
    out: set[int] = set()
    for dataset in released_datasets(world.ctx):
        if dataset.metadata.name in names:
            for f in dataset.files:
                table = pq.read_table(f.path, filesystem=world.ctx.files.filesystem)
                out |= set(table.column("unit_id").to_pylist())
    return out


def _unit_by_person(table: object) -> dict[tuple[str, str], int]:
    """Export unit per (birth date, sex) for the combinations held by one person only."""
    rows = table.to_pylist()  # type: ignore[attr-defined]
    values: dict[int, dict[str, str]] = {}
    for row in rows:
        values.setdefault(row["unit"], {})[row["variable"]] = str(row["value"])
    keys: dict[tuple[str, str], list[int]] = {}
    for unit, v in values.items():
        keys.setdefault(
            (v.get("BEFOLKNING_FOEDSELSDATO", ""), v.get("BEFOLKNING_KJOENN", "")), []
        ).append(unit)
    return {k: units[0] for k, units in keys.items() if len(units) == 1}


def test_a_request_from_a_workspace_uses_its_pinned_version(released_world: World) -> None:
    space = create_workspace(released_world.ctx, "forsker@uio")
    add_steps(
        released_world.ctx,
        "forsker@uio",
        space.handle,
        [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}],
    )
    made = _request(released_world, ["BEFOLKNING_KJOENN"], workspace=space.handle)
    assert made["workspace"] == space.handle
    assert made["version"] == space.description["version"]
    other = post(
        released_world.client("forsker@ntnu"),
        "/api/v1/export-requests",
        json={"variables": ["BEFOLKNING_KJOENN"], "purpose": PURPOSE, "workspace": space.handle},
    )
    assert other.status_code == 404  # not theirs


def test_an_export_from_a_workspace_holds_only_its_population(released_world: World) -> None:
    ctx, owner = released_world.ctx, "forsker@uio"
    space = create_workspace(ctx, owner)
    add_steps(
        ctx,
        owner,
        space.handle,
        [
            {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
            {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
            {"keep_if": "year(fodt) >= 1980"},
        ],
    )
    from_workspace = _request(
        released_world, ["BEFOLKNING_FOEDSELSDATO"], workspace=space.handle, file_format="csv"
    )
    # A later change to the workspace does not change what the request delivers.
    add_steps(ctx, owner, space.handle, [{"keep_if": "year(fodt) >= 2000"}])
    _approve(released_world, from_workspace["id"], "forvalter-fr")
    table = pacsv.read_csv(io.BytesIO(_download(released_world, from_workspace["id"])))
    born = [str(day) for day in table.column("value").to_pylist()]
    assert born and all(day >= "1980-01-01" for day in born)
    assert any(day < "2000-01-01" for day in born)
    everyone = _request(released_world, ["BEFOLKNING_FOEDSELSDATO"], file_format="csv")
    _approve(released_world, everyone["id"], "forvalter-fr")
    full = pacsv.read_csv(io.BytesIO(_download(released_world, everyone["id"])))
    assert full.num_rows > table.num_rows
    assert len(set(table.column("unit").to_pylist())) == table.num_rows
