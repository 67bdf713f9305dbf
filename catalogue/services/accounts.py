"""Institutions, users, roles, the end-user agreement, password sign-in, web sessions and
the deactivation of idle accounts (DESIGN §8).

Every function that changes an account takes the acting Identity and checks it here, so
the same rule holds for the web, the API and the CLI (whose operator is trusted)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from catalogue.domain.accounts import (
    INSTITUTION_KEY,
    USERNAME,
    Identity,
    Role,
    agreement_covers,
    forbidden,
    grantable_roles,
    is_idle,
    may_manage_institution,
    password_problem,
)
from catalogue.domain.errors import RegcatError, conflict, invalid_input, not_found
from catalogue.services.context import Context
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_models import (
    AgreementAcceptanceRow,
    InstitutionRow,
    UserRow,
    WebSessionRow,
)
from catalogue.storage.account_store import AccountStore, aware
from catalogue.storage.catalogue_store import now

# Writing last_active_at on every request would make every read a write; a day's
# resolution is plenty for an 18-month rule.
ACTIVITY_RESOLUTION = timedelta(days=1)


@dataclass(frozen=True)
class InstitutionView:
    key: str
    name: str
    agreement_from: date
    agreement_until: date | None
    agreement_valid: bool


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    email: str
    institution: str | None
    roles: tuple[str, ...]
    steward_of: tuple[str, ...]
    active: bool
    deactivated_reason: str | None
    last_active_at: datetime
    accepted_agreement: bool
    has_password: bool


@dataclass(frozen=True)
class SignedIn:
    identity: Identity
    session_secret: str  # goes into the signed session cookie; stored only as a digest


def operator(ctx: Context) -> Identity:
    """The identity of the local command line: trusted, see Identity.operator."""
    return Identity.operator(ctx.config.user)


# --- passwords ---------------------------------------------------------------------------


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so that an unknown username takes as
    # long to refuse as a wrong password.
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str, username: str) -> str:
    problem = password_problem(password, username)
    if problem:
        raise invalid_input(
            "weak-password",
            f"Passordet er for svakt: minst 12 tegn, og ikke brukernavnet ({problem}).",
            f"The password is too weak: at least 12 characters, not the username ({problem}).",
            problem=problem,
        )
    return _hasher().hash(password)


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- institutions ------------------------------------------------------------------------


def create_institution(
    ctx: Context,
    actor: Identity,
    key: str,
    name: str,
    agreement_from: date,
    agreement_until: date | None = None,
) -> InstitutionView:
    require_initialised(ctx)
    _require_admin(actor)
    if not INSTITUTION_KEY.match(key):
        raise invalid_input(
            "invalid-institution-key",
            f"«{key}» er ikke en gyldig institusjonsnøkkel (små bokstaver, sifre, bindestrek).",
            f"«{key}» is not a valid institution key (lower-case letters, digits, hyphens).",
            key=key,
        )
    _check_period(agreement_from, agreement_until)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        if store.institution(key) is not None:
            raise conflict(
                "institution-exists",
                f"Institusjonen {key} finnes allerede.",
                f"The institution {key} already exists.",
                key=key,
            )
        row = InstitutionRow(
            key=key,
            name=name.strip() or key,
            agreement_from=agreement_from,
            agreement_until=agreement_until,
            created_at=now(),
        )
        store.add(row)
        view = _institution_view(row)
    record_event(ctx, actor.username, "institution.created", {"institution": key})
    return view


def set_agreement(
    ctx: Context, actor: Identity, key: str, agreement_from: date, agreement_until: date | None
) -> InstitutionView:
    _require_admin(actor)
    _check_period(agreement_from, agreement_until)
    with ctx.db.transaction() as session:
        row = _institution(AccountStore(session), key)
        row.agreement_from, row.agreement_until = agreement_from, agreement_until
        view = _institution_view(row)
    record_event(
        ctx,
        actor.username,
        "institution.agreement",
        {"institution": key, "from": str(agreement_from), "until": str(agreement_until)},
    )
    return view


def list_institutions(ctx: Context) -> list[InstitutionView]:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        return [_institution_view(i) for i in AccountStore(session).institutions()]


def _institution_view(row: InstitutionRow) -> InstitutionView:
    return InstitutionView(
        row.key,
        row.name,
        row.agreement_from,
        row.agreement_until,
        agreement_covers(date.today(), row.agreement_from, row.agreement_until),
    )


def _institution(store: AccountStore, key: str) -> InstitutionRow:
    row = store.institution(key)
    if row is None:
        raise not_found(
            "unknown-institution",
            f"Institusjonen {key} finnes ikke.",
            f"The institution {key} does not exist.",
            institution=key,
        )
    return row


def _check_period(starts: date, ends: date | None) -> None:
    if ends is not None and ends < starts:
        raise invalid_input(
            "invalid-agreement-period",
            "Avtalen kan ikke slutte før den begynner.",
            "The agreement cannot end before it starts.",
        )


# --- users -------------------------------------------------------------------------------


def enrol_user(
    ctx: Context,
    actor: Identity,
    username: str,
    *,
    display_name: str = "",
    email: str = "",
    institution: str | None = None,
    roles: Iterable[str] = (Role.RESEARCHER,),
    steward_of: Iterable[str] = (),
    password: str | None = None,
) -> UserView:
    """Enrol a user. An institution admin enrols into its own institution only, and only
    researchers and institution admins; a user without a password signs in through OIDC."""
    require_initialised(ctx)
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise invalid_input(
            "invalid-username",
            f"«{username}» er ikke et gyldig brukernavn (små bokstaver, sifre, . _ @ -).",
            f"«{username}» is not a valid username (lower-case letters, digits, . _ @ -).",
            username=username,
        )
    wanted = _parse_roles(roles)
    registers = _role_registers(wanted, steward_of)
    password_hash = hash_password(password, username) if password else None
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        inst = _institution(store, institution) if institution else None
        if inst is None and not actor.is_operator and not actor.has(Role.ADMIN):
            inst = store.institution_by_id(actor.institution_id)
        _check_may_manage(actor, inst.id if inst else None, username)
        _check_may_grant(actor, wanted)
        if (Role.RESEARCHER in wanted or Role.INSTITUTION_ADMIN in wanted) and inst is None:
            raise invalid_input(
                "institution-required",
                "Forskere og institusjonsadministratorer må høre til en institusjon.",
                "Researchers and institution admins must belong to an institution.",
            )
        if store.user(username) is not None:
            raise conflict(
                "user-exists",
                f"Brukeren {username} finnes allerede.",
                f"The user {username} already exists.",
                username=username,
            )
        moment = now()
        user = UserRow(
            username=username,
            display_name=display_name.strip() or username,
            email=email.strip(),
            institution_id=inst.id if inst else None,
            password_hash=password_hash,
            oidc_subject=None,
            active=True,
            last_active_at=moment,
            created_at=moment,
            created_by=actor.username,
        )
        store.add(user)
        store.replace_roles(user.id, registers)
        view = _user_view(ctx, store, user)
    record_event(
        ctx,
        actor.username,
        "user.enrolled",
        {"username": username, "roles": sorted(r.value for r in wanted)},
    )
    return view


def set_roles(
    ctx: Context, actor: Identity, username: str, roles: Iterable[str], steward_of: Iterable[str]
) -> UserView:
    wanted = _parse_roles(roles)
    registers = _role_registers(wanted, steward_of)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _managed_user(store, actor, username)
        current = {Role(r.role) for r in store.roles(user.id)}
        # Granting and taking away are both limited to what the actor may grant.
        _check_may_grant(actor, wanted ^ current)
        store.replace_roles(user.id, registers)
        store.end_sessions(user.id, now())  # a session must not keep roles it lost
        view = _user_view(ctx, store, user)
    record_event(
        ctx,
        actor.username,
        "user.roles",
        {"username": username, "roles": list(view.roles), "steward_of": list(view.steward_of)},
    )
    return view


def list_users(ctx: Context, actor: Identity) -> list[UserView]:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        if actor.is_operator or actor.has(Role.ADMIN):
            rows = store.users()
        elif actor.has(Role.INSTITUTION_ADMIN) and actor.institution_id is not None:
            rows = store.users(actor.institution_id)
        else:
            raise forbidden(
                "not-user-admin",
                "Du kan ikke administrere brukere.",
                "You cannot manage users.",
            )
        return [_user_view(ctx, store, u) for u in rows]


def get_user(ctx: Context, actor: Identity, username: str) -> UserView:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        if username == actor.username:
            return _user_view(ctx, store, _user(store, username))
        return _user_view(ctx, store, _managed_user(store, actor, username))


def deactivate_user(
    ctx: Context, actor: Identity, username: str, reason: str = "by-admin"
) -> UserView:
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _managed_user(store, actor, username)
        _deactivate(store, user, reason, now())
        view = _user_view(ctx, store, user)
    record_event(ctx, actor.username, "user.deactivated", {"username": username, "reason": reason})
    return view


def reactivate_user(ctx: Context, actor: Identity, username: str) -> UserView:
    """Reactivation is the institution's decision: its admin (or an admin) makes it."""
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _managed_user(store, actor, username)
        user.active = True
        user.deactivated_at = None
        user.deactivated_reason = None
        user.last_active_at = now()  # or the idle rule would take it again at once
        view = _user_view(ctx, store, user)
    record_event(ctx, actor.username, "user.reactivated", {"username": username})
    return view


