"""Every bad extract gives a specific message with file, row and column, exit code 1, and
leaves the draft and every released version exactly as before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.services.context import Context
from catalogue.services.releasing import list_versions, show_draft
from cli import main
from ingest.testing import person_id
from tests.extracts import metadata, sex_lines, write_dataset, write_register


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _state(ctx: Context) -> tuple[object, ...]:
    return (_tree(Path(ctx.files.root)), show_draft(ctx), [v.version for v in list_versions(ctx)])


def _env(ctx: Context) -> dict[str, str]:
    return {
        "REGCAT_HOME": str(ctx.config.home),
        "REGCAT_DATABASE_URL": ctx.config.database_url,
        "REGCAT_USER": "test-steward",
        "REGCAT_LANGUAGE": "en",
    }


Case = Callable[[Path], tuple[Path, str, str]]  # builds an extract; returns (path, file, where)


def _one(name: str, doc: dict, lines: list[str] | bytes, where: str) -> Case:  # type: ignore[type-arg]
    def build(base: Path) -> tuple[Path, str, str]:
        reg = write_register(base / "reg")
        write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(20))
        write_dataset(reg, name, doc, lines)
        if name == where:  # a bad folder name: the place is the folder itself
            return reg, name, where
        return reg, f"{name}.csv" if "row" in where else f"{name}.json", where

    return build


CASES: dict[str, Case] = {
    "wrong-column-count": _one(
        "BAD",
        metadata(),
        [f"{person_id(0)};1;;;", f"{person_id(1)};1;;", f"{person_id(2)};2;;;"],
        "row 2",
    ),
    "bad-date": _one(
        "BAD", metadata("STATUS"), [f"{person_id(0)};1;2020-1-01;2020-1-01;"], "row 1"
    ),
    "impossible-date": _one(
        "BAD", metadata("STATUS"), [f"{person_id(0)};1;2021-02-30;2021-02-30;"], "row 1"
    ),
    "start-after-stop": _one(
        "BAD",
        metadata("ACCUMULATED", "LONG"),
        [f"{person_id(0)};5;2021-02-01;2021-01-01;"],
        "row 1",
    ),
    "status-start-not-stop": _one(
        "BAD", metadata("STATUS"), [f"{person_id(0)};1;2021-01-01;2021-01-02;"], "row 1"
    ),
    "overlapping-spans": _one(
        "BAD",
        metadata("EVENT"),
        [f"{person_id(0)};1;2000-01-01;2005-12-31;", f"{person_id(0)};2;2005-06-01;;"],
        "row 2",
    ),
    "duplicate-fixed-id": _one(
        "BAD", metadata(), [f"{person_id(0)};1;;;", f"{person_id(0)};2;;;"], "row 2"
    ),
    "code-outside-list": _one(
        "BAD",
        metadata("STATUS", codes=[("1", "1900-01-01", "2019-12-31"), ("2", "1900-01-01", None)]),
        [f"{person_id(0)};1;2020-01-01;2020-01-01;"],
        "row 1",
    ),
    "wrong-type": _one(
        "BAD",
        metadata("ACCUMULATED", "LONG"),
        [f"{person_id(0)};12a;2020-01-01;2020-12-31;"],
        "row 1",
    ),
    "empty-file": _one("BAD", metadata(), [], "row"),
    "not-utf8": _one(
        "BAD",
        metadata(),
        f"{person_id(0)};1;;;\n{person_id(1)};\xe6;;;\n".encode("latin-1"),
        "row 2",
    ),
    "unknown-field": _one("BAD", {**metadata(), "colour": "blue"}, sex_lines(3), "colour"),
    "missing-field": _one(
        "BAD",
        {k: v for k, v in metadata().items() if k != "temporalityType"},
        sex_lines(3),
        "temporalityType",
    ),
    "invalid-name": _one("BAD-NAME", metadata(), sex_lines(3), "BAD-NAME"),
    "short-identifier": _one("BAD", metadata(), [f"{person_id(0)};1;;;", "123;2;;;"], "row 2"),
    "letters-as-identifier": _one("BAD", metadata(), ["ABCDEFGHIJK;1;;;"], "row 1"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_extract_is_refused_and_changes_nothing(
    case: str, released_ctx: Context, tmp_path: Path
) -> None:
    path, file, where = CASES[case](tmp_path)
    before = _state(released_ctx)
    result = CliRunner().invoke(main, ["ingest", str(path)], env=_env(released_ctx))
    assert result.exit_code == 1, result.output
    message = result.output
    assert "Traceback" not in message
    assert file in message or file.removesuffix(".csv") in message, message
    assert where.split()[0] in message, message
    assert _state(released_ctx) == before


def test_problem_list_is_capped_with_total(released_ctx: Context, tmp_path: Path) -> None:
    reg = write_register(tmp_path / "reg")
    write_dataset(reg, "BAD", metadata(), [f"{person_id(i)};7;;;" for i in range(200)])
    env = {**_env(released_ctx), "REGCAT_MAX_PROBLEMS": "50"}
    result = CliRunner().invoke(main, ["ingest", str(reg), "--json"], env=env)
    assert result.exit_code == 1
    assert "200" in result.output


def test_problem_messages_default_to_bokmaal(released_ctx: Context, tmp_path: Path) -> None:
    path, _, _ = CASES["start-after-stop"](tmp_path)
    env = {k: v for k, v in _env(released_ctx).items() if k != "REGCAT_LANGUAGE"}
    result = CliRunner().invoke(main, ["ingest", str(path)], env=env)
    assert result.exit_code == 1
    assert "Feil" in result.output and "rad" in result.output.lower()


def test_release_while_another_release_runs_is_refused(
    released_ctx: Context, tmp_path: Path
) -> None:
    from datetime import timedelta

    from catalogue.storage.catalogue_store import acquire_lock, release_lock

    reg = write_register(tmp_path / "reg")
    write_dataset(reg, "TEST_NY", metadata(), sex_lines(20))
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(reg)], env=_env(released_ctx)).exit_code == 0
    before = _state(released_ctx)
    acquire_lock(released_ctx.db, "release:no.regcat.demo", "another steward", timedelta(hours=1))
    try:
        result = runner.invoke(main, ["release", "--description", "x"], env=_env(released_ctx))
    finally:
        release_lock(released_ctx.db, "release:no.regcat.demo")
    assert result.exit_code == 1
    assert "release-in-progress" in result.output and "another steward" in result.output
    assert _state(released_ctx) == before
    ok = runner.invoke(main, ["release", "--description", "x", "--json"], env=_env(released_ctx))
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["version"] == "1.1.0.0"
