"""A setting the operator got wrong is reported in one line with exit code 1, never as a
traceback (issue 14): the catalogue is opened inside the CLI's error handler, and storage
turns the driver's or file system's complaint into a RegcatError naming the setting.

Run in a real subprocess, the way an operator meets it: what counts is what reaches the
terminal and the exit code, which click's test runner would hide behind its own capture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def regcat(home: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGCAT_")}
    env.update(
        {"REGCAT_HOME": str(home), **{f"REGCAT_{k.upper()}": v for k, v in settings.items()}}
    )
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], code: str, *words: str) -> str:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"({code})" in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    ("url", "code", "reason"),
    [
        ("nosuchdriver://somewhere/db", "database-url-unusable", "nosuchdriver"),
        ("not a url at all", "database-url-unusable", "parse"),
        (
            "postgresql+psycopg://kari:hemmelig@127.0.0.1:1/catalogue",
            "database-unreachable",
            "refused",
        ),
    ],
    ids=["unknown-driver", "not-a-url", "nothing-listening"],
)
def test_a_bad_database_url_is_one_line_and_exit_1(
    tmp_path: Path, url: str, code: str, reason: str
) -> None:
    english = regcat(tmp_path, "--lang", "en", "versions", database_url=url)
    line = assert_one_line(english, code, "REGCAT_DATABASE_URL", reason, "Error")
    assert "hemmelig" not in line  # the password is never printed
    bokmål = regcat(tmp_path, "versions", database_url=url)
    assert_one_line(bokmål, code, "REGCAT_DATABASE_URL", "Feil")
    assert bokmål.stderr != english.stderr


def test_a_database_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = regcat(
        tmp_path, "--lang", "en", "init", database_url=f"sqlite:///{blocker}/inside/catalogue.db"
    )
    assert_one_line(done, "database-url-unusable", "REGCAT_DATABASE_URL", str(blocker))


@pytest.mark.parametrize(
    "root", ["nosuchfs://bucket/prefix", "{blocker}/inside"], ids=["unknown-scheme", "under-a-file"]
)
def test_a_bad_datastore_root_is_one_line_and_exit_1(tmp_path: Path, root: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    root = root.format(blocker=blocker)
    english = regcat(tmp_path / "home", "--lang", "en", "init", datastore_root=root)
    assert_one_line(english, "datastore-root-unusable", "REGCAT_DATASTORE_ROOT", root, "Error")
    bokmål = regcat(tmp_path / "home", "init", datastore_root=root)
    assert_one_line(bokmål, "datastore-root-unusable", "REGCAT_DATASTORE_ROOT", root, "Feil")


def test_good_settings_still_work_in_a_subprocess(tmp_path: Path) -> None:
    """The checks above could pass if every command failed; this one opens for real."""
    done = regcat(tmp_path, "--lang", "en", "init")
    assert done.returncode == 0, done.stderr
    assert regcat(tmp_path, "--lang", "en", "versions").returncode == 0


@pytest.mark.parametrize(
    ("setting", "value"), [("port", "eighty"), ("language", "de"), ("batch_rows", "-1")]
)
def test_a_setting_of_the_wrong_type_is_one_line_and_exit_1(
    tmp_path: Path, setting: str, value: str
) -> None:
    variable = f"REGCAT_{setting.upper()}"
    english = regcat(tmp_path, "--lang", "en", "version", **{setting: value})
    assert_one_line(english, "setting-invalid", variable, value, "Error")
    bokmål = regcat(tmp_path, "--lang", "nb", "version", **{setting: value})
    assert_one_line(bokmål, "setting-invalid", variable, value, "Feil")