def set_password(ctx: Context, actor: Identity, username: str, password: str) -> None:
    hashed = hash_password(password, username)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = (
            _user(store, username)
            if username == actor.username
            else _managed_user(store, actor, username)
        )
        user.password_hash = hashed
        store.end_sessions(user.id, now())
    record_event(ctx, actor.username, "user.password", {"username": username})


def accept_agreement(ctx: Context, identity: Identity) -> Identity:
    version = ctx.config["agreement_version"]
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _user(store, identity.username)
        if version not in store.accepted_versions(user.id):
            store.add(AgreementAcceptanceRow(user_id=user.id, version=version, accepted_at=now()))
    record_event(ctx, identity.username, "agreement.accepted", {"version": version})
    return _replace_terms(identity, True)


def _replace_terms(identity: Identity, accepted: bool) -> Identity:
    return replace(identity, accepted_terms=accepted)


def expire_idle_accounts(ctx: Context, at: datetime | None = None) -> list[str]:
    """Deactivate every active account unused for ACCOUNT_IDLE_DAYS; returns their names."""
    require_initialised(ctx)
    moment = at or now()
    cutoff = moment - timedelta(days=ctx.config.account_idle_days)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        expired = list(store.active_users_idle_since(cutoff))
        for user in expired:
            _deactivate(store, user, "idle", moment)
        names = [u.username for u in expired]
    for name in names:
        record_event(ctx, "regcat", "user.deactivated", {"username": name, "reason": "idle"})
    return names


