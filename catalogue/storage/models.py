"""Tables of the catalogue database. Changes go through an alembic migration; a test
checks that the migrations produce exactly these tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


AnyRow = TypeVar("AnyRow", bound=Base)


def set_columns(row: AnyRow | None, what: str, **columns: object) -> AnyRow:
    """The row with `columns` written. The stores change a row through this after finding it
    in the same transaction, so a missing one is a bug (LookupError), not a 404."""
    if row is None:
        raise LookupError(f"no {what}")
    for name, value in columns.items():
        setattr(row, name, value)
    return row


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, always timezone-aware UTC above the storage layer.

    SQLite keeps no zone and hands datetimes back naive; PostgreSQL hands them back in the
    session's zone. Every time regcat stores is UTC, so the zone is put back here, at the
    storage boundary, and nothing above it formats a moment without its offset. A naive
    moment is refused on the way in: which zone it meant cannot be known."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime ({value}) cannot be stored: give it a zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DatastoreRow(Base):
    __tablename__ = "datastores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    label: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UnitTypeRow(Base):
    __tablename__ = "unit_types"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[Any] = mapped_column(JSON)
    description: Mapped[Any] = mapped_column(JSON)
    identifier_format: Mapped[str] = mapped_column(String(100))
    requires_pseudonymization: Mapped[bool] = mapped_column(Boolean)


class RegisterRow(Base):
    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("datastore_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id"))
    key: Mapped[str] = mapped_column(String(100))
    manifest: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DataProductRow(Base):
    __tablename__ = "data_products"
    __table_args__ = (UniqueConstraint("register_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[Any] = mapped_column(JSON)
    description: Mapped[Any] = mapped_column(JSON)


class DatasetRevisionRow(Base):
    """One immutable (metadata, data files) pair of a dataset; versions point at these.

    A revision with a parent (an APPEND, a PATCH_METADATA) has its parent's data files, seen
    from its own folder, and its own dataset_files rows besides: appending a month writes the
    month's files, not the list of every month before it (docs/MONTHLY.md §4). Revisions
    stored before parents existed (migration 0009) list all their files themselves."""

    __tablename__ = "dataset_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id"), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    files_path: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    metadata_doc: Mapped[Any] = mapped_column(JSON)
    metadata_sha256: Mapped[str] = mapped_column(String(64))
    temporality: Mapped[str] = mapped_column(String(20))
    unit_type: Mapped[str] = mapped_column(String(100))
    register_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    data_product: Mapped[str | None] = mapped_column(String(100), nullable=True)
    exportable: Mapped[bool] = mapped_column(Boolean)
    technical_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    row_count: Mapped[int] = mapped_column(BigInteger)
    unit_count: Mapped[int] = mapped_column(BigInteger)
    start_min: Mapped[date | None] = mapped_column(Date, nullable=True)
    stop_max: Mapped[date | None] = mapped_column(Date, nullable=True)
    report: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    # No foreign key: SQLite can add such a column in place but neither drop it nor copy a
    # table others refer to while foreign keys are on, so migration 0009 could not be
    # undone there. Revisions are never deleted, and the store links only to a revision
    # it read in the same transaction.
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DatasetFileRow(Base):
    """A data file a revision added: its path from the revision's folder (`../<key>/…` for
    a file in a sibling folder, in rows written before migration 0009)."""

    __tablename__ = "dataset_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("dataset_revisions.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(BigInteger)


class CodeListEntryRow(Base):
    """A code list sliced into validity periods; sentinel codes apply to every period."""

    __tablename__ = "code_list_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("dataset_revisions.id"), index=True)
    period_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    code: Mapped[str] = mapped_column(String(200))
    title: Mapped[Any] = mapped_column(JSON)
    is_sentinel: Mapped[bool] = mapped_column(Boolean)


class DraftRow(Base):
    __tablename__ = "drafts"
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))


class DraftOperationRow(Base):
    __tablename__ = "draft_operations"
    __table_args__ = (UniqueConstraint("datastore_id", "dataset_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id"))
    dataset_name: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(20))
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_revisions.id"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text)
    staged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    staged_by: Mapped[str] = mapped_column(String(200))


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("datastore_id", "major", "minor", "patch"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id"), index=True)
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_by: Mapped[str] = mapped_column(String(200))
    draft_number: Mapped[int] = mapped_column(Integer)


class VersionDatasetRow(Base):
    __tablename__ = "version_datasets"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    dataset_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("dataset_revisions.id"), index=True)


class ChangelogEntryRow(Base):
    __tablename__ = "changelog_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    dataset_name: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    staged_by: Mapped[str] = mapped_column(String(200))


class LockRow(Base):
    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)
