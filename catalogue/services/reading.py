"""Read-only views of released versions, for pages, exports and analysis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from catalogue.domain.errors import not_found
from catalogue.domain.register import Register
from catalogue.domain.variable import VariableMetadata
from catalogue.domain.version import VersionNumber
from catalogue.services.context import Context
from catalogue.services.setup import datastore_transaction, named_datastore, require_initialised
from catalogue.storage.catalogue_store import (
    CatalogueStore,
    ChainFile,
    RevisionOutline,
    StoredVersion,
    files_seen_from,
)
from schemas.metadata import load_variable_metadata
from schemas.register import load_register


@dataclass(frozen=True)
class DataFile:
    path: str  # path inside the datastore file system
    sha256: str
    size_bytes: int
    rows: int


@dataclass(frozen=True)
class ReleasedDataset:
    datastore: str
    version: str
    metadata: VariableMetadata
    files: tuple[DataFile, ...]
    row_count: int
    unit_count: int


@dataclass(frozen=True)
class DatastoreSummary:
    name: str
    latest_version: str | None
    versions: tuple[str, ...]
    dataset_count: int


def datastore_summaries(ctx: Context) -> list[DatastoreSummary]:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        out = []
        for ds in store.datastores():
            versions = store.versions(ds.id)
            out.append(
                DatastoreSummary(
                    ds.name,
                    _label(versions[0]) if versions else None,
                    tuple(_label(v) for v in versions),
                    len(store.version_revisions(versions[0].id)) if versions else 0,
                )
            )
        return out


def released_datasets(
    ctx: Context, datastore: str | None = None, version: str | None = None
) -> list[ReleasedDataset]:
    """Every dataset of a released version (the latest when `version` is None)."""
    name = named_datastore(ctx, datastore)
    with datastore_transaction(ctx, name) as (store, ds):
        row = _find_version(store, ds.id, name, version)
        out = []
        rows_of = _version_files(ctx, store, name, row.id)
        for dataset, revision in store.version_revisions(row.id).items():
            files = tuple(
                DataFile(
                    ctx.files.path(revision.files_path, f.path), f.sha256, f.size_bytes, f.row_count
                )
                for f in files_seen_from(revision.files_path, rows_of.get(revision.id, ()))
            )
            out.append(
                ReleasedDataset(
                    name,
                    _label(row),
                    load_variable_metadata(revision.metadata_doc, dataset),
                    files,
                    revision.row_count,
                    revision.unit_count,
                )
            )
        return out


@dataclass(frozen=True)
class KnownFiles:
    """The file rows of every revision of a released version (its chain's, as stored), kept
    per datastore in the runtime so that the next version's are read as what changed."""

    version_id: int
    rows: dict[int, tuple[ChainFile, ...]]  # by revision id


def _version_files(
    ctx: Context, store: CatalogueStore, datastore: str, version_id: int
) -> dict[int, tuple[ChainFile, ...]]:
    """The file rows of every revision of the version (store.version_files gives them seen
    from each revision's folder: the reference, tests/test_pinned_incremental.py), read as
    the difference from the newest version read before: a revision of that version is not
    read again and the walk from any other stops at one (an appended month's revision: its
    own rows only), so a release that appends a month reads that month's file rows however
    many months came before (docs/MONTHLY.md §4). The first read in a process reads every
    row, once."""
    kept = ctx.runtime.released_files
    key = (ctx.db.url, datastore)
    known = kept.get(key)
    if known is not None and known.version_id == version_id:
        return known.rows
    rows: dict[int, tuple[ChainFile, ...]] = {}
    walked = store.version_chain_files(version_id, known.version_id if known else None)
    for rid, (files, stop) in walked.items():
        rows[rid] = (*files, *known.rows[stop]) if known and stop is not None else tuple(files)
    if known is None or version_id > known.version_id:
        kept.put(key, KnownFiles(version_id, rows))
    return rows


def latest_version(ctx: Context, datastore: str | None = None) -> str:
    """The number of a datastore's latest released version: the version released_datasets
    reads when none is named (and the same error when there is none)."""
    name = named_datastore(ctx, datastore)
    with datastore_transaction(ctx, name) as (store, ds):
        return _label(_find_version(store, ds.id, name, None))


def new_files(ctx: Context, datastore: str, version: str) -> frozenset[str] | None:
    """The data files of `version` that the version before it did not have (None for the
    first release)."""
    with datastore_transaction(ctx, datastore) as (store, ds):
        ordered = sorted(store.versions(ds.id), key=lambda v: (v.major, v.minor, v.patch))
        labels = [_label(v) for v in ordered]
        if version not in labels or labels.index(version) == 0:
            return None
        previous, current = ordered[labels.index(version) - 1], ordered[labels.index(version)]
        before = store.version_revisions(previous.id)
        fresh: set[str] = set()
        for dataset, revision in store.version_revisions(current.id).items():
            earlier = before.get(dataset)
            if earlier is not None and earlier.id == revision.id:
                continue
            # An appended month: only the files its revision added since the earlier one,
            # without reading the list of every month before it (docs/MONTHLY.md §4).
            added = store.files_since(revision.id, earlier.id) if earlier else None
            if added is not None:
                fresh |= {ctx.files.path(revision.files_path, f.path) for f in added}
                continue
            paths = {
                ctx.files.path(revision.files_path, f.path)
                for f in store.revision_files(revision.id)
            }
            if earlier is not None:
                paths -= {
                    ctx.files.path(earlier.files_path, f.path)
                    for f in store.revision_files(earlier.id)
                }
            fresh |= paths
        return frozenset(fresh)


def _find_version(
    store: CatalogueStore, datastore_id: int, name: str, version: str | None
) -> StoredVersion:
    if version is None:
        row = store.latest_version(datastore_id)
    else:
        number = VersionNumber.parse(version)
        row = store.version(datastore_id, number.major, number.minor, number.patch)
    if row is None:
        raise not_found(
            "unknown-version",
            f"{name} har ingen publisert versjon {version or ''}".strip() + ".",
            f"{name} has no released version {version or ''}".strip() + ".",
            datastore=name,
            version=version,
        )
    return row


def version_label(version: StoredVersion) -> str:
    return _label(version)


def _label(version: StoredVersion) -> str:
    return f"{version.major}.{version.minor}.{version.patch}.0"


@dataclass(frozen=True)
class VariableRelease:
    """One released revision of a variable: the version it first appeared in, and the
    version that replaced or removed it (None while current)."""

    version: str
    released_at: datetime
    operation: str  # ADD, CHANGE or PATCH_METADATA
    note: str
    metadata: VariableMetadata
    row_count: int
    unit_count: int
    start_min: date | None
    stop_max: date | None
    superseded_in: str | None


@dataclass(frozen=True)
class CatalogueSnapshot:
    datastore: str
    versions: tuple[VersionSummary, ...]  # newest first
    registers: tuple[Register, ...]
    variables: dict[str, tuple[VariableRelease, ...]]  # name -> releases, oldest first
    current: frozenset[str]  # names in the latest version


@dataclass(frozen=True)
class VersionSummary:
    version: str
    released_at: datetime
    released_by: str
    description: str


def _parsed(
    parsed: dict[tuple[str, str], VariableMetadata], dataset: str, revision: RevisionOutline
) -> VariableMetadata:
    key = (dataset, revision.metadata_sha256)
    if key not in parsed:
        parsed[key] = load_variable_metadata(revision.metadata_doc, dataset)
    return parsed[key]


def catalogue_snapshot(ctx: Context, datastore: str | None = None) -> CatalogueSnapshot:
    """Everything released in a datastore, variable by variable: what search, pages and
    linked-data exports are derived from."""
    name = named_datastore(ctx, datastore)
    with datastore_transaction(ctx, name) as (store, ds):
        versions = list(reversed(store.versions(ds.id)))  # oldest first
        # Each dataset's revisions in the order they were released: (the version that
        # released it, its label, the revision, the version that superseded it). The
        # releases are made once each at the end, not made and then copied when the next
        # month supersedes them: a monthly series has a release a month.
        found: dict[str, list[list[Any]]] = {}
        previous: dict[str, int] = {}
        # Revisions that share their metadata (every month appended to a monthly dataset)
        # share one parsed copy: parsing is most of a snapshot's cost, and a snapshot is
        # built after every release.
        parsed: dict[tuple[str, str], VariableMetadata] = {}
        # Every version's revisions and changelog in a fixed number of queries, not two per
        # version: the cost of a release must not grow with the versions before it.
        all_revisions = store.datastore_version_outlines(ds.id)
        changes = {
            (version_id, change.dataset_name): change
            for version_id, entries in store.datastore_changelogs(ds.id).items()
            for change in entries
        }
        for v in versions:
            label = _label(v)
            current = all_revisions.get(v.id, {})
            for dataset in previous.keys() - current.keys():
                found[dataset][-1][3] = label  # removed in this version
            for dataset, revision in current.items():
                if previous.get(dataset) == revision.id:
                    continue
                history = found.setdefault(dataset, [])
                if history and history[-1][3] is None:
                    history[-1][3] = label
                history.append([v, label, revision, None])
            previous = {n: r.id for n, r in current.items()}
        releases: dict[str, tuple[VariableRelease, ...]] = {}
        for dataset in sorted(found):
            history_out = []
            for v, label, revision, superseded_in in found[dataset]:
                change = changes.get((v.id, dataset))
                history_out.append(
                    VariableRelease(
                        version=label,
                        released_at=v.released_at,
                        operation=change.operation if change else "ADD",
                        note=change.note if change else v.description,
                        metadata=_parsed(parsed, dataset, revision),
                        row_count=revision.row_count,
                        unit_count=revision.unit_count,
                        start_min=revision.start_min,
                        stop_max=revision.stop_max,
                        superseded_in=superseded_in,
                    )
                )
            releases[dataset] = tuple(history_out)
        return CatalogueSnapshot(
            datastore=name,
            versions=tuple(
                VersionSummary(_label(v), v.released_at, v.released_by, v.description)
                for v in reversed(versions)
            ),
            registers=tuple(load_register(m) for m in store.register_manifests(ds.id)),
            variables=releases,
            current=frozenset(previous),
        )


def latest_versions(ctx: Context) -> dict[str, VersionSummary | None]:
    """Each datastore's latest released version (None before the first release): a cheap
    check of whether views cached from released data are still current."""
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        out: dict[str, VersionSummary | None] = {}
        for ds in store.datastores():
            v = store.latest_version(ds.id)
            out[ds.name] = (
                VersionSummary(_label(v), v.released_at, v.released_by, v.description)
                if v
                else None
            )
        return out
