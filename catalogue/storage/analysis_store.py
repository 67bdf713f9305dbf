"""Queries and writes for the analysis service, inside one service transaction: workspaces,
the release ledger (as output control's ledger backend) and the audit log.

Releases and audit appends are serialised by one lock: the audit head row, updated as the
first statement of the transaction (a row lock on PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from catalogue.storage.analysis_models import (
    AuditEntryRow,
    AuditHeadRow,
    BudgetInputRow,
    ReleasedSetRow,
    ReleaseRow,
    WorkspaceRow,
)
from catalogue.storage.models import set_columns
from catalogue.storage.records import aware, aware_or_none, record_of


@dataclass(frozen=True)
class StoredWorkspace:
    """A workspace as the services read it; they change it only through AnalysisStore, so
    no row outlives its transaction."""

    handle: str
    owner: str
    datastore: str
    version: str
    steps: tuple[Any, ...]  # the canonical steps applied so far
    limits: Any
    created_at: datetime
    expires_at: datetime
    deleted_at: datetime | None

    @classmethod
    def of(cls, row: WorkspaceRow) -> StoredWorkspace:
        return record_of(
            cls,
            row,
            steps=lambda steps: tuple(steps or ()),
            created_at=aware,
            expires_at=aware,
            deleted_at=aware_or_none,
        )


@dataclass(frozen=True)
class LedgerSet:
    id: int
    measure: str
    statistic: str
    size: int
    fingerprint: bytes
    published: float | None
    answer: str | None


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    entry_id: str
    recorded_at: str
    kind: str
    actor: str
    workspace: str | None
    payload: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, r: AuditEntryRow) -> AuditRecord:
        return record_of(cls, r)


class AnalysisStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        # Workspace rows read in this session, by handle. Selecting one again would give
        # the same object (the session's identity map does not refresh it) after a query
        # and the decoding of its steps (a red-team request read its row twice here).
        # Workspace rows are never deleted, only marked (delete_workspace).
        self._workspaces: dict[str, WorkspaceRow] = {}

    # --- workspaces ---------------------------------------------------------------------

    def create_workspace(
        self,
        handle: str,
        owner: str,
        datastore: str,
        version: str,
        limits: Any,
        now: datetime,
        expires_at: datetime,
    ) -> StoredWorkspace:
        row = WorkspaceRow(
            handle=handle,
            owner=owner,
            datastore=datastore,
            version=version,
            steps=[],
            limits=limits,
            created_at=now,
            last_used_at=now,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return StoredWorkspace.of(row)

    def workspace(self, handle: str) -> StoredWorkspace | None:
        row = self._workspace_row(handle)
        return StoredWorkspace.of(row) if row else None

    def save_steps(self, handle: str, steps: list[Any]) -> None:
        self._change_workspace(handle, steps=list(steps))

    def touch(self, handle: str, now: datetime, expires_at: datetime) -> StoredWorkspace:
        return self._change_workspace(handle, last_used_at=now, expires_at=expires_at)

    def delete_workspace(self, handle: str, now: datetime) -> None:
        self._change_workspace(handle, deleted_at=now)

    def workspaces_of(self, owner: str) -> list[StoredWorkspace]:
        rows = self.session.scalars(
            select(WorkspaceRow)
            .where(WorkspaceRow.owner == owner, WorkspaceRow.deleted_at.is_(None))
            .order_by(WorkspaceRow.created_at)
        )
        return [StoredWorkspace.of(row) for row in rows]

    def _workspace_row(self, handle: str) -> WorkspaceRow | None:
        row = self._workspaces.get(handle)
        if row is None:
            row = self.session.scalar(select(WorkspaceRow).where(WorkspaceRow.handle == handle))
            if row is not None:
                self._workspaces[handle] = row
        return row

    def _change_workspace(self, handle: str, **columns: object) -> StoredWorkspace:
        row = self._workspace_row(handle)
        return StoredWorkspace.of(set_columns(row, f"workspace {handle}", **columns))

    # --- the release ledger (output control's LedgerBackend) ---------------------------

    def released_sets(self, datastore: str, after_id: int) -> Sequence[LedgerSet]:
        rows = self.session.execute(
            select(
                ReleasedSetRow.id,
                ReleasedSetRow.measure,
                ReleasedSetRow.statistic,
                ReleasedSetRow.size,
                ReleasedSetRow.fingerprint,
                ReleasedSetRow.published,
                ReleasedSetRow.answer,
            )
            .where(ReleasedSetRow.datastore == datastore, ReleasedSetRow.id > after_id)
            .order_by(ReleasedSetRow.id)
        ).all()
        return [
            LedgerSet(
                r.id, r.measure, r.statistic, r.size, bytes(r.fingerprint), r.published, r.answer
            )
            for r in rows
        ]

    def cells_released(self, project: str, since: datetime) -> int:
        total = self.session.scalar(
            select(func.coalesce(func.sum(ReleaseRow.cells), 0)).where(
                ReleaseRow.project == project, ReleaseRow.released_at > since
            )
        )
        return int(total or 0)

    def points_spent(self, project: str, since: datetime) -> int:
        total = self.session.scalar(
            select(func.coalesce(func.sum(ReleaseRow.points), 0)).where(
                ReleaseRow.project == project, ReleaseRow.released_at > since
            )
        )
        return int(total or 0)

    def has_result(self, project: str, digest: str, since: datetime) -> bool:
        found = self.session.scalar(
            select(ReleaseRow.id)
            .where(
                ReleaseRow.project == project,
                ReleaseRow.digest == digest,
                ReleaseRow.released_at > since,
            )
            .limit(1)
        )
        return found is not None

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]:
        rows = self.session.scalars(
            select(BudgetInputRow.input).where(
                BudgetInputRow.project == project, BudgetInputRow.used_at > since
            )
        ).all()
        return frozenset(rows)

    def record_release(
        self,
        datastore: str,
        project: str,
        at: datetime,
        cells: int,
        sets: Sequence[tuple[str, str, int, bytes, float | None, str | None]],
        *,
        points: int = 0,
        digest: str | None = None,
        inputs: Sequence[str] = (),
    ) -> None:
        release = ReleaseRow(
            datastore=datastore,
            project=project,
            released_at=at,
            cells=cells,
            points=points,
            digest=digest,
        )
        self.session.add(release)
        self.session.flush()
        # The release's inputs and sets as two bulk INSERTs (ORM bulk insert: the same rows,
        # ids in the order given; no ORM objects are made, since nothing reads them back in
        # this session): a red-team table request records ~17 sets, and making and flushing
        # an object each was 7 % of its time.
        if inputs:
            self.session.execute(
                insert(BudgetInputRow),
                [
                    {"release_id": release.id, "project": project, "input": name, "used_at": at}
                    for name in inputs
                ],
            )
        if sets:
            self.session.execute(
                insert(ReleasedSetRow),
                [
                    {
                        "release_id": release.id,
                        "datastore": datastore,
                        "measure": measure,
                        "statistic": statistic,
                        "size": size,
                        "fingerprint": fingerprint,
                        "published": published,
                        "answer": answer,
                    }
                    for measure, statistic, size, fingerprint, published, answer in sets
                ],
            )

    # --- the audit log ----------------------------------------------------------------

    def lock_audit(self) -> tuple[int, str]:
        """Take the release and audit lock; returns the head (last seq, its hash). One
        statement: the lock's write returns the row it wrote."""
        head = self.session.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(seq=AuditHeadRow.seq)
            .returning(AuditHeadRow.seq, AuditHeadRow.hash),
            execution_options={"synchronize_session": False},
        ).one_or_none()
        if head is None:
            raise RuntimeError("the audit log has no head row; run the migrations")
        return int(head.seq), head.hash

    def append_audit(self, record: AuditRecord) -> None:
        self.session.add(
            AuditEntryRow(
                seq=record.seq,
                entry_id=record.entry_id,
                recorded_at=record.recorded_at,
                kind=record.kind,
                actor=record.actor,
                workspace=record.workspace,
                payload=record.payload,
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
        )
        self.session.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(seq=record.seq, hash=record.hash)
        )
        self.session.flush()

    def audit_head(self) -> tuple[int, str]:
        head = self.session.get(AuditHeadRow, 1)
        return (int(head.seq), head.hash) if head else (0, "")

    def audit_entries(self, batch: int = 5000) -> Iterator[AuditRecord]:
        """Every entry in order of seq, read in batches."""
        after = -1
        while True:
            rows = self.session.scalars(
                select(AuditEntryRow)
                .where(AuditEntryRow.seq > after)
                .order_by(AuditEntryRow.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            for r in rows:
                yield AuditRecord.of(r)
            after = rows[-1].seq

    def audit_entry(self, entry_id: str) -> AuditRecord | None:
        r = self.session.scalar(select(AuditEntryRow).where(AuditEntryRow.entry_id == entry_id))
        if r is None:
            return None
        return AuditRecord.of(r)

    def next_audit_entry(self, after_seq: int, kind: str, workspace: str) -> AuditRecord | None:
        """The first entry of `kind` about `workspace` after entry `after_seq` (the request
        entry that follows its release entries in the same transaction)."""
        r = self.session.scalar(
            select(AuditEntryRow)
            .where(
                AuditEntryRow.seq > after_seq,
                AuditEntryRow.kind == kind,
                AuditEntryRow.workspace == workspace,
            )
            .order_by(AuditEntryRow.seq)
            .limit(1)
        )
        return AuditRecord.of(r) if r is not None else None
