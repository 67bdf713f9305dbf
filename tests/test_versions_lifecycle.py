"""Versions per docs/ARCHITECTURE.md §3: ADD / CHANGE / PATCH_METADATA / REMOVE, bump rules,
immutability."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from catalogue.domain.errors import RegcatError
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import released_datasets
from catalogue.services.releasing import (
    discard_draft,
    list_versions,
    release_draft,
    show_draft,
    stage_removal,
)
from catalogue.services.verifying import verify
from ingest.testing import person_id
from tests.extracts import metadata, sex_lines, write_dataset, write_register


def _file_hashes(ctx: Context, version: str) -> dict[str, str]:
    out = {}
    for ds in released_datasets(ctx, version=version):
        for f in ds.files:
            with ctx.files.filesystem.open_input_stream(f.path) as stream:
                out[f.path] = hashlib.sha256(stream.read()).hexdigest()
    return out


def _register(tmp_path: Path) -> Path:
    reg = write_register(tmp_path / "reg")
    write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(50))
    write_dataset(
        reg,
        "TEST_INNTEKT",
        metadata("ACCUMULATED", "LONG", label="Inntekt"),
        [f"{person_id(i)};{1000 * i};2020-01-01;2020-12-31;" for i in range(50)],
    )
    return reg


def test_lifecycle_bumps_and_keeps_old_versions_readable(any_ctx: Context, tmp_path: Path) -> None:
    ctx = any_ctx
    reg = _register(tmp_path)
    staged = ingest_extract(ctx, reg)
    assert {d.name: d.operation for d in staged.datasets} == {
        "TEST_INNTEKT": "ADD",
        "TEST_KJOENN": "ADD",
    }
    assert show_draft(ctx).next_version == "1.0.0.0"
    first = release_draft(ctx, "First release")
    assert first.version == "1.0.0.0"
    before = _file_hashes(ctx, "1.0.0.0")
    table_before = pq.read_table(released_datasets(ctx, version="1.0.0.0")[1].files[0].path)

    # metadata-only patch -> PATCH
    doc = metadata(label="Kjønn (rettet)")
    write_dataset(reg, "TEST_KJOENN", doc, sex_lines(50))
    staged = ingest_extract(ctx, reg, note="Rettet etikett")
    assert {d.name: d.operation for d in staged.datasets} == {
        "TEST_INNTEKT": "UNCHANGED",
        "TEST_KJOENN": "PATCH_METADATA",
    }
    assert release_draft(ctx, "Label fix").version == "1.0.1.0"

    # an added dataset -> MINOR
    write_dataset(
        reg,
        "TEST_SIVSTAND",
        metadata("EVENT", label="Sivilstand"),
        [f"{person_id(i)};1;2000-01-01;;" for i in range(20)],
    )
    staged = ingest_extract(ctx, reg)
    assert [d.operation for d in staged.datasets if d.name == "TEST_SIVSTAND"] == ["ADD"]
    assert release_draft(ctx, "New variable").version == "1.1.0.0"

    # changed data -> MAJOR
    write_dataset(reg, "TEST_KJOENN", doc, sex_lines(60))
    ingest_extract(ctx, reg)
    assert release_draft(ctx, "More persons").version == "2.0.0.0"

    # removal -> MAJOR
    stage_removal(ctx, "TEST_SIVSTAND", note="Utgår")
    v3 = release_draft(ctx, "Retire marital status")
    assert v3.version == "3.0.0.0"
    assert [(c.dataset, c.operation) for c in v3.changes] == [("TEST_SIVSTAND", "REMOVE")]

    # 1.0.0.0 is unchanged, byte for byte, and still fully readable
    assert _file_hashes(ctx, "1.0.0.0") == before
    table_after = pq.read_table(released_datasets(ctx, version="1.0.0.0")[1].files[0].path)
    assert table_after.equals(table_before)
    labels = {
        d.metadata.name: d.metadata.label[0].value
        for d in released_datasets(ctx, version="1.0.0.0")
    }
    assert labels["TEST_KJOENN"] == "Kjønn"
    assert {d.metadata.name for d in released_datasets(ctx)} == {"TEST_INNTEKT", "TEST_KJOENN"}

    history = list_versions(ctx)
    assert [v.version for v in history] == ["3.0.0.0", "2.0.0.0", "1.1.0.0", "1.0.1.0", "1.0.0.0"]
    patch = next(v for v in history if v.version == "1.0.1.0")
    assert [(c.dataset, c.operation, c.note) for c in patch.changes] == [
        ("TEST_KJOENN", "PATCH_METADATA", "Rettet etikett")
    ]
    assert verify(ctx).ok


def test_release_refuses_a_draft_that_changed_since_it_was_seen(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    reg = _register(tmp_path)
    ingest_extract(sqlite_ctx, reg)
    seen = show_draft(sqlite_ctx).draft
    write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(70))
    ingest_extract(sqlite_ctx, reg)
    with pytest.raises(RegcatError) as e:
        release_draft(sqlite_ctx, "release", expected_draft=seen)
    assert e.value.code == "draft-changed"
    assert e.value.http_status == 409
    assert list_versions(sqlite_ctx) == []
    current = show_draft(sqlite_ctx).draft
    assert release_draft(sqlite_ctx, "release", expected_draft=current).version == "1.0.0.0"


def test_empty_draft_and_missing_description_are_refused(sqlite_ctx: Context) -> None:
    with pytest.raises(RegcatError) as e:
        release_draft(sqlite_ctx, "Nothing")
    assert e.value.code == "empty-draft"
    with pytest.raises(RegcatError) as e:
        release_draft(sqlite_ctx, "  ")
    assert e.value.code == "missing-description"


def test_discard_and_reingest_identical_data_is_a_no_op(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    reg = _register(tmp_path)
    ingest_extract(sqlite_ctx, reg)
    release_draft(sqlite_ctx, "first")
    again = ingest_extract(sqlite_ctx, reg)
    assert {d.operation for d in again.datasets} == {"UNCHANGED"}
    assert show_draft(sqlite_ctx).operations == []
    write_dataset(reg, "TEST_KJOENN", metadata(), sex_lines(80))
    ingest_extract(sqlite_ctx, reg)
    assert [o.operation for o in show_draft(sqlite_ctx).operations] == ["CHANGE"]
    assert discard_draft(sqlite_ctx).operations == []


def test_patch_that_changes_codes_or_temporality_is_refused(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    reg = _register(tmp_path)
    ingest_extract(sqlite_ctx, reg)
    release_draft(sqlite_ctx, "first")
    draft_before = show_draft(sqlite_ctx)
    for doc in (
        metadata(
            codes=[("1", "1900-01-01", None), ("2", "1900-01-01", None), ("3", "2000-01-01", None)]
        ),
        metadata(temporality="EVENT"),
    ):
        write_dataset(reg, "TEST_KJOENN", doc, sex_lines(50))
        with pytest.raises(RegcatError) as e:
            ingest_extract(sqlite_ctx, reg)
        assert e.value.code == "extract-invalid"
        text = json.dumps(e.value.details)
        assert "patch-changes-structure" in text
        assert show_draft(sqlite_ctx) == draft_before


def test_warnings_reach_the_steward(sqlite_ctx: Context, tmp_path: Path) -> None:
    reg = write_register(tmp_path / "reg")
    write_dataset(
        reg, "TEST_KJOENN", metadata(), [f"{person_id(i)};1;;2020-01-01;" for i in range(12)]
    )
    outcome = ingest_extract(sqlite_ctx, reg)
    [staged] = outcome.datasets
    assert staged.operation == "ADD"
    assert {w["code"] for w in staged.warnings} == {"fixed-stop-ignored"}
    assert all(w["severity"] == "warning" and w["nb"] and w["en"] for w in staged.warnings)
