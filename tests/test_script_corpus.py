"""Our own corpus of scripts (issue 15 item 5): every file of tests/scripts/ runs through
the HTTP API (POST /api/v1/scripts/run under `regcat serve`) and through the command line
(`regcat script run FILE --url … --token … --json` against the same server), and both give
exactly the controlled output kept in tests/scripts/golden/ (published rows, rules applied,
text blocks, variable listings and the first error with its line and column; not audit
ids, handles or budgets, which name the run rather than the answer).

Each run is made by a researcher of its own (a budget of its own), and the API's runs and
the command line's go to two servers made from the same catalogue, in the same order:
output control remembers what every researcher was answered, so each script meets the
same history on both sides, and the same answer, run after run. A golden file therefore
depends on the scripts before it: regenerate them all, never one.

Together the scripts use every command and option of the language's table (a test checks
it from the parsed scripts); the commands that have no engine counterpart yet answer
`script-not-supported`, and `test_the_commands_not_supported_yet` lists them.

Regenerate the golden files after a deliberate change (then read the diff):

    REGCAT_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_script_corpus.py -k api
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from catalogue.domain.accounts import Identity
from catalogue.domain.errors import RegcatError
from catalogue.script import COMMANDS, Command, parse_script
from catalogue.services import institution_accounts, scripts, tokens, user_accounts
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import release_draft
from catalogue.services.samples import sample_register_folders
from catalogue.services.setup import initialise
from cli import main
from ingest.pseudonym import KEY_BYTES
from tests.conftest import SAMPLES, make_config, write_pseudonym_key
from tests.servers import free_port, regcat_env, running_server
from tests.test_accounts_support import OPERATOR

CORPUS = Path(__file__).resolve().parent / "scripts"
GOLDEN = CORPUS / "golden"
FILES = sorted(CORPUS.glob("*.mdscript"))
REGENERATE = os.environ.get("REGCAT_REGENERATE_GOLDEN") == "1"


# The pseudonymisation key of the corpus's catalogue: fixed, so the units get the same
# pseudonyms in every run and output control's noise (keyed by the units) the same values,
# which golden files need. Any other catalogue makes its own random key.
CORPUS_KEY = "5c" * KEY_BYTES


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five sample registers released in a catalogue of the fixed key."""
    home = tmp_path_factory.mktemp("corpus") / "home"
    write_pseudonym_key(home, CORPUS_KEY)
    with Context.open(make_config(home)) as ctx:
        initialise(ctx)
        for folder in sample_register_folders(SAMPLES):
            ingest_extract(ctx, folder)
        release_draft(ctx, "Sample registers, first release")
        institution_accounts.create_institution(ctx, OPERATOR, "uio", "UiO", date(2024, 1, 1))
    return home


