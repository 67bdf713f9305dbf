"""Killing an ingest halfway leaves nothing half-written visible; it can simply be rerun.
Tampered files are caught by `regcat verify`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import released_datasets
from catalogue.services.releasing import list_versions, release_draft, show_draft
from catalogue.services.verifying import verify
from cli import main
from ingest.testing import person_id
from tests.extracts import metadata, write_register


def _big_extract(base: Path, rows: int) -> Path:
    reg = write_register(base / "reg")
    folder = reg / "TEST_STOR"
    folder.mkdir(parents=True)
    (folder / "TEST_STOR.json").write_text(
        __import__("json").dumps(metadata("ACCUMULATED", "LONG", label="Stor")), encoding="utf-8"
    )
    persons = [person_id(i) for i in range(100_000)]
    with (folder / "TEST_STOR.csv").open("w") as f:
        for year in range(2000, 2000 + rows // 100_000 + 1):
            f.writelines(
                f"{person};{i % 997};{year}-01-01;{year}-12-31;\n"
                for i, person in enumerate(persons)
            )
    return reg


def test_killed_ingest_leaves_no_trace_and_can_be_rerun(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    reg = _big_extract(tmp_path, 1_500_000)
    env = {
        **os.environ,
        "REGCAT_HOME": str(sqlite_ctx.config.home),
        "REGCAT_USER": "killer",
        "REGCAT_BATCH_ROWS": "50000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(reg)],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = Path(sqlite_ctx.files.root) / "no.regcat.demo" / "staging"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(staging.rglob("*.parquet")):
        time.sleep(0.05)
    assert any(staging.rglob("*.parquet")), "the ingest never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert show_draft(sqlite_ctx).operations == []
    assert list_versions(sqlite_ctx) == []
    assert not (Path(sqlite_ctx.files.root) / "no.regcat.demo" / "revisions").exists()

    # Run it again: the leftover staging folder is invisible and does not get in the way.
    outcome = ingest_extract(sqlite_ctx, reg)
    assert [d.operation for d in outcome.datasets] == ["ADD"]
    assert outcome.datasets[0].rows == 1_600_000
    assert release_draft(sqlite_ctx, "after the crash").version == "1.0.0.0"
    assert verify(sqlite_ctx).ok


def test_verify_detects_a_changed_file(released_ctx: Context) -> None:
    assert verify(released_ctx).ok
    target = released_datasets(released_ctx)[0].files[0].path
    data = bytearray(Path(target).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(target).write_bytes(bytes(data))
    outcome = verify(released_ctx)
    assert not outcome.ok
    assert [p.code for p in outcome.problems] == ["file-checksum-mismatch"]
    env = {"REGCAT_HOME": str(released_ctx.config.home), "REGCAT_LANGUAGE": "en"}
    result = CliRunner().invoke(main, ["verify"], env=env)
    assert result.exit_code == 1
    assert "file-checksum-mismatch" in result.output


def test_verify_detects_a_missing_and_a_stray_file(released_ctx: Context) -> None:
    files = released_datasets(released_ctx)[0].files
    Path(files[0].path).rename(Path(files[0].path).with_name("moved.parquet"))
    codes = sorted(p.code for p in verify(released_ctx).problems)
    assert codes == ["file-missing", "file-unexpected"]
