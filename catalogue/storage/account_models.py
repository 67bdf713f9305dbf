"""Tables of accounts, sessions, API tokens and export requests (migrations 0003, 0004).

Secrets are never stored: passwords as argon2 hashes, session and token secrets as SHA-256
digests (they are long random strings, so a fast hash is enough to make a stolen table
useless)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.storage.models import Base, UtcDateTime


class InstitutionRow(Base):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    agreement_from: Mapped[date] = mapped_column(Date)
    agreement_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(300))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id"), nullable=True, index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(500), nullable=True, unique=True)
    active: Mapped[bool] = mapped_column(Boolean)
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_active_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class UserRoleRow(Base):
    """One role of a user; a steward has one row per register ("" for the other roles)."""

    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    register_key: Mapped[str] = mapped_column(String(100), primary_key=True)


class AgreementAcceptanceRow(Base):
    __tablename__ = "agreement_acceptances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[str] = mapped_column(String(50))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # "password" or "oidc"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public; finds the row
    secret_sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ExportRequestRow(Base):
    __tablename__ = "export_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    workspace: Mapped[str | None] = mapped_column(String(100), nullable=True)
    datastore: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(50))
    purpose: Mapped[str] = mapped_column(Text)
    file_format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A request from a workspace: the steps that made its population (migration 0004).
    population_steps: Mapped[Any | None] = mapped_column(JSON, nullable=True)


class ExportVariableRow(Base):
    __tablename__ = "export_variables"
    request_id: Mapped[int] = mapped_column(ForeignKey("export_requests.id"), primary_key=True)
    dataset_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    register_key: Mapped[str] = mapped_column(String(100))


class ExportPopulationSourceRow(Base):
    """A dataset the steps behind a request's population read (migration 0004): its
    register must approve the request too."""

    __tablename__ = "export_population_sources"
    request_id: Mapped[int] = mapped_column(ForeignKey("export_requests.id"), primary_key=True)
    dataset_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    register_key: Mapped[str] = mapped_column(String(100), index=True)


class ExportDecisionRow(Base):
    """One register's answer: any steward of that register may give it, once."""

    __tablename__ = "export_decisions"
    request_id: Mapped[int] = mapped_column(ForeignKey("export_requests.id"), primary_key=True)
    register_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    approved: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text)
    steward_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
