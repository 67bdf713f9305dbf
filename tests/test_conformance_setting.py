"""The REGCAT_CONFORMANCE_DIR setting: conformance tests find the official shapes and
schemas through it, skip with a reason naming it when they are absent, and fail instead
under REGCAT_REQUIRE_ALL=1. Checked by running pytest itself in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance import DEFAULT, SETTING, conformance_dir
from tests.conftest import REPO

# One SHACL test and one XSD test: each opens a different conformance file.
TARGETS = (
    "tests/test_export_support.py::test_dcat_ap_no_examples_pass_the_harness",
    "tests/test_export_ddi.py::test_one_variable_codebook_validates",
)


def run_pytest(conformance: Path, require_all: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REGCAT_REQUIRE_ALL"}
    env[SETTING] = str(conformance)
    if require_all:
        env["REGCAT_REQUIRE_ALL"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider", *TARGETS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def counts(output: str) -> dict[str, int]:
    summary = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|error)", summary)}


def test_without_the_files_conformance_tests_skip_naming_the_setting(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, require_all=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts(result.stdout) == {"skipped": 3}, result.stdout
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, result.stdout
    for line in skips:
        assert SETTING in line and str(tmp_path) in line, line


def test_without_the_files_require_all_fails_them(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, require_all=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert counts(result.stdout).get("skipped", 0) == 0, result.stdout
    assert counts(result.stdout).get("failed", 0) + counts(result.stdout).get("error", 0) == 3
    assert "REGCAT_REQUIRE_ALL=1" in result.stdout and SETTING in result.stdout


def test_the_setting_names_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SETTING, raising=False)
    assert conformance_dir() == DEFAULT == REPO.parent / "shared" / "conformance"
    monkeypatch.setenv(SETTING, str(tmp_path))
    assert conformance_dir() == tmp_path.resolve()


def test_no_test_opens_a_conformance_file_on_its_own() -> None:
    """Every conformance check goes through tests/conformance.py, so the setting covers
    them all."""
    for module in sorted((REPO / "tests").glob("*.py")):
        if module.name in {"conformance.py", Path(__file__).name, "test_docs_links.py"}:
            continue
        text = module.read_text(encoding="utf-8")
        for own_path in ('"shared"', "../shared", '"conformance"'):
            assert own_path not in text, f"{module.name} builds its own path with {own_path}"
