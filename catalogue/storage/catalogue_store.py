"""Queries and writes on the catalogue database, used inside one service transaction.

Datastores, dataset revisions with their files, versions and their changelogs leave as small
records (StoredDatastore, StoredRevision, RevisionOutline, RevisionFile, StoredVersion,
Change), and a unit type, a revision, a staged operation or a release is written from
plain values: none of these rows reaches a service."""

from __future__ import annotations

import os
import posixpath
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import CTE, Integer, Select, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from catalogue.storage.database import Database
from catalogue.storage.models import (
    ChangelogEntryRow,
    CodeListEntryRow,
    DataProductRow,
    DatasetFileRow,
    DatasetRevisionRow,
    DatastoreRow,
    DraftOperationRow,
    DraftRow,
    LockRow,
    RegisterRow,
    UnitTypeRow,
    VersionDatasetRow,
    VersionRow,
)
from catalogue.storage.records import record_of


def latest_version_query(datastore_id: int) -> Select[VersionRow]:
    """The newest version of a datastore (by major, minor, patch), one row: not every
    version (a monthly register has one a month)."""
    return (
        select(VersionRow)
        .where(VersionRow.datastore_id == datastore_id)
        .order_by(VersionRow.major.desc(), VersionRow.minor.desc(), VersionRow.patch.desc())
        .limit(1)
    )


def released_revision_ids(datastore_id: int) -> Select[int]:
    """The ids of the revisions a released version of the datastore points at, to be used
    as a subquery: not an IN list of the ids, which (an id per dataset and month) is
    rendered into the statement, a bound parameter each, on every execution, in chunks of
    500."""
    return (
        select(VersionDatasetRow.revision_id)
        .join(VersionRow, VersionRow.id == VersionDatasetRow.version_id)
        .where(VersionRow.datastore_id == datastore_id)
    )


def now() -> datetime:
    return datetime.now(UTC)


# Version parts are INTEGER columns: 32 bits on PostgreSQL, the narrower of the two backends.
MAX_VERSION_PART = 2**31 - 1


@dataclass(frozen=True)
class StoredDatastore:
    id: int
    name: str


@dataclass(frozen=True)
class UnitTypeEntry:
    """A unit type as the catalogue database keeps it (texts as JSON lists)."""

    name: str
    label: Any
    description: Any
    identifier_format: str
    requires_pseudonymization: bool


@dataclass(frozen=True)
class Revision:
    """A dataset revision's own values: what ingest wrote (immutable once stored)."""

    name: str
    files_path: str
    source_sha256: str
    metadata_doc: Any
    metadata_sha256: str
    temporality: str
    unit_type: str
    register_key: str | None
    data_product: str | None
    exportable: bool
    technical_name: str | None
    valid_from: date | None
    valid_until: date | None
    row_count: int
    unit_count: int
    start_min: date | None
    stop_max: date | None
    report: Any


_REVISION_VALUES = tuple(f for f in Revision.__dataclass_fields__)


@dataclass(frozen=True)
class StoredRevision(Revision):
    id: int
    datastore_id: int
    parent_id: int | None = None  # whose files this one has besides its own

    @classmethod
    def of(cls, row: DatasetRevisionRow) -> StoredRevision:
        return record_of(cls, row)


@dataclass(frozen=True)
class RevisionOutline:
    """What a catalogue snapshot reads of a revision: revisions with the same metadata
    checksum share one metadata document."""

    id: int
    name: str
    metadata_doc: Any
    metadata_sha256: str
    row_count: int
    unit_count: int
    start_min: date | None
    stop_max: date | None


@dataclass(frozen=True)
class RevisionFile:
    path: str
    sha256: str
    size_bytes: int
    row_count: int


# A data file as its row stores it: (folder of the revision that lists it, the file with its
# path from that folder).
ChainFile = tuple[str, RevisionFile]


@dataclass(frozen=True)
class CodeEntry:
    """One code of a revision's code list in one validity period (a sentinel: in all)."""

    period_from: date | None
    period_until: date | None
    code: str
    title: Any
    is_sentinel: bool


