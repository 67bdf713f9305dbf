"""Every timestamp regcat writes is timezone-aware UTC with an offset (RFC 3339 `date-time`):
read back from either database, in the API and its OpenAPI description, on pages, in RDF,
in new audit log entries and in the CLI's JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.exc import StatementError

from catalogue.services import audit
from catalogue.services.context import Context
from catalogue.storage.analysis_store import AnalysisStore
from catalogue.storage.models import DatastoreRow, LockRow
from catalogue.web import create_app
from cli import main
from tests import test_accounts_support as support
from tests.test_accounts_support import World

released_people_home = support.released_people_home
released_world = support.released_world

DS = "no.regcat.demo"

# RFC 3339 section 5.6 date-time: a "T", and "Z" or a numeric offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def is_rfc3339(text: object) -> bool:
    return isinstance(text, str) and RFC3339.match(text) is not None


# --- the storage boundary -------------------------------------------------------------------


def test_times_read_back_from_the_database_are_aware_utc(any_ctx: Context) -> None:
    with any_ctx.db.transaction() as session:
        created = session.scalars(sa.select(DatastoreRow.created_at)).all()
        rows = session.scalars(sa.select(DatastoreRow)).all()
    assert created and rows
    for moment in [*created, *(r.created_at for r in rows)]:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def test_a_time_in_another_zone_is_stored_as_the_same_instant(any_ctx: Context) -> None:
    oslo_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 6, 1, 14, 30, tzinfo=oslo_summer)
    with any_ctx.db.transaction() as session:
        session.add(LockRow(name="zone-test", holder="t", host="h", pid=1, acquired_at=written))
    with any_ctx.db.transaction() as session:
        read = session.get(LockRow, "zone-test")
        assert read is not None
        assert read.acquired_at == written
        assert read.acquired_at.tzinfo == UTC
        assert read.acquired_at.hour == 12


def test_a_naive_time_is_refused_rather_than_guessed(any_ctx: Context) -> None:
    with pytest.raises(StatementError, match="naive"), any_ctx.db.transaction() as session:
        session.add(
            LockRow(name="naive", holder="t", host="h", pid=1, acquired_at=datetime(2026, 1, 1))
        )
        session.flush()


# --- everything written from it -------------------------------------------------------------


@pytest.fixture
def released_app(released_ctx: Context) -> Any:
    return create_app(released_ctx.config, {"TESTING": True})


def test_the_api_writes_every_timestamp_with_its_offset(released_app: Any) -> None:
    client = released_app.test_client()
    versions = client.get(f"/api/v1/datastores/{DS}/versions").get_json()
    variable = client.get(f"/api/v1/variables/{DS}/BEFOLKNING_KJOENN").get_json()
    moments = [v["released_at"] for v in versions] + [r["released_at"] for r in variable["history"]]
    assert moments
    assert all(is_rfc3339(m) for m in moments), moments


def test_the_openapi_description_says_date_time_for_every_timestamp(released_app: Any) -> None:
    spec = released_app.test_client().get("/api/v1/openapi.json").get_json()
    stamps = {
        f"{name}.{field}": prop
        for name, schema in spec["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if field.endswith("_at")
    }
    assert {"Version.released_at", "Workspace.created_at", "Token.expires_at"} <= set(stamps)
    assert {k for k, prop in stamps.items() if prop.get("format") != "date-time"} == set()


def test_workspace_and_token_answers_have_offsets(released_world: World) -> None:
    token = released_world.token("forsker@uio", "analysis")
    client = released_world.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/workspaces", json={}, headers=headers).get_json()
    listed = client.get("/api/v1/workspaces", headers=headers).get_json()
    mine = client.get("/api/v1/tokens", headers=headers).get_json()
    moments = [created["created_at"], created["expires_at"], listed[0]["expires_at"]]
    moments += [mine[0]["created_at"], mine[0]["expires_at"]]
    assert all(is_rfc3339(m) for m in moments), moments


def test_a_variable_page_marks_its_release_times_with_offsets(released_app: Any) -> None:
    page = released_app.test_client().get(f"/variables/{DS}/BEFOLKNING_KJOENN").get_data(True)
    stamps = re.findall(r'<time datetime="([^"]+)"', page)
    assert stamps
    assert all(is_rfc3339(s) for s in stamps if "T" in s or ":" in s), stamps
    assert any("T" in s for s in stamps)


def test_rdf_times_are_typed_utc_date_times(released_app: Any) -> None:
    turtle = released_app.test_client().get("/catalog.ttl").get_data(as_text=True)
    stamps = re.findall(r'"([^"]+)"\^\^xsd:dateTime', turtle)
    assert stamps
    assert all(is_rfc3339(s) and s.endswith("Z") for s in stamps), stamps[:5]


def test_new_audit_entries_write_moments_in_rfc3339(released_ctx: Context) -> None:
    moment = datetime(2026, 6, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    audit.record(released_ctx, "test", "tester", None, {"when": moment})
    with released_ctx.db.transaction() as session:
        entries = list(AnalysisStore(session).audit_entries())
    assert all(is_rfc3339(e.recorded_at) for e in entries)
    assert json.loads(entries[-1].payload) == {"when": "2026-06-01T12:30:00+00:00"}
    assert audit.verify(released_ctx).ok


def test_the_cli_writes_json_timestamps_with_offsets(released_ctx: Context) -> None:
    env = {"REGCAT_HOME": str(released_ctx.config.home), "REGCAT_USER": "kari"}
    run = CliRunner().invoke
    versions = run(main, ["versions", DS, "--json"], env=env)
    assert versions.exit_code == 0, versions.output
    released = [v["released_at"] for v in json.loads(versions.output)]
    assert released and all(is_rfc3339(m) for m in released), released
