"""Appending a month (docs/MONTHLY.md §4): a steward ingests only the new month with
--append; the release is MINOR, keeps every released file where it is, byte for byte,
writes only the new month's files, and reads as the whole series. A month that does not
begin after the released data is refused, and nothing changes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from catalogue.domain.errors import RegcatError
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import released_datasets
from catalogue.services.releasing import release_draft, show_draft
from catalogue.services.verifying import verify
from cli import main
from tests.conftest import SAMPLES

NAME = "AORD_LOENN_MND"


def extract(tmp: Path, label: str, months: set[str]) -> Path:
    """The sample register with only NAME, and only the rows of the given months."""
    folder = tmp / label / "aordningen"
    (folder / NAME).mkdir(parents=True)
    shutil.copy(SAMPLES / "aordningen" / "register.json", folder)
    shutil.copy(SAMPLES / "aordningen" / NAME / f"{NAME}.json", folder / NAME)
    with open(SAMPLES / "aordningen" / NAME / f"{NAME}.csv", encoding="utf-8") as source:
        kept = [line for line in source if line.split(";")[2][:7] in months]
    (folder / NAME / f"{NAME}.csv").write_text("".join(kept), encoding="utf-8")
    return folder


def files_under(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def months(first: int, last: int) -> set[str]:
    return {f"2025-{m:02d}" for m in range(first, last + 1)}


def released_months(ctx: Context, tmp_path: Path, last: int, description: str) -> None:
    """Months 1 to `last` of 2025, the first extract, ingested and released."""
    ingest_extract(ctx, extract(tmp_path, "first", months(1, last)))
    release_draft(ctx, description)


def test_an_appended_month_is_a_minor_release_that_writes_only_new_files(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    released_months(ctx, tmp_path, 10, "Januar-oktober 2025")
    root = ctx.config.home / "datastores"
    before = files_under(root)
    first = {d.metadata.name: d for d in released_datasets(ctx)}[NAME]

    outcome = ingest_extract(ctx, extract(tmp_path, "nov", months(11, 11)), append=True)
    assert [(d.name, d.operation) for d in outcome.datasets] == [(NAME, "APPEND")]
    assert show_draft(ctx).next_version == "1.1.0.0"
    assert release_draft(ctx, "November 2025").version == "1.1.0.0"

    after = files_under(root)
    assert {k: after[k] for k in before} == before  # nothing released was rewritten
    new = sorted(set(after) - set(before))
    assert new and len({p.rsplit("/", 2)[0] for p in new}) == 1  # one new folder
    assert all("start_year=2025" in p for p in new)

    (appended,) = (d for d in released_datasets(ctx) if d.metadata.name == NAME)
    assert appended.version == "1.1.0.0"
    assert set(first.files) < set(appended.files)  # the same files, by path and checksum
    rows = pq.read_table([f.path for f in appended.files], columns=["start"]).column("start")
    assert (
        len(rows)
        == appended.row_count
        == first.row_count + sum(f.rows for f in appended.files if f not in first.files)
    )
    assert {d.month for d in rows.to_pylist()} == set(range(1, 12))
    assert first.unit_count <= appended.unit_count
    # The earlier version reads as it did.
    (again,) = (d for d in released_datasets(ctx, version="1.0.0.0") if d.metadata.name == NAME)
    assert again.files == first.files
    assert verify(ctx).problems == []

    # A second append builds on the first: its revision names the files of both.
    ingest_extract(ctx, extract(tmp_path, "dec", months(12, 12)), append=True)
    assert release_draft(ctx, "Desember 2025").version == "1.2.0.0"
    (last,) = (d for d in released_datasets(ctx) if d.metadata.name == NAME)
    assert set(appended.files) < set(last.files)
    assert verify(ctx).problems == []


def test_two_months_appended_before_a_release_are_both_kept(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    released_months(ctx, tmp_path, 9, "Januar-september 2025")
    ingest_extract(ctx, extract(tmp_path, "oct", months(10, 10)), append=True)
    ingest_extract(ctx, extract(tmp_path, "nov", months(11, 11)), append=True)
    assert release_draft(ctx, "Oktober og november 2025").version == "1.1.0.0"
    (both,) = (d for d in released_datasets(ctx) if d.metadata.name == NAME)
    starts = pq.read_table([f.path for f in both.files], columns=["start"]).column("start")
    assert {d.month for d in starts.to_pylist()} == set(range(1, 12))
    assert len(starts) == both.row_count
    # The same month again, now that it is released, is refused.
    with pytest.raises(RegcatError):
        ingest_extract(ctx, extract(tmp_path, "nov-again", months(11, 11)), append=True)
    assert verify(ctx).problems == []


def test_a_month_that_overlaps_the_released_data_is_refused_and_nothing_changes(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    released_months(ctx, tmp_path, 10, "Januar-oktober 2025")
    draft = show_draft(ctx)
    root = ctx.config.home / "datastores"
    before = files_under(root)
    with pytest.raises(RegcatError) as caught:
        ingest_extract(ctx, extract(tmp_path, "again", months(10, 11)), append=True)
    assert caught.value.code == "extract-invalid"
    codes = {p["code"] for r in caught.value.details["reports"] for p in r["problems"]}
    assert codes == {"append-overlaps-released"}
    assert show_draft(ctx) == draft and files_under(root) == before


def test_the_cli_appends_with_a_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    monkeypatch.setenv("REGCAT_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    first = extract(tmp_path, "first", months(1, 11))
    assert runner.invoke(main, ["ingest", str(first)]).exit_code == 0
    assert runner.invoke(main, ["release", "--description", "2025"]).exit_code == 0
    dec = extract(tmp_path, "dec", months(12, 12))
    staged = runner.invoke(main, ["ingest", str(dec), "--append", "--json"])
    assert staged.exit_code == 0, staged.output
    assert json.loads(staged.output)["datasets"][0]["operation"] == "APPEND"


def test_a_staged_month_changed_before_the_release_is_caught(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    """Files kept from the released revision are not hashed again at release; files kept
    from a month appended earlier in the same draft are."""
    ctx = sqlite_ctx
    released_months(ctx, tmp_path, 9, "Januar-september 2025")
    root = ctx.config.home / "datastores"
    before = set(files_under(root))
    ingest_extract(ctx, extract(tmp_path, "oct", months(10, 10)), append=True)
    (october,) = (root / p for p in set(files_under(root)) - before)
    ingest_extract(ctx, extract(tmp_path, "nov", months(11, 11)), append=True)
    october.write_bytes(october.read_bytes() + b"\0")
    with pytest.raises(RegcatError) as caught:
        release_draft(ctx, "Oktober og november 2025")
    assert caught.value.code == "checksum-mismatch"


def test_a_release_s_file_lists_read_at_once_are_each_revision_s_own(
    any_ctx: Context, tmp_path: Path
) -> None:
    """released_datasets reads every dataset's files in one walk (version_files): the same
    lists, in the same order, as revision_files gives one revision at a time, for a series
    of three months (a chain of revisions) beside datasets of one revision, in every
    version."""
    from catalogue.storage.catalogue_store import CatalogueStore

    ctx = any_ctx
    ingest_extract(ctx, extract(tmp_path, "first", months(1, 10)))
    ingest_extract(ctx, SAMPLES / "folkeregisteret")
    release_draft(ctx, "Januar-oktober 2025")
    ingest_extract(ctx, extract(tmp_path, "nov", months(11, 11)), append=True)
    release_draft(ctx, "November 2025")
    ingest_extract(ctx, extract(tmp_path, "dec", months(12, 12)), append=True)
    release_draft(ctx, "Desember 2025")
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        (datastore,) = store.datastores()
        versions = store.versions(datastore.id)
        assert len(versions) == 3
        chained = 0
        for version in versions:
            revisions = store.version_revisions(version.id)
            assert len(revisions) > 1
            at_once = store.version_files(version.id)
            one_by_one = {r.id: store.revision_files(r.id) for r in revisions.values()}
            assert at_once == {rid: files for rid, files in one_by_one.items() if files}
            chained += any(".." in f.path for files in at_once.values() for f in files)
        assert chained == 2  # the appended months' revisions name their parents' files