@dataclass(frozen=True)
class StagedChange:
    """One dataset's staged operation in a datastore's draft."""

    dataset_name: str
    operation: str
    revision_id: int | None
    note: str
    staged_at: datetime
    staged_by: str

    @classmethod
    def of(cls, row: DraftOperationRow) -> StagedChange:
        return record_of(cls, row)


@dataclass(frozen=True)
class StoredVersion:
    id: int
    major: int
    minor: int
    patch: int
    description: str
    released_at: datetime
    released_by: str

    @classmethod
    def of(cls, row: VersionRow) -> StoredVersion:
        return record_of(cls, row)


@dataclass(frozen=True)
class Change:
    """One line of a version's changelog."""

    dataset_name: str
    operation: str
    note: str
    staged_by: str


class CatalogueStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # datastores -----------------------------------------------------------------------
    def datastore(self, name: str) -> StoredDatastore | None:
        row = self.session.scalar(select(DatastoreRow).where(DatastoreRow.name == name))
        return StoredDatastore(row.id, row.name) if row else None

    def datastores(self) -> list[StoredDatastore]:
        rows = self.session.scalars(select(DatastoreRow).order_by(DatastoreRow.name))
        return [StoredDatastore(row.id, row.name) for row in rows]

    def create_datastore(self, name: str, label: Any, actor: str) -> StoredDatastore:
        row = DatastoreRow(name=name, label=label, created_at=now())
        self.session.add(row)
        self.session.flush()
        self.session.add(
            DraftRow(datastore_id=row.id, number=0, updated_at=now(), updated_by=actor)
        )
        return StoredDatastore(row.id, row.name)

    # unit types and registers ------------------------------------------------------------
    def replace_unit_types(self, unit_types: Iterable[UnitTypeEntry]) -> None:
        for unit_type in unit_types:
            self.session.merge(UnitTypeRow(**asdict(unit_type)))

    def upsert_register(
        self, datastore_id: int, key: str, manifest: Any, products: Iterable[tuple[str, Any, Any]]
    ) -> None:
        row = self.session.scalar(
            select(RegisterRow).where(
                RegisterRow.datastore_id == datastore_id, RegisterRow.key == key
            )
        )
        if row is None:
            row = RegisterRow(
                datastore_id=datastore_id, key=key, manifest=manifest, updated_at=now()
            )
            self.session.add(row)
            self.session.flush()
        else:
            row.manifest = manifest
            row.updated_at = now()
        existing = {
            p.key: p
            for p in self.session.scalars(
                select(DataProductRow).where(DataProductRow.register_id == row.id)
            )
        }
        for product_key, title, description in products:
            product = existing.get(product_key)
            if product is None:
                self.session.add(
                    DataProductRow(
                        register_id=row.id, key=product_key, title=title, description=description
                    )
                )
            else:
                product.title, product.description = title, description

    def register_manifests(self, datastore_id: int) -> list[Any]:
        """The stored manifest of every register of the datastore, by key."""
        return list(
            self.session.scalars(
                select(RegisterRow.manifest)
                .where(RegisterRow.datastore_id == datastore_id)
                .order_by(RegisterRow.key)
            )
        )

    # revisions ---------------------------------------------------------------------------
    def add_revision(
        self,
        datastore_id: int,
        revision: Revision,
        files: Iterable[RevisionFile],
        code_entries: Iterable[CodeEntry],
        actor: str,
        parent_id: int | None = None,
    ) -> StoredRevision:
        """Store a revision with the files it adds (paths from its own folder). With
        `parent_id` it also has every file of that revision, which is not copied: an
        appended month writes its own rows only, however many months came before."""
        row = DatasetRevisionRow(
            datastore_id=datastore_id,
            **{name: getattr(revision, name) for name in _REVISION_VALUES},
            created_at=now(),
            created_by=actor,
            parent_id=parent_id,
        )
        self.session.add(row)
        self.session.flush()
        # The records' fields are named as the tables' columns; one multi-row INSERT each.
        file_rows = [{"revision_id": row.id, **asdict(f)} for f in files]
        if file_rows:
            self.session.execute(insert(DatasetFileRow), file_rows)
        code_rows = [{"revision_id": row.id, **asdict(c)} for c in code_entries]
        if code_rows:
            self.session.execute(insert(CodeListEntryRow), code_rows)
        return StoredRevision.of(row)

    def revision(self, revision_id: int) -> StoredRevision | None:
        row = self.session.get(DatasetRevisionRow, revision_id)
        return StoredRevision.of(row) if row else None

    def revision_files(self, revision_id: int) -> list[RevisionFile]:
        """Every data file of the revision, its parents' included, as paths from its own
        folder (`../<key>/…` for a file in a sibling folder), in path order."""
        found = self._chain_files(revision_id, stop_at=None)
        assert found is not None
        return found

    def files_since(self, revision_id: int, ancestor_id: int) -> list[RevisionFile] | None:
        """The files the revision has and its ancestor `ancestor_id` has not (those its
        chain added after it), as revision_files gives them; None when `ancestor_id` is not
        one of its parents. Reads only the rows of the revisions in between, so what a
        release checks and warms follows the new month, not the months before it."""
        return self._chain_files(revision_id, stop_at=ancestor_id)

    def version_files(self, version_id: int) -> dict[int, list[RevisionFile]]:
        """revision_files of every revision of a version, by revision id, in two queries
        whatever the number of datasets (one recursive walk from all of them): reading a
        release's file lists one revision at a time was two queries and an aliased
        statement per dataset (7 s of CPU for the 732 datasets of the microdata.no-shaped
        datastores). A revision without files is left out."""
        chain = self._version_chain(version_id)
        own = {
            root: path
            for root, rid, path in self.session.execute(
                select(chain.c.root, chain.c.id, chain.c.files_path)
            )
            if root == rid
        }
        f = DatasetFileRow
        rows = self.session.execute(  # columns, not entities: a series has a row a month
            select(
                chain.c.root, chain.c.files_path, f.path, f.sha256, f.size_bytes, f.row_count
            ).join(f, f.revision_id == chain.c.id)
        )
        found: dict[int, list[ChainFile]] = {}
        for row in rows:
            found.setdefault(row.root, []).append(
                (row.files_path, RevisionFile(row.path, row.sha256, row.size_bytes, row.row_count))
            )
        return {rid: files_seen_from(own[rid], files) for rid, files in found.items()}

    def version_chain_files(
        self, version_id: int, known_version_id: int | None
    ) -> dict[int, tuple[list[ChainFile], int | None]]:
        """Per revision of the version: the file rows of its chain as
        (folder of the revision that lists the file, the file from that folder), and the
        revision of version `known_version_id` where its walk stopped (None: it read the
        whole chain). A stopped walk reads nothing of that revision's chain: its caller
        holds those rows (services/reading.py keeps the last version read), so a release
        that appends a month reads the month's rows, not the months before it
        (docs/MONTHLY.md §4). Two queries whatever the number of datasets, as
        version_files, which stays the reference."""
        v = VersionDatasetRow
        known = select(v.revision_id).where(v.version_id == (known_version_id or -1))
        # As version_files, and a walk ends at a revision of the known version.
        chain = self._version_chain(version_id, ends_at=known)
        found: dict[int, list[ChainFile]] = {}
        stops: dict[int, int] = {}
        for root, rid, stop in self.session.execute(
            select(chain.c.root, chain.c.id, chain.c.id.in_(known))
        ):
            if root == rid:
                found[root] = []
            if stop:
                stops[root] = rid
        f = DatasetFileRow
        rows = self.session.execute(
            select(chain.c.root, chain.c.files_path, f.path, f.sha256, f.size_bytes, f.row_count)
            .join(f, f.revision_id == chain.c.id)
            .where(chain.c.id.not_in(known))
        )
        for row in rows:
            found[row.root].append(
                (row.files_path, RevisionFile(row.path, row.sha256, row.size_bytes, row.row_count))
            )
        return {rid: (files, stops.get(rid)) for rid, files in found.items()}

    def _version_chain(self, version_id: int, ends_at: Select[Any] | None = None) -> CTE:
        """(root, id, parent_id, files_path): every revision of the version (its root) and
        its parents, one recursive walk from all of them; a walk ends at a revision whose id
        is in `ends_at` (a select of revision ids), which is listed but not its parents."""
        r, v = DatasetRevisionRow, VersionDatasetRow
        chain = (
            select(r.id.label("root"), r.id, r.parent_id, r.files_path)
            .join(v, v.revision_id == r.id)
            .where(v.version_id == version_id)
            .cte("chain", recursive=True)
        )
        parent = aliased(DatasetRevisionRow)
        # As in _chain: a parent's id is smaller, so a link that points forward ends the walk.
        link = (parent.id == chain.c.parent_id) & (parent.id < chain.c.id)
        if ends_at is not None:
            link = link & chain.c.id.not_in(ends_at)
        step = select(chain.c.root, parent.id, parent.parent_id, parent.files_path).join(
            chain, link
        )
        return chain.union_all(step)

    def _chain_files(self, revision_id: int, stop_at: int | None) -> list[RevisionFile] | None:
        chain = self._chain(revision_id, stop_at)
        if not chain:
            return []
        if stop_at is not None:
            ids = [rid for rid, _ in chain]
            if stop_at not in ids:
                return None
            chain = chain[: ids.index(stop_at)]
            if not chain:
                return []
        folders = dict(chain)
        own = folders[revision_id]
        f = DatasetFileRow
        rows = self.session.execute(  # columns, not entities: a series has a row a month
            select(f.revision_id, f.path, f.sha256, f.size_bytes, f.row_count).where(
                f.revision_id.in_(list(folders))
            )
        )
        files = [
            RevisionFile(
                r.path
                if folders[r.revision_id] == own
                else _from_folder(own, folders[r.revision_id], r.path),
                r.sha256,
                r.size_bytes,
                r.row_count,
            )
            for r in rows
        ]
        # Code-point order: what ORDER BY path gave on SQLite when each revision copied
        # its parent's list.
        return sorted(files, key=lambda f: f.path)

    def _chain(self, revision_id: int, stop_at: int | None = None) -> list[tuple[int, str]]:
        """(id, files_path) of the revision and its parents, newest first, up to `stop_at`
        (included; not its parents): one recursive query on every backend."""
        up = select(
            DatasetRevisionRow.id,
            DatasetRevisionRow.parent_id,
            DatasetRevisionRow.files_path,
            literal(0, Integer).label("depth"),
        )
        chain = up.where(DatasetRevisionRow.id == revision_id).cte("chain", recursive=True)
        parent = aliased(DatasetRevisionRow)
        # A parent is stored before its child, so its id is smaller: the condition ends the
        # walk at a link that points forward (a hand-edited or half-restored row) instead of
        # looping for ever; verifying.py reports such links.
        step = select(parent.id, parent.parent_id, parent.files_path, (chain.c.depth + 1)).join(
            chain, (parent.id == chain.c.parent_id) & (parent.id < chain.c.id)
        )
        if stop_at is not None:  # the files since a release: not the months before it
            step = step.where(chain.c.id != stop_at)
        chain = chain.union_all(step)
        rows = self.session.execute(
            select(chain.c.id, chain.c.files_path).order_by(chain.c.depth)
        ).all()
        return [(rid, path) for rid, path in rows]

    def broken_parent_links(self, datastore_id: int) -> list[str]:
        """Names of the datastore's revisions whose parent link is broken: the parent is
        missing, is not an earlier revision, or belongs to another dataset or datastore.
        Readers would silently see fewer files through such a link (no foreign key guards
        it: see DatasetRevisionRow.parent_id)."""
        parent = aliased(DatasetRevisionRow)
        child = DatasetRevisionRow
        rows = self.session.execute(
            select(child.name)
            .outerjoin(parent, parent.id == child.parent_id)
            .where(
                child.datastore_id == datastore_id,
                child.parent_id.is_not(None),
                (parent.id.is_(None))
                | (parent.id >= child.id)
                | (parent.name != child.name)
                | (parent.datastore_id != child.datastore_id),
            )
            .order_by(child.name, child.id)
        ).all()
        return [name for (name,) in rows]

    def revisions_in_use(self, datastore_id: int) -> list[StoredRevision]:
        """Every revision a released version or the draft points at."""
        released = released_revision_ids(datastore_id)
        staged = select(DraftOperationRow.revision_id).where(
            DraftOperationRow.datastore_id == datastore_id,
            DraftOperationRow.revision_id.is_not(None),
        )
        rows = self.session.scalars(
            select(DatasetRevisionRow)
            .where(DatasetRevisionRow.id.in_(released.union(staged).scalar_subquery()))
            .order_by(DatasetRevisionRow.name, DatasetRevisionRow.id)
        )
        return [StoredRevision.of(row) for row in rows]

    # draft -------------------------------------------------------------------------------
    def draft_number(self, datastore_id: int) -> int:
        row = self.session.get(DraftRow, datastore_id)
        assert row is not None, "every datastore is created with its draft"
        return row.number

    def draft_operations(self, datastore_id: int) -> list[StagedChange]:
        rows = self.session.scalars(
            select(DraftOperationRow)
            .where(DraftOperationRow.datastore_id == datastore_id)
            .order_by(DraftOperationRow.dataset_name)
        )
        return [StagedChange.of(row) for row in rows]

    def stage(
        self,
        datastore_id: int,
        dataset_name: str,
        operation: str,
        revision_id: int | None,
        note: str,
        actor: str,
    ) -> None:
        """Replace whatever the draft held for this dataset and move the draft number on."""
        self.session.execute(
            delete(DraftOperationRow).where(
                DraftOperationRow.datastore_id == datastore_id,
                DraftOperationRow.dataset_name == dataset_name,
            )
        )
        self.session.flush()
        self.session.add(
            DraftOperationRow(
                datastore_id=datastore_id,
                dataset_name=dataset_name,
                operation=operation,
                revision_id=revision_id,
                note=note,
                staged_at=now(),
                staged_by=actor,
            )
        )
        self.touch_draft(datastore_id, actor)

    def unstage(self, datastore_id: int, dataset_name: str | None, actor: str) -> int:
        stmt = delete(DraftOperationRow).where(DraftOperationRow.datastore_id == datastore_id)
        if dataset_name is not None:
            stmt = stmt.where(DraftOperationRow.dataset_name == dataset_name)
        removed = self.session.execute(stmt).rowcount  # type: ignore[attr-defined]
        if removed:
            self.touch_draft(datastore_id, actor)
        return int(removed)

    def clear_draft(self, datastore_id: int) -> None:
        """Delete every staged operation without moving the draft number (a release does)."""
        self.session.execute(
            delete(DraftOperationRow).where(DraftOperationRow.datastore_id == datastore_id)
        )

    def touch_draft(self, datastore_id: int, actor: str) -> None:
        self.session.execute(
            update(DraftRow)
            .where(DraftRow.datastore_id == datastore_id)
            .values(number=DraftRow.number + 1, updated_at=now(), updated_by=actor)
        )

    def claim_draft(self, datastore_id: int, seen_number: int, actor: str) -> bool:
        """Atomically move the draft on if it is still the one the caller saw."""
        result = self.session.execute(
            update(DraftRow)
            .where(DraftRow.datastore_id == datastore_id, DraftRow.number == seen_number)
            .values(number=DraftRow.number + 1, updated_at=now(), updated_by=actor)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # versions ----------------------------------------------------------------------------
    def versions(self, datastore_id: int) -> list[StoredVersion]:
        v = VersionRow  # columns, not entities: a monthly register has a version a month
        rows = self.session.execute(
            select(v.id, v.major, v.minor, v.patch, v.description, v.released_at, v.released_by)
            .where(v.datastore_id == datastore_id)
            .order_by(v.major.desc(), v.minor.desc(), v.patch.desc())
        )
        return [StoredVersion(*row) for row in rows]

    def latest_version(self, datastore_id: int) -> StoredVersion | None:
        """The newest version: one row, not every version (an append asks several times)."""
        row = self.session.scalar(latest_version_query(datastore_id))
        return StoredVersion.of(row) if row else None

    def version(
        self, datastore_id: int, major: int, minor: int, patch: int
    ) -> StoredVersion | None:
        if max(major, minor, patch) > MAX_VERSION_PART:
            return None  # no such version; the database could not even bind the number
        row = self.session.scalar(
            select(VersionRow).where(
                VersionRow.datastore_id == datastore_id,
                VersionRow.major == major,
                VersionRow.minor == minor,
                VersionRow.patch == patch,
            )
        )
        return StoredVersion.of(row) if row else None

    def version_revisions(self, version_id: int) -> dict[str, StoredRevision]:
        rows = self.session.execute(
            select(VersionDatasetRow.dataset_name, DatasetRevisionRow)
            .join(DatasetRevisionRow, DatasetRevisionRow.id == VersionDatasetRow.revision_id)
            .where(VersionDatasetRow.version_id == version_id)
            .order_by(VersionDatasetRow.dataset_name)
        ).all()
        return {name: StoredRevision.of(rev) for name, rev in rows}

    def datastore_version_outlines(
        self, datastore_id: int
    ) -> dict[int, dict[str, RevisionOutline]]:
        """What a catalogue snapshot needs of every version's revisions, in a fixed number of
        queries: the (version, dataset, revision) triples, each distinct revision's counts
        and dates, and the metadata document once per distinct metadata (the months of a
        series share theirs). A snapshot is built after every release and walks every
        version; one query per version, or a metadata document (and an ingest report) per
        revision, made each monthly append cost more than the one before it
        (docs/MONTHLY.md §4)."""
        triples = self.session.execute(
            select(
                VersionDatasetRow.version_id,
                VersionDatasetRow.dataset_name,
                VersionDatasetRow.revision_id,
            )
            .join(VersionRow, VersionRow.id == VersionDatasetRow.version_id)
            .where(VersionRow.datastore_id == datastore_id)
            .order_by(VersionDatasetRow.version_id, VersionDatasetRow.dataset_name)
        ).all()
        r = DatasetRevisionRow
        released = released_revision_ids(datastore_id)
        found: dict[int, Any] = {
            row.id: row
            for row in self.session.execute(
                select(
                    r.id,
                    r.name,
                    r.metadata_sha256,
                    r.row_count,
                    r.unit_count,
                    r.start_min,
                    r.stop_max,
                ).where(r.id.in_(released.scalar_subquery()))
            )
        }
        wanted = sorted(found)
        first: dict[tuple[str, str], int] = {}
        for rid in wanted:
            first.setdefault((found[rid].name, found[rid].metadata_sha256), rid)
        docs: dict[int, Any] = {}
        ids = sorted(first.values())
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            docs.update(
                (rid, doc)
                for rid, doc in self.session.execute(
                    select(r.id, r.metadata_doc).where(r.id.in_(chunk))
                )
            )
        outlines = {
            rid: RevisionOutline(
                rid,
                row.name,
                docs[first[(row.name, row.metadata_sha256)]],
                row.metadata_sha256,
                row.row_count,
                row.unit_count,
                row.start_min,
                row.stop_max,
            )
            for rid, row in found.items()
        }
        out: dict[int, dict[str, RevisionOutline]] = {}
        for version_id, name, revision_id in triples:
            out.setdefault(version_id, {})[name] = outlines[revision_id]
        return out

    def datastore_changelogs(self, datastore_id: int) -> dict[int, list[Change]]:
        """changelog of every version of a datastore, in one query."""
        c = ChangelogEntryRow
        rows = self.session.execute(
            select(c.version_id, c.dataset_name, c.operation, c.note, c.staged_by)
            .join(VersionRow, VersionRow.id == c.version_id)
            .where(VersionRow.datastore_id == datastore_id)
            .order_by(c.version_id, c.dataset_name)
        )
        out: dict[int, list[Change]] = {}
        for version_id, *change in rows:
            out.setdefault(version_id, []).append(Change(*change))
        return out

    def create_version(
        self,
        datastore_id: int,
        number: tuple[int, int, int],
        description: str,
        actor: str,
        draft_number: int,
        datasets: dict[str, int],
        changelog: Iterable[Change],
    ) -> StoredVersion:
        """The release `number` (major, minor, patch) of the datasets named (their revision
        ids), with its changelog, released now by `actor` from draft `draft_number`."""
        major, minor, patch = number
        version = VersionRow(
            datastore_id=datastore_id,
            major=major,
            minor=minor,
            patch=patch,
            description=description,
            released_at=now(),
            released_by=actor,
            draft_number=draft_number,
        )
        self.session.add(version)
        self.session.flush()
        for name, revision_id in sorted(datasets.items()):
            self.session.add(
                VersionDatasetRow(version_id=version.id, dataset_name=name, revision_id=revision_id)
            )
        self.session.add_all(
            ChangelogEntryRow(version_id=version.id, **asdict(change)) for change in changelog
        )
        self.session.flush()
        return StoredVersion.of(version)

    def changelog(self, version_id: int) -> list[Change]:
        rows = self.session.scalars(
            select(ChangelogEntryRow)
            .where(ChangelogEntryRow.version_id == version_id)
            .order_by(ChangelogEntryRow.dataset_name)
        )
        return [Change(r.dataset_name, r.operation, r.note, r.staged_by) for r in rows]

    def dataset_history(self, datastore_id: int, name: str) -> list[tuple[StoredVersion, int]]:
        """(version, revision id) for every released version that contains the dataset."""
        rows = self.session.execute(
            select(VersionRow, VersionDatasetRow.revision_id)
            .join(VersionDatasetRow, VersionDatasetRow.version_id == VersionRow.id)
            .where(VersionRow.datastore_id == datastore_id, VersionDatasetRow.dataset_name == name)
            .order_by(VersionRow.major, VersionRow.minor, VersionRow.patch)
        ).all()
        return [(StoredVersion.of(v), rid) for v, rid in rows]

    def count_versions(self, datastore_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(VersionRow)
                .where(VersionRow.datastore_id == datastore_id)
            )
            or 0
        )


