"""Tables of the analysis service: workspaces (their scripts, owners and expiry), the
release ledger (what output control's differencing guard and budget remember) and the
hash-chained audit log. Changes go through alembic (migration 0002)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.storage.models import Base, UtcDateTime


class WorkspaceRow(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    datastore: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    steps: Mapped[Any] = mapped_column(JSON)  # the canonical steps applied so far
    limits: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ReleaseRow(Base):
    """One charge to a project's budget: a release, the input fees of a request, or a
    refusal's fee."""

    __tablename__ = "analysis_releases"
    __table_args__ = (
        Index("ix_analysis_releases_project_released_at", "project", "released_at"),
        Index("ix_analysis_releases_project_digest", "project", "digest"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    datastore: Mapped[str] = mapped_column(String(200))
    project: Mapped[str] = mapped_column(String(200))
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cells: Mapped[int] = mapped_column(Integer)  # new unit sets registered
    points: Mapped[int] = mapped_column(Integer, server_default="0")
    # sha256 of the result given: the same result again is free (None: not a result)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)


class BudgetInputRow(Base):
    """An input (register variable, derived variable, population) a project paid a fee for."""

    __tablename__ = "analysis_budget_inputs"
    __table_args__ = (
        Index("ix_analysis_budget_inputs_project_used_at", "project", "used_at"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("analysis_releases.id"))
    project: Mapped[str] = mapped_column(String(200))
    input: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReleasedSetRow(Base):
    """A released statistic's unit set, as a fingerprint (never the units). Ids only grow
    (AUTOINCREMENT on SQLite, a sequence on PostgreSQL): workers catch up by id."""

    __tablename__ = "analysis_released_sets"
    __table_args__ = (
        Index("ix_analysis_released_sets_datastore_id", "datastore", "id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("analysis_releases.id"))
    datastore: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(300))
    statistic: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    # The count published for the set, if it is a count: a set a few units away is answered
    # with it (rules/differencing.py).
    published: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The answer published for a set of (unit, value) pairs, if it is one: every row's
    # values and reasons as JSON; a pair set a few pairs away is answered with it.
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntryRow(Base):
    """One entry of the append-only audit log. `hash` = SHA-256 of the previous entry's hash
    and this entry's canonical text (see services/audit.py); the database refuses updates
    and deletes (triggers in migration 0002)."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[str] = mapped_column(String(40), unique=True)
    recorded_at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, hashed as written
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    workspace: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as written
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The last entry's number and hash: a deleted tail shows as a mismatch, and updating
    this one row is how appends (and releases) are serialised across workers."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