def _deactivate(store: AccountStore, user: UserRow, reason: str, at: datetime) -> None:
    user.active = False
    user.deactivated_at = at
    user.deactivated_reason = reason
    store.end_sessions(user.id, at)
    store.revoke_tokens(user.id, at)


def _parse_roles(roles: Iterable[str]) -> set[Role]:
    out = set()
    for role in roles:
        try:
            out.add(Role(role))
        except ValueError:
            raise invalid_input(
                "unknown-role",
                f"Ukjent rolle «{role}». Gyldige: {', '.join(Role)}.",
                f"Unknown role «{role}». Valid: {', '.join(Role)}.",
                role=role,
            ) from None
    return out


def _role_registers(roles: set[Role], steward_of: Iterable[str]) -> list[tuple[str, str]]:
    registers = sorted({r.strip() for r in steward_of if r.strip()})
    if (Role.STEWARD in roles) != bool(registers):
        raise invalid_input(
            "steward-registers",
            "En forvalter må ha minst ett register, og bare forvaltere kan ha registre.",
            "A steward needs at least one register, and only stewards have registers.",
        )
    pairs = [(r.value, "") for r in roles if r is not Role.STEWARD]
    return pairs + [(Role.STEWARD.value, key) for key in registers]


def _check_may_grant(actor: Identity, roles: set[Role]) -> None:
    refused = roles - grantable_roles(actor)
    if refused:
        raise forbidden(
            "role-not-grantable",
            f"Du kan ikke tildele eller fjerne rollen {', '.join(sorted(refused))}.",
            f"You cannot grant or remove the role {', '.join(sorted(refused))}.",
            roles=", ".join(sorted(refused)),
        )