def files_seen_from(folder: str, files: Iterable[ChainFile]) -> list[RevisionFile]:
    """A revision's files (its chain's rows) with paths from its own `folder`, in the order
    of revision_files (code-point order of the paths)."""
    seen = [
        f if where == folder else replace(f, path=_from_folder(folder, where, f.path))
        for where, f in files
    ]
    return sorted(seen, key=lambda f: f.path)


def _from_folder(folder: str, target: str, file: str = "") -> str:
    """`target` (a path under the datastore root; with `file`, that file in the folder
    `target`) as seen from `folder`: `../<key>/…` for a file in a sibling revision folder.
    `..` steps in `target` are resolved first."""
    if file:
        parent, _, key = target.rpartition("/")
        here_parent, _, here_key = folder.rpartition("/")
        # The common case, a plain file of a sibling revision folder (an earlier month of
        # the series), without normalising and splitting both paths: it is done for every
        # file of every month whenever a version's files are read.
        if (
            parent
            and parent == here_parent
            and posixpath.normpath(parent) == parent
            and key
            and here_key
            and "." not in key + here_key
            and file[0] not in "./"
            and posixpath.normpath(file) == file
        ):
            return f"../{key}/{file}"
        target = f"{target}/{file}"
    here = posixpath.normpath(folder).split("/")
    there = posixpath.normpath(target).split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


