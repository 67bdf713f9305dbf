"""Who may do what (docs/ARCHITECTURE.md §8): roles, token scopes, access rules and the pure
decisions built on them. No storage, no web: the services and the web layer ask these functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from catalogue.domain.account_names import name_of
from catalogue.domain.errors import RegcatError, invalid_input

_Named = TypeVar("_Named", bound=StrEnum)


class Role(StrEnum):
    RESEARCHER = "researcher"
    INSTITUTION_ADMIN = "institution-admin"  # manages the users of its own institution
    STEWARD = "steward"  # of named registers
    ADMIN = "admin"  # the platform's administrator


class Scope(StrEnum):
    """What an API token may be used for; a session carries every scope of its roles."""

    SEARCH = "search"
    ANALYSIS = "analysis"
    STEWARD = "steward"
    ADMIN = "admin"


# A token may carry only scopes that one of its owner's roles grants; "search" identifies
# a client and grants nothing beyond public access, so every role may have it.
SCOPES_OF_ROLE: dict[Role, frozenset[Scope]] = {
    Role.RESEARCHER: frozenset({Scope.SEARCH, Scope.ANALYSIS}),
    Role.INSTITUTION_ADMIN: frozenset({Scope.SEARCH, Scope.ADMIN}),
    Role.STEWARD: frozenset({Scope.SEARCH, Scope.STEWARD}),
    Role.ADMIN: frozenset({Scope.SEARCH, Scope.ADMIN}),
}


class Access(StrEnum):
    """The rule a route is guarded by. Every route has exactly one (see
    services.authorization); a route without one is denied."""

    PUBLIC = "public"  # anyone; credentials are not even looked at, so pages stay cacheable
    SIGN_IN = "sign-in"  # the sign-in forms: anyone, but CSRF-protected
    SIGNED_IN = "signed-in"  # any active account
    SESSION = "session"  # any active account through a web session, never a token
    RESEARCHER = "researcher"  # researcher of an institution with a valid agreement
    STEWARD = "steward"  # steward of some register; the register itself is checked later
    USER_ADMIN = "user-admin"  # institution admin (own institution) or admin
    ADMIN = "admin"


SCOPE_FOR_ACCESS: dict[Access, Scope | None] = {
    Access.SIGNED_IN: None,  # any valid token
    Access.RESEARCHER: Scope.ANALYSIS,
    Access.STEWARD: Scope.STEWARD,
    Access.USER_ADMIN: Scope.ADMIN,
    Access.ADMIN: Scope.ADMIN,
}

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,199}$")
INSTITUTION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class Identity:
    """The account behind a request or a command, resolved once per request."""

    user_id: int | None
    username: str
    roles: frozenset[Role]
    institution_id: int | None = None
    institution_key: str | None = None
    agreement_valid: bool = False  # the institution's agreement covers today
    accepted_terms: bool = False  # the current end-user agreement is accepted
    steward_of: frozenset[str] = frozenset()  # register keys
    scopes: frozenset[Scope] | None = None  # None: a web session, every scope of the roles
    via: str = "session"  # "session", "token" or "operator"
    token_id: int | None = None

    @classmethod
    def operator(cls, name: str) -> Identity:
        """The local operator of the CLI: trusted, since it holds the key file and database."""
        return cls(None, name, frozenset(Role), via="operator")

    @property
    def is_operator(self) -> bool:
        return self.via == "operator"

    def has(self, role: Role) -> bool:
        return role in self.roles

    def allowed_scopes(self) -> frozenset[Scope]:
        granted = scopes_for_roles(self.roles)
        return granted if self.scopes is None else granted & self.scopes


def sign_in_required() -> RegcatError:
    """A request that needs an account and came without one (401: sign in, then try again)."""
    return RegcatError("sign-in-required", http_status=401)


def scopes_for_roles(roles: Iterable[Role]) -> frozenset[Scope]:
    out: set[Scope] = set()
    for role in roles:
        out |= SCOPES_OF_ROLE[role]
    return frozenset(out)


def decide(access: Access | None, identity: Identity | None) -> RegcatError | None:
    """None when `identity` may use a route guarded by `access`, else the error that says why
    not (for the caller to raise). Most denials have nothing to add to what their code means,
    so they take the catalogue's words (catalogue.domain.error_codes)."""
    if access is None:
        return forbidden("no-access-rule")
    if access in (Access.PUBLIC, Access.SIGN_IN):
        return None
    if identity is None:
        return sign_in_required()
    if access is Access.SESSION and identity.via == "token":
        return forbidden("session-required")
    scope = SCOPE_FOR_ACCESS.get(access)
    if scope is not None and identity.scopes is not None and scope not in identity.scopes:
        return forbidden(
            "token-scope",
            f"API-tokenet mangler omfanget «{name_of('scope', scope)}».",
            f"The API token lacks the scope «{name_of('scope', scope, 'en')}».",
            scope=scope.value,
        )
    return _role_denial(access, identity)


