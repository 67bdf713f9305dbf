"""`regcat --help` and `regcat version` start without loading the heavy libraries (issue 12
defect 11: every command took about 4 s to start). Checked by what a fresh interpreter has
imported, not by timing; bench/cli_startup.py measures the time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("duckdb", "pyarrow", "rdflib", "tantivy", "flask", "sqlalchemy", "numpy", "scipy")

PROBE = """
import json, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["regcat", *args]
from cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def loaded_by(*args: str, home: Path | None = None) -> tuple[str, list[str]]:
    env = {"PATH": "/usr/bin:/bin", "REGCAT_LANGUAGE": "en"}
    if home:
        env["REGCAT_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [("--help",), ("accounts", "--help"), ("export", "dcat", "--help"), ("version",)],
    ids=" ".join,
)
def test_help_and_version_import_no_heavy_library(args: tuple[str, ...]) -> None:
    output, heavy = loaded_by(*args)
    assert output.strip(), "the command printed nothing"
    assert heavy == [], f"`regcat {' '.join(args)}` imported {heavy}"


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    """The check above can fail: a command that opens the catalogue loads SQLAlchemy."""
    output, heavy = loaded_by("versions", home=tmp_path / "home")
    assert "sqlalchemy" in heavy, output


def test_reading_commands_load_neither_the_analysis_engine_nor_the_index(
    tmp_path: Path,
) -> None:
    """`regcat versions` and `draft` need the database, not DuckDB, tantivy or scipy
    (the release itself builds the index and the units' keys, and imports them then)."""
    home = tmp_path / "home"
    init_output, _ = loaded_by("init", home=home)
    assert "no.regcat.demo" in init_output
    for command in ("versions", "draft"):
        output, heavy = loaded_by(command, home=home)
        assert output.strip(), command
        assert "sqlalchemy" in heavy  # it did read the catalogue
        assert not {"duckdb", "tantivy", "scipy", "rdflib", "flask"} & set(heavy), (
            command,
            heavy,
        )