class LockTaken(Exception):
    def __init__(self, holder: str, host: str, pid: int, acquired_at: datetime) -> None:
        super().__init__(holder)
        self.holder, self.host, self.pid, self.acquired_at = holder, host, pid, acquired_at


def acquire_lock(db: Database, name: str, holder: str, stale_after: timedelta) -> None:
    """Take a named lock in its own committed transaction, so other processes see it. A lock
    whose process is gone (same host, pid not alive) or older than `stale_after` is broken."""
    mine = {"holder": holder, "host": socket.gethostname(), "pid": os.getpid()}
    try:
        with db.transaction() as session:
            session.add(LockRow(name=name, acquired_at=now(), **mine))
        return
    except IntegrityError:
        pass
    with db.transaction() as session:
        current = session.get(LockRow, name)
        if current is None:
            session.add(LockRow(name=name, acquired_at=now(), **mine))
            return
        acquired = current.acquired_at
        if acquired.tzinfo is None:
            acquired = acquired.replace(tzinfo=UTC)
        dead = current.host == mine["host"] and not _pid_alive(current.pid)
        if not (dead or now() - acquired > stale_after):
            raise LockTaken(current.holder, current.host, current.pid, acquired)
        result = session.execute(
            update(LockRow)
            .where(LockRow.name == name, LockRow.pid == current.pid, LockRow.host == current.host)
            .values(acquired_at=now(), **mine)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise LockTaken(current.holder, current.host, current.pid, acquired)


def release_lock(db: Database, name: str) -> None:
    with db.transaction() as session:
        session.execute(
            delete(LockRow).where(
                LockRow.name == name,
                LockRow.pid == os.getpid(),
                LockRow.host == socket.gethostname(),
            )
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