def _role_denial(access: Access, identity: Identity) -> RegcatError | None:
    if access is Access.RESEARCHER:
        if not identity.has(Role.RESEARCHER):
            return role_required(Role.RESEARCHER)
        if not identity.agreement_valid:
            return forbidden("institution-agreement-invalid")
        if not identity.accepted_terms:
            return forbidden("end-user-agreement-required")
    elif access is Access.STEWARD and not identity.has(Role.STEWARD):
        return role_required(Role.STEWARD)
    elif access is Access.USER_ADMIN and not (
        identity.has(Role.INSTITUTION_ADMIN) or identity.has(Role.ADMIN)
    ):
        return role_required(Role.INSTITUTION_ADMIN)
    elif access is Access.ADMIN and not identity.has(Role.ADMIN):
        return role_required(Role.ADMIN)
    return None


def role_required(role: Role) -> RegcatError:
    return RegcatError(
        "role-required",
        f"Dette krever rollen {name_of('role', role)}.",
        f"This needs the role {name_of('role', role, 'en')}.",
        {"role": role.value},
        403,
    )


def forbidden(code: str, nb: str = "", en: str = "", **details: str) -> RegcatError:
    return RegcatError(code, nb, en, dict(details), 403)


# --- user administration ------------------------------------------------------------------


def named_members(
    kind: type[_Named], names: Iterable[str], code: str, noun: tuple[str, str]
) -> set[_Named]:
    """The members of `kind` (roles, token scopes) named in `names`; a name that is none
    is refused with `code` (400), naming it and listing the valid ones. `noun`: what a
    member is called, in bokmål and English (also the key of the error's detail)."""
    found: set[_Named] = set()
    for name in names:
        try:
            found.add(kind(name))
        except ValueError:
            raise invalid_input(
                code,
                f"Ukjent {noun[0]} «{name}». Gyldige: {', '.join(kind)}.",
                f"Unknown {noun[1]} «{name}». Valid: {', '.join(kind)}.",
                **{noun[1]: name},
            ) from None
    return found


def may_manage_institution(actor: Identity, institution_id: int | None) -> bool:
    """Admins manage everyone; an institution admin only the users of its own institution."""
    if actor.is_operator or actor.has(Role.ADMIN):
        return True
    return (
        actor.has(Role.INSTITUTION_ADMIN)
        and institution_id is not None
        and actor.institution_id == institution_id
    )


def grantable_roles(actor: Identity) -> frozenset[Role]:
    """An institution admin enrols researchers and fellow institution admins; stewards and
    admins are appointed by an admin."""
    if actor.is_operator or actor.has(Role.ADMIN):
        return frozenset(Role)
    if actor.has(Role.INSTITUTION_ADMIN):
        return frozenset({Role.RESEARCHER, Role.INSTITUTION_ADMIN})
    return frozenset()


def password_problem(password: str, username: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"shorter than {MIN_PASSWORD_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "contains the username"
    return None


# --- time rules ---------------------------------------------------------------------------


def agreement_covers(day: date, starts: date, ends: date | None) -> bool:
    return starts <= day and (ends is None or day <= ends)


def is_idle(last_active: datetime, now: datetime, idle_days: int) -> bool:
    return now - last_active > timedelta(days=idle_days)


# --- export requests ----------------------------------------------------------------------


class ExportStatus(StrEnum):
    PENDING = "pending"  # waiting for at least one register's steward
    APPROVED = "approved"  # every register approved; the file may be downloaded once
    REJECTED = "rejected"  # some register's steward rejected it
    DOWNLOADED = "downloaded"  # delivered; never again


class ExportFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


@dataclass(frozen=True)
class ExportCandidate:
    """What the eligibility rule needs to know about one requested variable."""

    name: str
    register: str | None
    exportable: bool
    unit_type: str
    value_is_unit: bool  # the value identifies another unit (a person's mother)


@dataclass(frozen=True)
class Refusal:
    variable: str
    code: str
    nb: str
    en: str


def export_refusals(candidates: Iterable[ExportCandidate]) -> list[Refusal]:
    """Why each variable may not be exported; empty when all may."""
    out: list[Refusal] = []
    for c in candidates:
        if c.value_is_unit:
            # Even if flagged exportable by mistake: the value is a datastore pseudonym and
            # would link the export back to the datastore.
            out.append(
                Refusal(
                    c.name,
                    "value-identifies-unit",
                    f"{c.name} peker på en annen enhet og kan aldri utleveres.",
                    f"{c.name} points at another unit and can never be exported.",
                )
            )
        elif not c.exportable:
            out.append(
                Refusal(
                    c.name,
                    "not-export-eligible",
                    f"{c.name} er ikke merket «Kan utleveres» av registereieren.",
                    f"{c.name} is not marked as export-eligible by the register owner.",
                )
            )
        elif c.register is None:
            out.append(
                Refusal(
                    c.name,
                    "no-register",
                    f"{c.name} hører ikke til noe register, så ingen forvalter kan godkjenne det.",
                    f"{c.name} belongs to no register, so no steward can approve it.",
                )
            )
    return out


def export_outcome(registers: Iterable[str], decisions: dict[str, bool]) -> ExportStatus:
    """Approved only when every register involved approved; rejected as soon as one rejects."""
    needed = set(registers)
    if any(decisions.get(r) is False for r in needed):
        return ExportStatus.REJECTED
    if needed and all(decisions.get(r) is True for r in needed):
        return ExportStatus.APPROVED
    return ExportStatus.PENDING