def _served(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("corpus-served") / "home"
    shutil.copytree(template, home)
    with running_server(home, free_port(), env=regcat_env(home), workers=1) as base:
        yield base, home


# One server for the API's runs and one for the command line's, each from the same
# catalogue: output control remembers what every researcher was answered (its guards are
# not per account), so the scripts must meet the same history on both sides to be answered
# alike, and do: each side runs them in the same order, from the same start.
@pytest.fixture(scope="module")
def api_server(
    corpus_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    yield from _served(corpus_home, tmp_path_factory)


@pytest.fixture(scope="module")
def cli_server(
    corpus_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    yield from _served(corpus_home, tmp_path_factory)


def researcher(home: Path, username: str) -> str:
    """A researcher of uio with the agreement accepted, and a token of theirs."""
    with Context.open(make_config(home)) as ctx:
        user_accounts.enrol_user(ctx, OPERATOR, username, institution="uio")
        user_accounts.accept_agreement(ctx, Identity.operator(username))
        return tokens.create_token(ctx, OPERATOR, username, ("analysis",), "corpus", None).token


# --- the controlled output, without what names the run --------------------------------------


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.10g}")
    return value


def _result(item: dict[str, Any]) -> dict[str, Any]:
    result = item["result"]
    out: dict[str, Any] = {
        "kind": result["kind"],
        "dimensions": result["dimensions"],
        "columns": result["columns"],
        "rows": [
            [row["labels"], {k: _number(v) for k, v in row["values"].items()}, row["reasons"]]
            for row in result["rows"]
        ],
        "rules": sorted(rule["code"] for rule in result["rules"]),
    }
    if result.get("summary"):
        out["summary"] = {k: _number(v.get("value")) for k, v in sorted(result["summary"].items())}
    if "hazard_ratios" in item:  # cox … hazard: computed from the published coefficients
        out["hazard_ratios"] = [
            {k: _number(v) for k, v in ratio.items()} for ratio in item["hazard_ratios"]
        ]
    if "hausman" in item:  # hausman: the test computed from the two released models
        test = item["hausman"]
        out["hausman"] = {
            **{k: _number(test[k]) for k in ("statistic", "df", "p_value")},
            "reason": test["reason"],
            "terms": [{k: _number(v) for k, v in t.items()} for t in test["terms"]],
        }
    return out


def canonical(output: list[dict[str, Any]], error: dict[str, Any] | None) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for entry in output:
        item: dict[str, Any] = {"line": entry["line"], "kind": entry["kind"]}
        if "command" in entry:
            item["command"] = entry["command"]
        kind = entry["kind"]
        if kind == "result":
            item["request"] = entry["request"]
            item["results"] = [_result(r) for r in entry["response"]["results"]]
            if "effects" in entry:  # mfx() of a linear model: its coefficients
                item["effects"] = entry["effects"]
            if "elasticities" in entry:  # mfx(eyex …): from the released numbers
                item["elasticities"] = [
                    {k: _number(v) for k, v in e.items()} for e in entry["elasticities"]
                ]
        elif kind == "text":
            item["markdown"] = entry["markdown"]
        elif kind == "variables":
            item["variables"] = [(v["name"], v["type"]) for v in entry["variables"]]
        elif kind in ("labels", "history"):
            item[kind] = entry.get("text") or entry.get("lines")
        elif kind == "notice":
            item["code"] = entry["notice"]["code"]
        # help: its text lists every command and grows with them; its place is enough.
        items.append(item)
    failed = None
    if error is not None:
        details = error.get("details") or {}
        failed = {
            "code": error["code"],
            "status": error["status"],
            "line": details.get("line"),
            "column": details.get("column"),
        }
    return json.loads(json.dumps({"output": items, "error": failed}))


def _golden(path: Path, found: dict[str, Any]) -> None:
    golden = GOLDEN / f"{path.stem}.json"
    if REGENERATE:
        text = json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file for {path.name}: regenerate (see the docstring)"
    assert found == json.loads(golden.read_text(encoding="utf-8")), (
        f"{path.name} answers otherwise than its golden file. If the change is meant (a "
        "command that now runs, a new rule of output control), regenerate them all: "
        "REGCAT_REGENERATE_GOLDEN=1 pytest tests/test_script_corpus.py -k api (tests/scripts/README.md)"
    )


# --- the runs -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_corpus_through_the_api(api_server: tuple[str, Path], path: Path) -> None:
    base, home = api_server
    token = researcher(home, f"corpus-{path.stem[:3]}@uio")
    answer = requests.post(
        f"{base}/api/v1/scripts/run",
        json={"script": path.read_text(encoding="utf-8")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=600,
    )
    assert answer.status_code in (200, 422), answer.text
    body = answer.json()
    if answer.status_code == 422:  # did not parse: nothing ran
        _golden(path, canonical([], body["error"]))
    else:
        _golden(path, canonical(body["output"], body["error"]))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_corpus_through_the_command_line(cli_server: tuple[str, Path], path: Path) -> None:
    if REGENERATE:
        pytest.skip("the golden files are being written from the API's answers")
    base, home = cli_server
    token = researcher(home, f"corpus-{path.stem[:3]}@uio")
    ran = CliRunner().invoke(
        main,
        # In the API's language (bokmål, the default): a code list read from the catalogue
        # (list-labels db/VAR) is shown in the language asked, so both paths must ask the same.
        ["--lang", "nb", "script", "run", str(path), "--url", base, "--token", token, "--json"],
    )
    if not ran.stdout.strip():  # it did not parse: told at its line, without a request
        golden = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
        error = golden["error"]
        assert ran.exit_code == 1 and golden["output"] == [], ran.output
        assert f"({error['code']})" in ran.stderr, ran.stderr
        assert f"Linje {error['line']}, kolonne {error['column']}" in ran.stderr, ran.stderr
        return
    body = json.loads(ran.stdout)
    assert ran.exit_code == (1 if body["error"] else 0), ran.output
    _golden(path, canonical(body["output"], body["error"]))


# --- what the corpus covers -----------------------------------------------------------------


def _parsed(path: Path) -> list[Command]:
    """The commands of a script; none for one that does not parse (the bad-input ones)."""
    try:
        items = parse_script(path.read_text(encoding="utf-8")).items
    except RegcatError:
        return []
    return [i for i in items if isinstance(i, Command)]


def _commands() -> list[Command]:
    return [command for path in FILES for command in _parsed(path)]


def test_the_corpus_uses_every_command_and_option_of_the_table() -> None:
    assert len(FILES) >= 60
    commands = _commands()
    used = {c.command for c in commands}
    assert sorted(set(COMMANDS) - used) == []
    options = {(c.command, o.name) for c in commands for o in c.options}
    wanted = {(name, option) for name, spec in COMMANDS.items() for option in spec.options}
    assert sorted(wanted - options) == []


def test_the_commands_not_supported_yet() -> None:
    """The list the closing note gives: the commands of the table that answer
    script-not-supported (each has a script here whose golden file says so)."""
    missing = sorted(set(COMMANDS) - set(scripts.supported_commands()))
    print("\nnot supported yet:", ", ".join(missing))
    answered = set()
    for path in FILES:
        golden = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
        if golden["error"] and golden["error"]["code"] == "script-not-supported":
            items = parse_script(path.read_text(encoding="utf-8")).items
            failing = [
                i for i in items if isinstance(i, Command) and i.at.line == golden["error"]["line"]
            ]
            answered |= {c.command for c in failing}
    assert set(missing) <= answered
