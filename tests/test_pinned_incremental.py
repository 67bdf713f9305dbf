"""A version's files are read as the difference from the version read before it
(services/reading.py, docs/MONTHLY.md §4): an appended month's revision reads its own rows
and takes the rest from the version before. The full read (store.version_files, every
row of every revision's chain) stays the reference: after each release of a sequence
(first months, appended months, two months in one draft, a new dataset, a replaced
dataset, a second datastore between them) every version reads the same files, field for
field and in the same order (analyses read files in that order; unit keys are numbered in
file order), as the full read and as a process that reads it first."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import DataFile, released_datasets
from catalogue.services.releasing import release_draft
from catalogue.services.setup import initialise, resolve_datastore
from catalogue.services.workspaces import pinned_version
from catalogue.storage.catalogue_store import CatalogueStore
from tests.conftest import SAMPLES

LOENN, SEKTOR = "AORD_LOENN_MND", "AORD_SEKTOR"
SECOND = "no.example.second"


def extract(tmp: Path, label: str, months: dict[str, range]) -> Path:
    """The sample a-ordning register with only the given datasets, each with only the rows
    of its months (1 = 2019-01)."""
    folder = tmp / label / "aordningen"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "aordningen" / "register.json", folder)
    for name, wanted in months.items():
        (folder / name).mkdir()
        shutil.copy(SAMPLES / "aordningen" / name / f"{name}.json", folder / name)
        kept = {f"2019-{m:02d}" for m in wanted}
        with open(SAMPLES / "aordningen" / name / f"{name}.csv", encoding="utf-8") as source:
            lines = [line for line in source if line.split(";")[2][:7] in kept]
        (folder / name / f"{name}.csv").write_text("".join(lines), encoding="utf-8")
    return folder


def full_read(ctx: Context, datastore: str, version: str) -> dict[str, tuple[DataFile, ...]]:
    """Every dataset's files from store.version_files (the walk of every revision's whole
    chain), as released_datasets gave them before it read differences."""
    major, minor, patch, _ = (int(p) for p in version.split("."))
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        row = store.version(resolve_datastore(store, datastore).id, major, minor, patch)
        assert row is not None
        files_of = store.version_files(row.id)
        return {
            name: tuple(
                DataFile(ctx.files.path(r.files_path, f.path), f.sha256, f.size_bytes, f.row_count)
                for f in files_of.get(r.id, [])
            )
            for name, r in store.version_revisions(row.id).items()
        }


def read(ctx: Context, datastore: str, version: str) -> dict[str, Any]:
    return {
        d.metadata.name: (d.files, d.row_count, d.unit_count, d.metadata)
        for d in released_datasets(ctx, datastore, version)
    }


def test_incremental_file_lists_equal_the_full_read(any_ctx: Context, tmp_path: Path) -> None:
    ctx = any_ctx
    main = ctx.config.default_datastore
    initialise(ctx, [main, SECOND])
    released: dict[str, list[str]] = {main: [], SECOND: []}
    steps: list[tuple[str, list[tuple[dict[str, range], bool]]]] = [
        (main, [({LOENN: range(1, 3)}, False)]),  # the first months
        (SECOND, [({LOENN: range(1, 2)}, False)]),  # another datastore, in between
        (main, [({LOENN: range(3, 4)}, True)]),  # an appended month
        (main, [({LOENN: range(4, 5)}, True), ({LOENN: range(5, 6)}, True)]),  # two, one draft
        (SECOND, [({LOENN: range(2, 3)}, True)]),
        (main, [({SEKTOR: range(1, 6)}, False)]),  # a new dataset
        (main, [({SEKTOR: range(6, 7)}, True), ({LOENN: range(6, 7)}, True)]),  # both append
        (main, [({LOENN: range(1, 8)}, False)]),  # the series replaced: no parent
        (main, [({LOENN: range(8, 9)}, True)]),  # and appended to again
    ]
    for number, (datastore, ingests) in enumerate(steps):
        for part, (months, append) in enumerate(ingests):
            folder = extract(tmp_path, f"s{number}-{part}", months)
            ingest_extract(ctx, folder, datastore=datastore, append=append)
        view = release_draft(ctx, f"step {number}", datastore=datastore)
        released[datastore].append(view.version)
        # The latest version as the release read it (warming the units' keys), then every
        # version of both datastores, newest first and oldest first.
        for name, versions in released.items():
            for version in [*reversed(versions), *versions]:
                reference = full_read(ctx, name, version)
                got = read(ctx, name, version)
                assert {n: v[0] for n, v in got.items()} == reference, (number, name, version)
        latest = pinned_version(ctx, datastore, None)
        assert latest.version == view.version
        assert {n: d.paths for n, d in latest.datasets.items()} == {
            n: tuple(f.path for f in files)
            for n, files in full_read(ctx, datastore, view.version).items()
        }
    # A file per release of the series (the first months in one), then the replaced
    # series' one file and the month appended to it.
    counts = [len(full_read(ctx, main, v).get(LOENN, ())) for v in released[main]]
    assert counts == [1, 2, 4, 4, 5, 1, 2]
    # A process that reads the versions first (nothing kept) reads the same, fields too.
    with Context.open(ctx.config) as fresh:
        for name, versions in released.items():
            for version in versions:
                assert read(fresh, name, version) == read(ctx, name, version)
