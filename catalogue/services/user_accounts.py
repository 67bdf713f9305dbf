"""Users: enrolment, roles, passwords, the end-user agreement, deactivation and
reactivation (docs/ARCHITECTURE.md §8).

Every function that changes an account takes the acting Identity and checks it here, so
the same rule holds for the web, the API and the CLI (whose operator is trusted): an
institution admin manages the researchers and institution admins of its own institution."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from catalogue.domain.accounts import (
    USERNAME,
    Identity,
    Role,
    forbidden,
    grantable_roles,
    may_manage_institution,
    named_members,
)
from catalogue.domain.errors import conflict, invalid_input, not_found
from catalogue.services.account_activity import deactivate_account
from catalogue.services.context import Context
from catalogue.services.credentials import hash_password
from catalogue.services.institution_accounts import find_institution
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_store import AccountStore, User
from catalogue.storage.catalogue_store import now


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
    password_hash = (
        hash_password(ctx.config.password_hashing, password, username) if password else None
    )
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        inst = find_institution(store, institution) if institution else None
        if inst is None and not actor.is_operator and not actor.has(Role.ADMIN):
            inst = store.institution_by_id(actor.institution_id)
        _check_may_manage(actor, inst.id if inst else None, username)
        _check_may_grant(actor, wanted)
        if (Role.RESEARCHER in wanted or Role.INSTITUTION_ADMIN in wanted) and inst is None:
            raise invalid_input("institution-required")
        if store.user(username) is not None:
            raise conflict(
                "user-exists",
                f"Brukeren {username} finnes allerede.",
                f"The user {username} already exists.",
                username=username,
            )
        user = store.add_user(
            username,
            display_name.strip() or username,
            email.strip(),
            inst.id if inst else None,
            password_hash,
            now(),
            actor.username,
        )
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
            raise forbidden("not-user-admin")
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
        view = _user_view(ctx, store, deactivate_account(store, user, reason, now()))
    record_event(ctx, actor.username, "user.deactivated", {"username": username, "reason": reason})
    return view


def reactivate_user(ctx: Context, actor: Identity, username: str) -> UserView:
    """Reactivation is the institution's decision: its admin (or an admin) makes it."""
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _managed_user(store, actor, username)
        view = _user_view(ctx, store, store.reactivate_user(user.id, now()))
    record_event(ctx, actor.username, "user.reactivated", {"username": username})
    return view


def set_password(ctx: Context, actor: Identity, username: str, password: str) -> None:
    hashed = hash_password(ctx.config.password_hashing, password, username)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = (
            _user(store, username)
            if username == actor.username
            else _managed_user(store, actor, username)
        )
        store.set_password_hash(user.id, hashed)
        store.end_sessions(user.id, now())
    record_event(ctx, actor.username, "user.password", {"username": username})


def accept_agreement(ctx: Context, identity: Identity) -> Identity:
    version = ctx.config["agreement_version"]
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = _user(store, identity.username)
        if version not in store.accepted_versions(user.id):
            store.accept_agreement(user.id, version, now())
    record_event(ctx, identity.username, "agreement.accepted", {"version": version})
    return _replace_terms(identity, True)


def _replace_terms(identity: Identity, accepted: bool) -> Identity:
    return replace(identity, accepted_terms=accepted)


def _parse_roles(roles: Iterable[str]) -> set[Role]:
    return named_members(Role, roles, "unknown-role", ("rolle", "role"))


def _role_registers(roles: set[Role], steward_of: Iterable[str]) -> list[tuple[str, str]]:
    registers = sorted({r.strip() for r in steward_of if r.strip()})
    if (Role.STEWARD in roles) != bool(registers):
        raise invalid_input("steward-registers")
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


def _user(store: AccountStore, username: str) -> User:
    user = store.user(username)
    if user is None:
        raise not_found(
            "unknown-user",
            f"Brukeren {username} finnes ikke.",
            f"The user {username} does not exist.",
            username=username,
        )
    return user


def _managed_user(store: AccountStore, actor: Identity, username: str) -> User:
    user = _user(store, username)
    _check_may_manage(actor, user.institution_id, username)
    if not (actor.is_operator or actor.has(Role.ADMIN)):
        # An institution admin may not act on an account holding roles it cannot grant
        # (a steward or admin who also belongs to the institution).
        held = {Role(r.role) for r in store.roles(user.id)}
        _check_may_grant(actor, held)
    return user


def _user_view(ctx: Context, store: AccountStore, user: User) -> UserView:
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
        user.last_active_at,
        ctx.config["agreement_version"] in store.accepted_versions(user.id),
        user.password_hash is not None,
    )