def _check_may_manage(actor: Identity, institution_id: int | None, username: str) -> None:
    if not may_manage_institution(actor, institution_id):
        raise forbidden(
            "other-institution",
            f"Du kan bare administrere brukere ved din egen institusjon ({username}).",
            f"You can only manage users of your own institution ({username}).",
            username=username,
        )


def _user(store: AccountStore, username: str) -> UserRow:
    user = store.user(username)
    if user is None:
        raise not_found(
            "unknown-user",
            f"Brukeren {username} finnes ikke.",
            f"The user {username} does not exist.",
            username=username,
        )
    return user


def _managed_user(store: AccountStore, actor: Identity, username: str) -> UserRow:
    user = _user(store, username)
    _check_may_manage(actor, user.institution_id, username)
    if not (actor.is_operator or actor.has(Role.ADMIN)):
        # An institution admin may not act on an account holding roles it cannot grant
        # (a steward or admin who also belongs to the institution).
        held = {Role(r.role) for r in store.roles(user.id)}
        _check_may_grant(actor, held)
    return user


def _user_view(ctx: Context, store: AccountStore, user: UserRow) -> UserView:
    roles = store.roles(user.id)
    inst = store.institution_by_id(user.institution_id)
    return UserView(
        user.username,
        user.display_name,
        user.email,
        inst.key if inst else None,
        tuple(sorted({r.role for r in roles})),
        tuple(sorted(r.register_key for r in roles if r.role == Role.STEWARD)),
        user.active,
        user.deactivated_reason,
        aware(user.last_active_at),
        ctx.config["agreement_version"] in store.accepted_versions(user.id),
        user.password_hash is not None,
    )


def _require_admin(actor: Identity) -> None:
    if not (actor.is_operator or actor.has(Role.ADMIN)):
        raise forbidden(
            "admin-required", "Dette krever rollen «admin».", "This needs the role «admin»."
        )


# --- identities, sign-in and sessions ------------------------------------------------------


def identity_of(ctx: Context, store: AccountStore, user: UserRow) -> Identity:
    roles = store.roles(user.id)
    inst = store.institution_by_id(user.institution_id)
    return Identity(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r.role) for r in roles),
        institution_id=user.institution_id,
        institution_key=inst.key if inst else None,
        agreement_valid=bool(
            inst and agreement_covers(date.today(), inst.agreement_from, inst.agreement_until)
        ),
        accepted_terms=ctx.config["agreement_version"] in store.accepted_versions(user.id),
        steward_of=frozenset(r.register_key for r in roles if r.role == Role.STEWARD),
    )


def note_activity(user: UserRow, at: datetime) -> None:
    if at - aware(user.last_active_at) >= ACTIVITY_RESOLUTION:
        user.last_active_at = at


def usable_account(ctx: Context, store: AccountStore, user: UserRow, at: datetime) -> bool:
    """Active and not idle; an idle account found here is deactivated on the spot."""
    if not user.active:
        return False
    if is_idle(aware(user.last_active_at), at, ctx.config.account_idle_days):
        _deactivate(store, user, "idle", at)
        return False
    return True


def invalid_credentials() -> RegcatError:
    return RegcatError(
        "invalid-credentials",
        "Feil brukernavn eller passord.",
        "Wrong username or password.",
        {},
        401,
    )


