"""The draft, releases and the changelog (docs/ARCHITECTURE.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from catalogue.domain.enums import Operation
from catalogue.domain.errors import conflict, invalid_input, not_found, unprocessable
from catalogue.domain.version import VersionNumber, draft_version, next_release
from catalogue.services import reading
from catalogue.services.context import Context
from catalogue.services.setup import (
    datastore_transaction,
    named_datastore,
    require_initialised,
    resolve_datastore,
)
from catalogue.storage.catalogue_store import (
    CatalogueStore,
    Change,
    LockTaken,
    StoredRevision,
    StoredVersion,
    acquire_lock,
    release_lock,
)


@dataclass
class StagedOperation:
    dataset: str
    operation: str
    rows: int | None
    staged_by: str
    staged_at: datetime
    note: str


@dataclass
class DraftView:
    datastore: str
    draft: str
    based_on: str | None
    operations: list[StagedOperation]
    next_version: str | None


@dataclass
class ChangelogEntry:
    dataset: str
    operation: str
    note: str
    staged_by: str


@dataclass
class VersionView:
    datastore: str
    version: str
    description: str
    released_at: datetime
    released_by: str
    dataset_count: int
    changes: list[ChangelogEntry] = field(default_factory=list)


def show_draft(ctx: Context, datastore: str | None = None) -> DraftView:
    name = named_datastore(ctx, datastore)
    with datastore_transaction(ctx, name) as (store, ds):
        latest = store.latest_version(ds.id)
        ops = store.draft_operations(ds.id)
        operations = []
        for op in ops:
            revision = store.revision(op.revision_id) if op.revision_id else None
            operations.append(
                StagedOperation(
                    op.dataset_name,
                    op.operation,
                    revision.row_count if revision else None,
                    op.staged_by,
                    op.staged_at,
                    op.note,
                )
            )
        upcoming = (
            next_release(_number(latest), (Operation(o.operation) for o in ops)) if ops else None
        )
        return DraftView(
            name,
            str(draft_version(store.draft_number(ds.id))),
            str(_number(latest)) if latest else None,
            operations,
            str(upcoming) if upcoming else None,
        )


def stage_removal(
    ctx: Context,
    dataset: str,
    datastore: str | None = None,
    actor: str | None = None,
    note: str = "",
) -> DraftView:
    name = named_datastore(ctx, datastore)
    actor = actor or ctx.config.user
    with datastore_transaction(ctx, name) as (store, ds):
        latest = store.latest_version(ds.id)
        if latest is None or dataset not in store.version_revisions(latest.id):
            raise not_found(
                "unknown-dataset",
                f"{dataset} finnes ikke i siste versjon av {name}, så det kan ikke fjernes.",
                f"{dataset} is not in the latest version of {name}, so it cannot be removed.",
                dataset=dataset,
                datastore=name,
            )
        store.stage(ds.id, dataset, Operation.REMOVE.value, None, note, actor)
    return show_draft(ctx, name)


def discard_draft(
    ctx: Context, datastore: str | None = None, dataset: str | None = None, actor: str | None = None
) -> DraftView:
    """Drop staged operations (all, or one dataset's). Their files stay unreferenced."""
    name = named_datastore(ctx, datastore)
    with datastore_transaction(ctx, name) as (store, ds):
        if store.unstage(ds.id, dataset, actor or ctx.config.user) == 0 and dataset:
            raise not_found(
                "not-staged",
                f"Utkastet har ingen operasjon for {dataset}.",
                f"The draft has no operation for {dataset}.",
                dataset=dataset,
            )
    return show_draft(ctx, name)


def release_draft(
    ctx: Context,
    description: str,
    datastore: str | None = None,
    actor: str | None = None,
    expected_draft: str | None = None,
) -> VersionView:
    """Turn the draft into the next released version. Refused if the draft is empty, if it is
    no longer the draft the caller saw, or while another release of the datastore runs."""
    name = named_datastore(ctx, datastore)
    actor = actor or ctx.config.user
    if not description.strip():
        raise invalid_input("missing-description")
    expected = VersionNumber.parse(expected_draft) if expected_draft else None
    lock = f"release:{name}"
    try:
        acquire_lock(ctx.db, lock, actor, timedelta(seconds=ctx.config.stale_lock_seconds))
    except LockTaken as taken:
        raise conflict(
            "release-in-progress",
            f"En annen publisering av {name} pågår ({taken.holder}, prosess {taken.pid} på "
            f"{taken.host}, siden {taken.acquired_at:%Y-%m-%d %H:%M:%S} UTC). Vent til den er "
            "ferdig og prøv igjen.",
            f"Another release of {name} is running ({taken.holder}, process {taken.pid} on "
            f"{taken.host}, since {taken.acquired_at:%Y-%m-%d %H:%M:%S} UTC). Wait for it to "
            "finish and try again.",
            datastore=name,
        ) from None
    try:
        # The version the index reflects for this datastore before the release: the index
        # update derives only what the release changed since it.
        before = reading.latest_versions(ctx).get(name)
        version = _release_locked(ctx, name, description.strip(), actor, expected)
        # The index and the units' keys are derived data, made after every release.
        # Imported here: they bring tantivy and DuckDB, which reading commands
        # (`regcat versions`, `draft`) should not pay for at start.
        from catalogue.services import indexing, workspaces

        indexing.update_index(ctx, name, before.version if before else None)
        workspaces.warm_record_keys(ctx, name, only_new=True)
        return version
    finally:
        release_lock(ctx.db, lock)


def _release_locked(
    ctx: Context, name: str, description: str, actor: str, expected: VersionNumber | None
) -> VersionView:
    with datastore_transaction(ctx, name) as (store, ds):
        draft_number = store.draft_number(ds.id)
        if expected is not None and expected != draft_version(draft_number):
            raise _draft_changed(name, str(expected), str(draft_version(draft_number)))
        ops = store.draft_operations(ds.id)
        if not ops:
            raise invalid_input(
                "empty-draft",
                f"Utkastet til {name} er tomt; det er ingenting å publisere. Ta inn data med "
                "`regcat ingest` først.",
                f"The draft of {name} is empty; there is nothing to release. Ingest data with "
                "`regcat ingest` first.",
                datastore=name,
            )
        latest = store.latest_version(ds.id)
        released = store.version_revisions(latest.id) if latest else {}
        for op in ops:
            if op.revision_id is not None:
                _verify_staged_files(
                    ctx, store, op.revision_id, op.dataset_name, released.get(op.dataset_name)
                )
        datasets = (
            {n: r.id for n, r in store.version_revisions(latest.id).items()} if latest else {}
        )
        for op in ops:
            if op.operation == Operation.REMOVE.value:
                datasets.pop(op.dataset_name, None)
            else:
                assert op.revision_id is not None
                datasets[op.dataset_name] = op.revision_id
        number = next_release(_number(latest), (Operation(o.operation) for o in ops))
        version = store.create_version(
            ds.id,
            (number.major, number.minor, number.patch),
            description,
            actor,
            draft_number,
            datasets,
            [Change(o.dataset_name, o.operation, o.note or description, o.staged_by) for o in ops],
        )
        store.clear_draft(ds.id)
        if not store.claim_draft(ds.id, draft_number, actor):
            raise _draft_changed(name, str(draft_version(draft_number)), "?")
        return _version_view(store, name, version)


def _verify_staged_files(
    ctx: Context,
    store: CatalogueStore,
    revision_id: int,
    dataset: str,
    released: StoredRevision | None,
) -> None:
    revision = store.revision(revision_id)
    assert revision is not None
    # Files an APPEND keeps from the released revision were checked when that was released
    # and are never rewritten: hashing them again, or even reading their list, would make
    # appending a month cost more with every month released. Only the files its chain of
    # parents added since the released revision are checked (a month appended before it in
    # the same draft included). A revision in the released one's own folder (a
    # PATCH_METADATA) has all its files checked, as before.
    files = None
    if released is not None and released.files_path != revision.files_path:
        files = store.files_since(revision_id, released.id)
    checked: set[str] = set()
    if files is None:
        files = store.revision_files(revision_id)
        if released is not None:  # a revision stored before parents (migration 0009)
            checked = {
                ctx.files.path(released.files_path, f.path)
                for f in store.revision_files(released.id)
            }
    for f in files:
        relative = f"{revision.files_path}/{f.path}"
        if f.path.startswith("../") and ctx.files.path(relative) in checked:
            continue
        if not ctx.files.exists(relative) or ctx.files.sha256(relative) != f.sha256:
            raise unprocessable(
                "checksum-mismatch",
                f"Filen {relative} for {dataset} mangler eller er endret siden den ble tatt inn. "
                "Ta inn datasettet på nytt før publisering.",
                f"The file {relative} of {dataset} is missing or has changed since it was "
                "ingested. Ingest the dataset again before releasing.",
                file=relative,
            )


def _draft_changed(name: str, seen: str, current: str) -> Exception:
    return conflict(
        "draft-changed",
        f"Utkastet til {name} er endret siden du så det ({seen} → {current}). Se på det igjen "
        "med `regcat draft` og publiser på nytt.",
        f"The draft of {name} has changed since you saw it ({seen} → {current}). Look at it "
        "again with `regcat draft` and release again.",
        datastore=name,
        seen=seen,
        current=current,
    )


def list_versions(ctx: Context, datastore: str | None = None) -> list[VersionView]:
    """Released versions, newest first, with their changelogs; every datastore when None."""
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        rows = [resolve_datastore(store, datastore)] if datastore else list(store.datastores())
        return [_version_view(store, ds.name, v) for ds in rows for v in store.versions(ds.id)]


def _version_view(store: CatalogueStore, datastore: str, version: StoredVersion) -> VersionView:
    return VersionView(
        datastore,
        str(_number(version)),
        version.description,
        version.released_at,
        version.released_by,
        len(store.version_revisions(version.id)),
        [
            ChangelogEntry(c.dataset_name, c.operation, c.note, c.staged_by)
            for c in store.changelog(version.id)
        ],
    )


def _number(version: StoredVersion | None) -> VersionNumber | None:
    if version is None:
        return None
    return VersionNumber(version.major, version.minor, version.patch, 0)
