"""The steward's command line, end to end on real files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from ingest.testing import person_id
from tests.extracts import metadata, sex_lines, write_dataset, write_register


def test_steward_flow_on_the_command_line(tmp_path: Path) -> None:
    env = {"REGCAT_HOME": str(tmp_path / "home"), "REGCAT_USER": "kari", "REGCAT_LANGUAGE": "en"}
    run = CliRunner().invoke
    assert run(main, ["init"], env=env).exit_code == 0
    reg = write_register(tmp_path / "reg")
    write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(30))
    staged = run(main, ["ingest", str(reg), "--json"], env=env)
    assert staged.exit_code == 0, staged.output
    assert json.loads(staged.output)["datasets"][0]["operation"] == "ADD"
    draft = json.loads(run(main, ["draft", "--json"], env=env).output)
    assert draft["next_version"] == "1.0.0.0"
    released = run(main, ["release", "--description", "First", "--draft", draft["draft"]], env=env)
    assert released.exit_code == 0, released.output
    assert "1.0.0.0" in released.output
    versions = json.loads(run(main, ["versions", "no.regcat.demo", "--json"], env=env).output)
    assert versions[0]["version"] == "1.0.0.0"
    assert versions[0]["changes"][0] == {
        "dataset": "TEST_KJOENN",
        "operation": "ADD",
        "note": "First",
        "staged_by": "kari",
    }
    assert run(main, ["verify"], env=env).exit_code == 0


def test_every_command_has_help() -> None:
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, name


def test_commands_before_init_say_what_to_do(tmp_path: Path) -> None:
    env = {"REGCAT_HOME": str(tmp_path / "home"), "REGCAT_LANGUAGE": "en"}
    result = CliRunner().invoke(main, ["draft"], env=env)
    assert result.exit_code == 1
    assert "regcat init" in result.output


def test_unknown_datastore_is_a_clear_error(tmp_path: Path) -> None:
    env = {"REGCAT_HOME": str(tmp_path / "home"), "REGCAT_LANGUAGE": "en"}
    CliRunner().invoke(main, ["init"], env=env)
    result = CliRunner().invoke(main, ["versions", "no.nowhere.x"], env=env)
    assert result.exit_code == 1
    assert "unknown-datastore" in result.output


def test_ingest_writes_a_report_file_for_good_and_bad_extracts(tmp_path: Path) -> None:
    env = {"REGCAT_HOME": str(tmp_path / "home"), "REGCAT_LANGUAGE": "en"}
    run = CliRunner().invoke
    run(main, ["init"], env=env)
    reg = write_register(tmp_path / "reg")
    write_dataset(reg, "TEST_KJOENN", metadata(), [*sex_lines(5), f"{person_id(9)};7;;;"])
    bad = tmp_path / "bad.json"
    assert run(main, ["ingest", str(reg), "--report", str(bad)], env=env).exit_code == 1
    problems = json.loads(bad.read_text(encoding="utf-8"))
    assert problems["ok"] is False
    listed = problems["error"]["details"]["reports"][0]["problems"]
    assert [(p["file"], p["row"], p["column"]) for p in listed] == [("TEST_KJOENN.csv", 6, "value")]
    write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(5))
    good = tmp_path / "good.json"
    assert run(main, ["ingest", str(reg), "--report", str(good)], env=env).exit_code == 0
    staged = json.loads(good.read_text(encoding="utf-8"))
    assert staged["ok"] is True
    assert staged["outcome"]["datasets"][0]["operation"] == "ADD"
