"""Queries and writes on accounts, sessions, tokens and export requests, used inside one
service transaction.

Institutions, users, web sessions, API tokens and export requests leave as small records
(Institution, User, WebSession, ApiToken, ExportRequest, RoleGrant, ExportDataset,
ExportDecision), not as their rows: the services read them and change them only
through the methods here, so no such row outlives its transaction. A record is what was
read; a method that changes one returns it as changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from catalogue.storage.account_models import (
    AgreementAcceptanceRow,
    ApiTokenRow,
    ExportDecisionRow,
    ExportPopulationSourceRow,
    ExportRequestRow,
    ExportVariableRow,
    InstitutionRow,
    UserRoleRow,
    UserRow,
    WebSessionRow,
)
from catalogue.storage.catalogue_store import latest_version_query
from catalogue.storage.models import (
    DatasetRevisionRow,
    DatastoreRow,
    DraftOperationRow,
    DraftRow,
    VersionDatasetRow,
    set_columns,
)
from catalogue.storage.records import aware, aware_or_none, record_of

# Row ids are 64-bit signed integers in SQLite and PostgreSQL; a larger id names no row,
# and binding it would raise instead of finding nothing.
MAX_ROW_ID = 2**63 - 1
# The two tables of an export request's datasets, with the same columns: the variables it
# exports, and the datasets behind its population (each register of either approves it).
_ExportDatasetRow = TypeVar("_ExportDatasetRow", ExportVariableRow, ExportPopulationSourceRow)


@dataclass(frozen=True)
class Institution:
    id: int
    key: str
    name: str
    agreement_from: date
    agreement_until: date | None

    @classmethod
    def of(cls, row: InstitutionRow | Any, columns: dict[str, str] | None = None) -> Institution:
        return record_of(cls, row, columns)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str
    institution_id: int | None
    password_hash: str | None
    oidc_subject: str | None
    active: bool
    deactivated_reason: str | None
    last_active_at: datetime

    @classmethod
    def of(cls, row: UserRow | Any, columns: dict[str, str] | None = None) -> User:
        return record_of(cls, row, columns, active=bool, last_active_at=aware)


@dataclass(frozen=True)
class WebSession:
    user_id: int
    expires_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, row: WebSessionRow) -> WebSession:
        return record_of(cls, row, expires_at=aware, ended_at=aware_or_none)


@dataclass(frozen=True)
class ApiToken:
    id: int
    prefix: str
    secret_sha256: str
    user_id: int
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiTokenRow | Any) -> ApiToken:
        return record_of(
            cls,
            row,
            scopes=tuple,
            created_at=aware,
            expires_at=aware,
            revoked_at=aware_or_none,
            last_used_at=aware_or_none,
        )


@dataclass(frozen=True)
class RoleGrant:
    role: str
    register_key: str  # "" for a role that is not about one register


@dataclass(frozen=True)
class ExportDataset:
    """A dataset an export request names (as a variable or behind its population)."""

    dataset_name: str
    register_key: str


@dataclass(frozen=True)
class ExportDecision:
    register_key: str
    approved: bool
    comment: str
    steward_id: int
    decided_at: datetime

    @classmethod
    def of(cls, row: ExportDecisionRow) -> ExportDecision:
        return record_of(cls, row, decided_at=aware)


@dataclass(frozen=True)
class ExportRequest:
    id: int
    user_id: int
    workspace: str | None
    datastore: str
    version: str
    purpose: str
    file_format: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    downloaded_at: datetime | None
    population_steps: tuple[Any, ...] | None  # a request from a workspace: its steps

    @classmethod
    def of(cls, row: ExportRequestRow) -> ExportRequest:
        return record_of(
            cls,
            row,
            created_at=aware,
            decided_at=aware_or_none,
            downloaded_at=aware_or_none,
            population_steps=lambda steps: tuple(steps) if steps is not None else None,
        )


# The look-ups every authenticated request makes (a token or a session cookie, then the
# account's roles and accepted terms), built once: building a statement and its cache key
# was more than half of each look-up's cost.
_TOKEN_BY_PREFIX = select(ApiTokenRow).where(ApiTokenRow.prefix == bindparam("prefix"))
_SESSION_BY_SECRET = select(WebSessionRow).where(
    WebSessionRow.secret_sha256 == bindparam("secret_sha256")
)
_ROLES_OF_USER = select(UserRoleRow).where(UserRoleRow.user_id == bindparam("user_id"))
_VERSIONS_ACCEPTED_BY_USER = select(AgreementAcceptanceRow.version).where(
    AgreementAcceptanceRow.user_id == bindparam("user_id")
)


@dataclass(frozen=True)
class TokenHolder:
    """A token with all an API request needs of its owner, read in one query: the user
    (None if the row is gone), its institution, roles and whether it accepted the terms."""

    token: ApiToken
    user: User | None
    institution: Institution | None
    roles: tuple[RoleGrant, ...]
    accepted_terms: bool


_T = ApiTokenRow.__table__.c
_U = UserRow.__table__.c
_I = InstitutionRow.__table__.c
_R = UserRoleRow.__table__.c
_A = AgreementAcceptanceRow.__table__.c
# One Core statement (one row per role) instead of five ORM look-ups for every bearer
# request: token, user, roles, institution and accepted terms. Core rows skip the ORM's
# identity map and instance loading, which was most of the request's CPU.
_TOKEN_HOLDER = (
    select(
        _T.id,
        _T.prefix,
        _T.secret_sha256,
        _T.user_id,
        _T.name,
        _T.scopes,
        _T.created_at,
        _T.expires_at,
        _T.revoked_at,
        _T.last_used_at,
        _U.id.label("u_id"),
        _U.username,
        _U.display_name,
        _U.email,
        _U.institution_id,
        _U.password_hash,
        _U.oidc_subject,
        _U.active,
        _U.deactivated_reason,
        _U.last_active_at,
        _I.id.label("i_id"),
        _I.key.label("i_key"),
        _I.name.label("i_name"),
        _I.agreement_from,
        _I.agreement_until,
        _R.role,
        _R.register_key,
        exists().where(_A.user_id == _U.id, _A.version == bindparam("version")).label("accepted"),
    )
    .select_from(
        ApiTokenRow.__table__.outerjoin(UserRow.__table__, _U.id == _T.user_id)
        .outerjoin(InstitutionRow.__table__, _I.id == _U.institution_id)
        .outerjoin(UserRoleRow.__table__, _R.user_id == _U.id)
    )
    .where(_T.prefix == bindparam("prefix"))
)


class AccountStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # institutions ---------------------------------------------------------------------------
    def institution(self, key: str) -> Institution | None:
        row = self._institution_row(key)
        return Institution.of(row) if row else None

    def institution_by_id(self, institution_id: int | None) -> Institution | None:
        if institution_id is None:
            return None
        row = self.session.get(InstitutionRow, institution_id)
        return Institution.of(row) if row else None

    def institutions(self) -> list[Institution]:
        rows = self.session.scalars(select(InstitutionRow).order_by(InstitutionRow.key))
        return [Institution.of(row) for row in rows]

    def add_institution(
        self, key: str, name: str, agreement_from: date, agreement_until: date | None, at: datetime
    ) -> Institution:
        row = InstitutionRow(
            key=key,
            name=name,
            agreement_from=agreement_from,
            agreement_until=agreement_until,
            created_at=at,
        )
        self.add(row)
        return Institution.of(row)

    def set_agreement(
        self, key: str, agreement_from: date, agreement_until: date | None
    ) -> Institution | None:
        """The institution with its agreement's new dates; None if there is no such one."""
        row = self._institution_row(key)
        if row is None:
            return None
        row.agreement_from, row.agreement_until = agreement_from, agreement_until
        self.session.flush()
        return Institution.of(row)

    def _institution_row(self, key: str) -> InstitutionRow | None:
        return self.session.scalar(select(InstitutionRow).where(InstitutionRow.key == key))

    # users ---------------------------------------------------------------------------------
    def user(self, username: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.username == username))
        return User.of(row) if row else None

    def user_by_id(self, user_id: int) -> User | None:
        row = self.session.get(UserRow, user_id)
        return User.of(row) if row else None

    def user_by_subject(self, subject: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.oidc_subject == subject))
        return User.of(row) if row else None

    def users(self, institution_id: int | None = None) -> list[User]:
        query = select(UserRow).order_by(UserRow.username)
        if institution_id is not None:
            query = query.where(UserRow.institution_id == institution_id)
        return [User.of(row) for row in self.session.scalars(query)]

    def active_users_idle_since(self, cutoff: datetime) -> list[User]:
        rows = self.session.scalars(
            select(UserRow)
            .where(UserRow.active.is_(True), UserRow.last_active_at < cutoff)
            .order_by(UserRow.username)
        )
        return [User.of(row) for row in rows]

    def add_user(
        self,
        username: str,
        display_name: str,
        email: str,
        institution_id: int | None,
        password_hash: str | None,
        at: datetime,
        by: str,
    ) -> User:
        row = UserRow(
            username=username,
            display_name=display_name,
            email=email,
            institution_id=institution_id,
            password_hash=password_hash,
            oidc_subject=None,
            active=True,
            last_active_at=at,
            created_at=at,
            created_by=by,
        )
        self.add(row)
        return User.of(row)

    def note_user_active(self, user_id: int, at: datetime) -> None:
        self._change_user(user_id, last_active_at=at)

    def deactivate_user(self, user_id: int, reason: str, at: datetime) -> User:
        return self._change_user(
            user_id, active=False, deactivated_at=at, deactivated_reason=reason
        )

    def reactivate_user(self, user_id: int, at: datetime) -> User:
        """Active again, and used at `at` (or the idle rule would take it again at once)."""
        return self._change_user(
            user_id, active=True, deactivated_at=None, deactivated_reason=None, last_active_at=at
        )

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._change_user(user_id, password_hash=password_hash)

    def bind_oidc_subject(self, user_id: int, subject: str) -> User:
        return self._change_user(user_id, oidc_subject=subject)

    def _change_user(self, user_id: int, **columns: object) -> User:
        row = self.session.get(UserRow, user_id)
        return User.of(set_columns(row, f"user {user_id}", **columns))

    def accept_agreement(self, user_id: int, version: str, at: datetime) -> None:
        self.add(AgreementAcceptanceRow(user_id=user_id, version=version, accepted_at=at))

    def roles(self, user_id: int) -> list[RoleGrant]:
        rows = self.session.scalars(_ROLES_OF_USER, {"user_id": user_id})
        return [RoleGrant(row.role, row.register_key) for row in rows]

    def replace_roles(self, user_id: int, roles: Iterable[tuple[str, str]]) -> None:
        self.session.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
        for role, register in sorted(set(roles)):
            self.session.add(UserRoleRow(user_id=user_id, role=role, register_key=register))
        self.session.flush()

    def accepted_versions(self, user_id: int) -> set[str]:
        return set(self.session.scalars(_VERSIONS_ACCEPTED_BY_USER, {"user_id": user_id}))

    # web sessions ---------------------------------------------------------------------------
    def start_web_session(
        self, secret_sha256: str, user_id: int, method: str, at: datetime, expires_at: datetime
    ) -> None:
        self.add(
            WebSessionRow(
                secret_sha256=secret_sha256,
                user_id=user_id,
                method=method,
                created_at=at,
                expires_at=expires_at,
                ended_at=None,
            )
        )

    def web_session(self, secret_sha256: str) -> WebSession | None:
        row = self._web_session_row(secret_sha256)
        return WebSession.of(row) if row else None

    def end_web_session(self, secret_sha256: str, at: datetime) -> None:
        """Ends the session unless it has ended already (then it keeps its moment)."""
        row = self._web_session_row(secret_sha256)
        if row is not None and row.ended_at is None:
            row.ended_at = at

    def _web_session_row(self, secret_sha256: str) -> WebSessionRow | None:
        return self.session.scalar(_SESSION_BY_SECRET, {"secret_sha256": secret_sha256})

    def end_sessions(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(WebSessionRow)
            .where(WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None))
            .values(ended_at=at)
        )

    # API tokens -----------------------------------------------------------------------------
    def token(self, prefix: str) -> ApiToken | None:
        row = self._token_row(prefix)
        return ApiToken.of(row) if row else None

    def token_holder(self, prefix: str, agreement_version: str) -> TokenHolder | None:
        """The token `prefix` and its owner as of now, or None; `agreement_version` is the
        end-user agreement whose acceptance is asked for."""
        rows = self.session.connection().execute(
            _TOKEN_HOLDER, {"prefix": prefix, "version": agreement_version}
        )
        found = rows.all()
        if not found:
            return None
        m = found[0]._mapping
        token = ApiToken.of(m)
        user = User.of(m, {"id": "u_id"}) if m["u_id"] is not None else None
        institution = None
        if m["i_id"] is not None:
            institution = Institution.of(m, {"id": "i_id", "key": "i_key", "name": "i_name"})
        roles = tuple(
            RoleGrant(r._mapping["role"], r._mapping["register_key"])
            for r in found
            if r._mapping["role"] is not None
        )
        return TokenHolder(token, user, institution, roles, bool(m["accepted"]))

    def tokens(self, user_id: int) -> list[ApiToken]:
        rows = self.session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id)
            .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())
        )
        return [ApiToken.of(row) for row in rows]

    def add_token(
        self,
        prefix: str,
        secret_sha256: str,
        user_id: int,
        name: str,
        scopes: Iterable[str],
        created_at: datetime,
        expires_at: datetime,
    ) -> ApiToken:
        row = ApiTokenRow(
            prefix=prefix,
            secret_sha256=secret_sha256,
            user_id=user_id,
            name=name,
            scopes=list(scopes),
            created_at=created_at,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        )
        self.add(row)
        return ApiToken.of(row)

    def revoke_token(self, prefix: str, at: datetime) -> ApiToken | None:
        """The token, revoked at `at` unless it already was (then it keeps its moment)."""
        row = self._token_row(prefix)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = at
            self.session.flush()
        return ApiToken.of(row)

    def note_token_used(self, prefix: str, at: datetime) -> None:
        self.session.execute(
            update(ApiTokenRow).where(ApiTokenRow.prefix == prefix).values(last_used_at=at)
        )

    def _token_row(self, prefix: str) -> ApiTokenRow | None:
        return self.session.scalar(_TOKEN_BY_PREFIX, {"prefix": prefix})

    def revoke_tokens(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    # export requests ------------------------------------------------------------------------
    def export_request(self, request_id: int, lock: bool = False) -> ExportRequest | None:
        if not 0 < request_id <= MAX_ROW_ID:  # no such row; the database cannot even bind it
            return None
        query = select(ExportRequestRow).where(ExportRequestRow.id == request_id)
        if lock:  # two stewards deciding at once must not both see "pending"
            query = query.with_for_update()
        row = self.session.scalar(query)
        return ExportRequest.of(row) if row else None

    def export_requests_of(self, user_id: int) -> list[ExportRequest]:
        rows = self.session.scalars(
            select(ExportRequestRow)
            .where(ExportRequestRow.user_id == user_id)
            .order_by(ExportRequestRow.id.desc())
        )
        return [ExportRequest.of(row) for row in rows]

    def add_export_request(
        self,
        user_id: int,
        workspace: str | None,
        datastore: str,
        version: str,
        purpose: str,
        file_format: str,
        status: str,
        at: datetime,
        population_steps: list[Any] | None,
    ) -> ExportRequest:
        row = ExportRequestRow(
            user_id=user_id,
            workspace=workspace,
            datastore=datastore,
            version=version,
            purpose=purpose,
            file_format=file_format,
            status=status,
            created_at=at,
            population_steps=population_steps,
        )
        self.add(row)
        return ExportRequest.of(row)

    def add_export_variable(self, request_id: int, dataset: str, register: str) -> None:
        self._add_export_dataset(ExportVariableRow, request_id, dataset, register)

    def add_export_population_source(self, request_id: int, dataset: str, register: str) -> None:
        self._add_export_dataset(ExportPopulationSourceRow, request_id, dataset, register)

    def _add_export_dataset(
        self, table: type[_ExportDatasetRow], request_id: int, dataset: str, register: str
    ) -> None:
        self.add(table(request_id=request_id, dataset_name=dataset, register_key=register))

    def add_export_decision(
        self,
        request_id: int,
        register: str,
        approved: bool,
        comment: str,
        steward_id: int | None,
        at: datetime,
    ) -> None:
        self.add(
            ExportDecisionRow(
                request_id=request_id,
                register_key=register,
                approved=approved,
                comment=comment,
                steward_id=steward_id,
                decided_at=at,
            )
        )

    def decide_export_request(self, request_id: int, status: str, at: datetime) -> ExportRequest:
        return self._change_export_request(request_id, status=status, decided_at=at)

    def mark_export_downloaded(self, request_id: int, status: str, at: datetime) -> None:
        self._change_export_request(request_id, status=status, downloaded_at=at)

    def _change_export_request(self, request_id: int, **columns: object) -> ExportRequest:
        row = self.session.get(ExportRequestRow, request_id)
        return ExportRequest.of(set_columns(row, f"export request {request_id}", **columns))

    def export_requests_for_registers(self, registers: Iterable[str]) -> list[ExportRequest]:
        keys = list(registers)
        if not keys:
            return []
        exported = select(ExportVariableRow.request_id).where(
            ExportVariableRow.register_key.in_(keys)
        )
        behind_population = select(ExportPopulationSourceRow.request_id).where(
            ExportPopulationSourceRow.register_key.in_(keys)
        )
        rows = self.session.scalars(
            select(ExportRequestRow)
            .where(ExportRequestRow.id.in_(exported) | ExportRequestRow.id.in_(behind_population))
            .order_by(ExportRequestRow.id.desc())
        )
        return [ExportRequest.of(row) for row in rows]

    def export_variables(self, request_id: int) -> list[ExportDataset]:
        return self._export_datasets(ExportVariableRow, request_id)

    def export_population_sources(self, request_id: int) -> list[ExportDataset]:
        return self._export_datasets(ExportPopulationSourceRow, request_id)

    def _export_datasets(
        self, table: type[_ExportDatasetRow], request_id: int
    ) -> list[ExportDataset]:
        """The datasets of an export request held in `table` (the variables it exports, or
        the datasets behind its population), by name."""
        rows = self.session.scalars(
            select(table).where(table.request_id == request_id).order_by(table.dataset_name)
        )
        return [ExportDataset(row.dataset_name, row.register_key) for row in rows]

    def export_decisions(self, request_id: int) -> list[ExportDecision]:
        rows = self.session.scalars(
            select(ExportDecisionRow)
            .where(ExportDecisionRow.request_id == request_id)
            .order_by(ExportDecisionRow.register_key)
        )
        return [ExportDecision.of(row) for row in rows]

    # registers touched by steward operations -------------------------------------------------
    def registers_in_draft(self, datastore: str) -> tuple[int, set[str | None]] | None:
        """The draft number and the register of every staged operation (a removal's register
        is the released revision's); None when the datastore does not exist."""
        ds = self.session.scalar(select(DatastoreRow).where(DatastoreRow.name == datastore))
        if ds is None:
            return None
        draft = self.session.get(DraftRow, ds.id)
        ops = self.session.scalars(
            select(DraftOperationRow).where(DraftOperationRow.datastore_id == ds.id)
        ).all()
        released = self.released_registers(ds.id)
        registers: set[str | None] = set()
        for op in ops:
            if op.revision_id is not None:
                revision = self.session.get(DatasetRevisionRow, op.revision_id)
                registers.add(revision.register_key if revision else None)
            else:
                registers.add(released.get(op.dataset_name))
        return (draft.number if draft else 0), registers

    def released_register(self, datastore: str, dataset: str) -> str | None:
        ds = self.session.scalar(select(DatastoreRow).where(DatastoreRow.name == datastore))
        return self.released_registers(ds.id).get(dataset) if ds else None

    def released_registers(self, datastore_id: int) -> dict[str, str | None]:
        """Dataset name -> register key in the latest released version."""
        latest = self.session.scalar(latest_version_query(datastore_id))
        if latest is None:
            return {}
        rows = self.session.execute(
            select(VersionDatasetRow.dataset_name, DatasetRevisionRow.register_key)
            .join(DatasetRevisionRow, DatasetRevisionRow.id == VersionDatasetRow.revision_id)
            .where(VersionDatasetRow.version_id == latest.id)
        ).all()
        return {name: register for name, register in rows}
