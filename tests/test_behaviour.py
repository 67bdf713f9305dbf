"""Behaviour detection (catalogue/services/behaviour.py): request sequences typical of
attacks on output control, made through the API as a researcher would, are flagged with
the requests behind them; `regcat audit flags` and the steward's page list them, in bokmål
and English; an ordinary study is not flagged."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from catalogue.services import behaviour
from cli import main
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World, sign_in
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_workspaces_api import Researcher

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

SMALL = [
    *ISSUE_STEPS[:3],
    {"generate": "fodt", "expr": "year(fodselsdato)"},
    {"keep_if": "fodt <= 1935"},
]


def _attack(world: World) -> dict[str, Any]:
    """Alice probes a tiny population (refused five times), then averages scaled copies
    (12 near-identical derivations), then makes 40 derived variables in one go."""
    alice = Researcher(world, "forsker@uio")
    small = alice.workspace(SMALL)
    refused = [alice.post(f"/{small}/tabulate", {"vars": ["kjonn"]}) for _ in range(5)]
    assert all(r.status_code == 422 for r in refused)
    handle = alice.workspace(ISSUE_STEPS)
    copies = [{"generate": f"c{k}", "expr": f"lonn * {1 + k / 7:.4f}"} for k in range(12)]
    assert alice.post(f"/{handle}/steps", copies).status_code == 200
    many = [{"generate": f"v{k}", "expr": f"alder + {k}"} for k in range(28)]
    assert alice.post(f"/{handle}/steps", many).status_code == 200
    return {"refused": refused}


def _study(world: World) -> None:
    """Bob's ordinary work: a few derived variables, tables and a model."""
    bob = Researcher(world, "forsker@ntnu")
    handle = bob.workspace(ISSUE_STEPS)
    steps = [
        {"generate": "hoy", "expr": "lonn > 500000"},
        {"generate": "eldre", "expr": "alder >= 50"},
    ]
    assert bob.post(f"/{handle}/steps", steps).status_code == 200
    for body in ({"vars": ["kjonn"]}, {"vars": ["kjonn", "utdanning"]}, {"vars": ["hoy"]}):
        assert bob.post(f"/{handle}/tabulate", body).status_code == 200
    assert bob.post(f"/{handle}/regress", {"y": "lonn", "x": ["alder"]}).status_code == 200


def test_attack_patterns_are_flagged_with_their_requests(released_world: World) -> None:
    _attack(released_world)
    _study(released_world)
    found = behaviour.flags(released_world.ctx)
    assert {f.actor for f in found} == {"forsker@uio"}  # the ordinary study is not flagged
    by_code = {f.code: f for f in found}
    assert set(by_code) == {"refusal-run", "many-new-variables", "near-identical-derivations"}
    run = by_code["refusal-run"]
    assert run.count == 5 and len(run.entries) == 5
    assert {(e.endpoint, e.status, e.error) for e in run.entries} == {
        ("tabulate", 422, "min-population")
    }
    # 12 copies and 28 more, with the 4 derivations of the two scripts, within a day.
    assert by_code["many-new-variables"].count == 44
    near = {f.pattern: f for f in found if f.code == "near-identical-derivations"}
    assert {pattern: f.count for pattern, f in near.items()} == {
        "generate: alder + #": 28,
        "generate: lonn * #": 12,
    }
    assert len(near["generate: lonn * #"].entries) == 1  # one request made them all
    # The same log gives the same flags.
    again = behaviour.flags(released_world.ctx)
    assert [f.to_json_dict() for f in again] == [f.to_json_dict() for f in found]


def test_an_exhausted_budget_is_flagged(released_world: World) -> None:
    folder = released_world.ctx.config.output_control_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "no.regcat.demo.json").write_text(
        json.dumps(
            {"format": "regcat-output-control-parameters/1", "rules": {"budget": {"points": 150}}}
        ),
        encoding="utf-8",
    )
    alice = Researcher(released_world, "forsker@uio")
    handle = alice.workspace(ISSUE_STEPS)
    answers = [
        alice.post(f"/{handle}/tabulate", {"vars": [name]})
        for name in ("kjonn", "utdanning", "kommune", "alder")
    ]
    codes = [r.get_json().get("error", {}).get("code") for r in answers]
    assert answers[0].status_code == 200 and "budget-exhausted" in codes
    flag = next(f for f in behaviour.flags(released_world.ctx) if f.code == "budget-exhausted")
    assert flag.actor == "forsker@uio"
    assert flag.count == codes.count("budget-exhausted")
    assert all(e.error == "budget-exhausted" for e in flag.entries)


def test_the_cli_lists_flags_in_both_languages_and_as_json(released_world: World) -> None:
    _attack(released_world)
    home = str(released_world.ctx.config.home)
    listed = {}
    for language in ("nb", "en"):
        env = {"REGCAT_HOME": home, "REGCAT_LANGUAGE": language}
        result = CliRunner().invoke(main, ["audit", "flags"], env=env)
        assert result.exit_code == 0, result.output
        listed[language] = result.output
    assert "Mange avviste forespørsler på rad" in listed["nb"] and "4 flagg" in listed["nb"]
    assert "A run of refused requests" in listed["en"] and "4 flags" in listed["en"]
    assert "forsker@uio" in listed["en"]
    env = {"REGCAT_HOME": home, "REGCAT_LANGUAGE": "en"}
    result = CliRunner().invoke(main, ["audit", "flags", "--json"], env=env)
    assert result.exit_code == 0, result.output
    flags = json.loads(result.output)
    assert {f["code"] for f in flags} == {
        "refusal-run",
        "many-new-variables",
        "near-identical-derivations",
    }
    run = next(f for f in flags if f["code"] == "refusal-run")
    assert len(run["entries"]) == 5 and all(len(e["audit_id"]) == 24 for e in run["entries"])


def test_the_steward_page_lists_flagged_sequences(released_world: World) -> None:
    _attack(released_world)
    audit_ids = [e.audit_id for f in behaviour.flags(released_world.ctx) for e in f.entries]
    pages = {}
    for language in ("nb", "en"):
        client = released_world.app.test_client()
        client.set_cookie("lang", language)
        sign_in(client, "forvalter-krg")
        response = client.get("/steward/flags")
        assert response.status_code == 200
        pages[language] = response.get_data(as_text=True)
    assert "Flaggede forespørsler" in pages["nb"] and "Nesten like avledninger" in pages["nb"]
    assert "Flagged requests" in pages["en"] and "Near-identical derivations" in pages["en"]
    for page in pages.values():
        assert "forsker@uio" in page and all(audit_id in page for audit_id in audit_ids)
    researcher = released_world.app.test_client()
    sign_in(researcher, "forsker@uio")
    assert researcher.get("/steward/flags").status_code == 403