def account_deactivated(reason: str | None) -> RegcatError:
    return forbidden(
        "account-deactivated",
        "Kontoen er deaktivert"
        + (" etter 18 måneder uten bruk" if reason == "idle" else "")
        + ". Be administratoren ved institusjonen din om å aktivere den igjen.",
        "The account is deactivated"
        + (" after 18 months without use" if reason == "idle" else "")
        + ". Ask your institution's administrator to reactivate it.",
        reason=reason or "",
    )


def sign_in_with_password(ctx: Context, username: str, password: str, address: str) -> SignedIn:
    require_initialised(ctx)
    username = username.strip().lower()
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = store.user(username)
        matches = _password_matches(user.password_hash if user else None, password)
        # Checked even for a wrong password, so an idle account is deactivated by any attempt.
        usable = user is not None and usable_account(ctx, store, user, moment)
        if user is None or not matches:
            outcome, error = "login.failed", invalid_credentials()
        elif not usable:
            outcome, error = "login.refused", account_deactivated(user.deactivated_reason)
        else:
            if _hasher().check_needs_rehash(user.password_hash or ""):
                user.password_hash = _hasher().hash(password)
            outcome, error = "login.password", None
            signed_in = _start_session(ctx, store, user, "password", moment)
    record_event(ctx, username, outcome, {"address": address})
    if error is not None:
        raise error
    return signed_in


def sign_in_with_oidc(
    ctx: Context, issuer: str, claims: dict[str, object], address: str
) -> SignedIn:
    """A verified ID token's claims. The account is found by the provider's subject; on the
    first sign-in, by the configured username claim, and the subject is then bound to it.
    Nobody is enrolled by signing in: institutions enrol their users."""
    require_initialised(ctx)
    subject = f"{issuer}|{claims.get('sub', '')}"
    claimed = str(claims.get(ctx.config["oidc_username_claim"]) or "").strip().lower()
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = store.user_by_subject(subject)
        if user is None and claimed:
            candidate = store.user(claimed)
            if candidate is not None and candidate.oidc_subject is None:
                candidate.oidc_subject = subject
                user = candidate
        error: RegcatError | None = None
        if user is None:
            error = forbidden(
                "not-enrolled",
                "Du er ikke registrert som bruker. Kontakt administratoren ved institusjonen din.",
                "You are not enrolled as a user. Contact your institution's administrator.",
            )
        elif not usable_account(ctx, store, user, moment):
            error = account_deactivated(user.deactivated_reason)
        else:
            signed_in = _start_session(ctx, store, user, "oidc", moment)
    record_event(
        ctx,
        claimed or subject,
        "login.oidc" if error is None else "login.refused",
        {"address": address, "subject": subject},
    )
    if error is not None:
        raise error
    return signed_in


def _start_session(
    ctx: Context, store: AccountStore, user: UserRow, method: str, at: datetime
) -> SignedIn:
    secret = secrets.token_urlsafe(32)
    store.add(
        WebSessionRow(
            secret_sha256=digest(secret),
            user_id=user.id,
            method=method,
            created_at=at,
            expires_at=at + timedelta(hours=ctx.config.session_hours),
            ended_at=None,
        )
    )
    user.last_active_at = at
    return SignedIn(identity_of(ctx, store, user), secret)


def identity_for_session(ctx: Context, secret: str) -> Identity | None:
    """The identity of a live web session, or None (ended, expired, account unusable)."""
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        row = store.web_session(digest(secret))
        if row is None or row.ended_at is not None or aware(row.expires_at) <= moment:
            return None
        user = store.user_by_id(row.user_id)
        if user is None or not usable_account(ctx, store, user, moment):
            return None
        note_activity(user, moment)
        return identity_of(ctx, store, user)


def end_session(ctx: Context, secret: str, username: str) -> None:
    with ctx.db.transaction() as session:
        row = AccountStore(session).web_session(digest(secret))
        if row is not None and row.ended_at is None:
            row.ended_at = now()
    record_event(ctx, username, "logout", {})
