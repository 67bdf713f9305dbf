"""The audit log: every request (refused or not) and every release, append-only in the
database and hash-chained, so `regcat audit verify` finds any edit or deletion."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from catalogue.services import audit
from catalogue.storage.analysis_store import AnalysisStore
from cli import main
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_workspaces_api import Researcher

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world


def _entries(world: World) -> list[Any]:
    with world.ctx.db.transaction() as session:
        return list(AnalysisStore(session).audit_entries())


def _run(world: World, statement: str, **params: Any) -> None:
    with world.ctx.db.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _cli_verify(world: World) -> Any:
    env = {"REGCAT_HOME": str(world.ctx.config.home), "REGCAT_LANGUAGE": "en"}
    return CliRunner().invoke(main, ["audit", "verify", "--json"], env=env)


@pytest.fixture
def history(released_world: World) -> dict[str, Any]:
    alice = Researcher(released_world, "forsker@uio")
    handle = alice.workspace(ISSUE_STEPS)
    refused = alice.post(f"/{handle}/steps", [{"import": "NOPE", "as": "x"}])
    table = alice.post(f"/{handle}/tabulate", {"vars": ["kjonn", "utdanning"]}).get_json()
    model = alice.post(f"/{handle}/regress", {"y": "lonn", "x": ["alder"]}).get_json()
    return {"handle": handle, "refused": refused, "table": table, "model": model}


def test_every_request_and_release_is_logged(
    released_world: World, history: dict[str, Any]
) -> None:
    everything = _entries(released_world)  # accounts write their security events here too
    entries = [e for e in everything if e.kind in ("request", "release")]
    requests = [json.loads(e.payload) for e in entries if e.kind == "request"]
    assert [r["endpoint"] for r in requests] == ["create", "steps", "steps", "tabulate", "regress"]
    assert requests[2]["status"] == 400 and requests[2]["error"] == "unknown-dataset"
    assert all(e.actor == "forsker@uio" for e in entries)
    releases = {e.entry_id: json.loads(e.payload) for e in entries if e.kind == "release"}
    table = history["table"]
    released = table["results"][0]["result"]
    logged = releases[released["audit_id"]]
    # The log holds the result as released, decisions per cell included...
    assert logged["result"] == {**released, "audit_id": None}
    assert all("reasons" in row for row in logged["result"]["rows"])
    # ...and the request entry names its releases.
    assert requests[3]["releases"] == [released["audit_id"]]
    assert table["audit_id"] in {e.entry_id for e in entries}
    outcome = audit.verify(released_world.ctx)
    assert outcome.ok and outcome.entries == len(everything) == outcome.head_seq


def test_the_database_refuses_edits(released_world: World, history: dict[str, Any]) -> None:
    with pytest.raises(sa.exc.DatabaseError):
        _run(released_world, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(sa.exc.DatabaseError):
        _run(released_world, "DELETE FROM audit_entries WHERE seq = 1")


def _drop_triggers(world: World) -> None:
    """What someone with the database owner's rights could do."""
    _run(world, "DROP TRIGGER audit_entries_no_update")
    _run(world, "DROP TRIGGER audit_entries_no_delete")


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (
            "UPDATE audit_entries SET payload = replace(payload, 'kjonn', 'kjønn')",
            "audit-entry-altered",
        ),
        (
            "UPDATE audit_entries SET actor = 'mallory' WHERE kind = 'release'",
            "audit-entry-altered",
        ),
        ("DELETE FROM audit_entries WHERE kind = 'release'", "audit-entry-missing"),
        (
            "DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)",
            "audit-tail-missing",
        ),
    ],
)
def test_verify_finds_any_edit_or_deletion(
    released_world: World, history: dict[str, Any], tamper: str, code: str
) -> None:
    assert _cli_verify(released_world).exit_code == 0
    _drop_triggers(released_world)
    _run(released_world, tamper)
    outcome = audit.verify(released_world.ctx)
    assert not outcome.ok
    assert code in {p.code for p in outcome.problems}
    result = _cli_verify(released_world)
    assert result.exit_code == 1
    assert code in result.output


def test_a_rewritten_chain_still_disagrees_with_the_head(
    released_world: World, history: dict[str, Any]
) -> None:
    """Recomputing every hash after an edit is caught by the head row (which moves with
    every append and is the lock every release takes)."""
    _drop_triggers(released_world)
    entries = _entries(released_world)
    last = entries[-1]
    _run(released_world, "DELETE FROM audit_entries WHERE seq = :seq", seq=last.seq)
    outcome = audit.verify(released_world.ctx)
    assert [p.code for p in outcome.problems] == ["audit-tail-missing"]
