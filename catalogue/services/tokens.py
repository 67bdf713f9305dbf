"""API tokens: scoped, expiring, shown once, stored as a digest, revocable.

A token reads `rgc_<prefix>_<secret>`: the prefix finds the row (and is safe to show in
lists and logs), the secret proves possession and is kept only as its SHA-256 digest."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from catalogue.domain.accounts import (
    Identity,
    Role,
    Scope,
    forbidden,
    named_members,
    scopes_for_roles,
)
from catalogue.domain.errors import RegcatError, invalid_input, not_found
from catalogue.services.account_activity import note_activity, usable_account
from catalogue.services.context import Context
from catalogue.services.credentials import digest
from catalogue.services.identities import identity_from
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_store import AccountStore, ApiToken
from catalogue.storage.catalogue_store import now

TOKEN_FORMAT = re.compile(r"^rgc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class TokenView:
    prefix: str
    name: str
    username: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now() else "active"


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never again
    view: TokenView


def create_token(
    ctx: Context,
    actor: Identity,
    username: str,
    scopes: Iterable[str],
    name: str = "",
    days: int | None = None,
) -> NewToken:
    """A new token for `username` (the actor itself, or anyone for the operator)."""
    require_initialised(ctx)
    if username != actor.username and not actor.is_operator:
        raise forbidden("not-your-token")
    wanted = _parse_scopes(scopes)
    limit = ctx.config.token_days
    lifetime = limit if days is None else days
    if not 1 <= lifetime <= limit:
        raise invalid_input(
            "invalid-token-lifetime",
            f"Et token kan vare fra 1 til {limit} dager.",
            f"A token can last from 1 to {limit} days.",
            days=lifetime,
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = store.user(username)
        if user is None or not user.active:
            raise not_found(
                "unknown-user",
                f"Ingen aktiv bruker heter {username}.",
                f"No active user is called {username}.",
                username=username,
            )
        roles = {Role(r.role) for r in store.roles(user.id)}
        beyond = wanted - scopes_for_roles(roles)
        if beyond:
            raise forbidden(
                "scope-not-allowed",
                f"Rollene dine gir ikke omfanget {', '.join(sorted(beyond))}.",
                f"Your roles do not allow the scope {', '.join(sorted(beyond))}.",
                scopes=", ".join(sorted(beyond)),
            )
        added = store.add_token(
            prefix,
            digest(secret),
            user.id,
            name.strip()[:200] or "token",
            sorted(s.value for s in wanted),
            moment,
            moment + timedelta(days=lifetime),
        )
        view = _view(added, username)
    record_event(
        ctx,
        actor.username,
        "token.created",
        {"prefix": prefix, "username": username, "scopes": list(view.scopes)},
    )
    return NewToken(f"rgc_{prefix}_{secret}", view)


def list_tokens(ctx: Context, username: str) -> list[TokenView]:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        user = store.user(username)
        return [_view(t, username) for t in store.tokens(user.id)] if user else []


def revoke_token(ctx: Context, actor: Identity, prefix: str) -> TokenView:
    """The owner revokes its own tokens; an admin (or the operator) anyone's."""
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        row = store.token(prefix)
        owner = store.user_by_id(row.user_id) if row else None
        mine = owner is not None and owner.username == actor.username
        if row is None or owner is None or not (mine or actor.is_operator or actor.has(Role.ADMIN)):
            # The same answer for someone else's token as for none: prefixes are not a secret,
            # but whose token it is need not be told.
            raise not_found(
                "unknown-token",
                f"Fant ikke tokenet {prefix}.",
                f"No token {prefix} was found.",
                prefix=prefix,
            )
        revoked = store.revoke_token(prefix, now())
        assert revoked is not None  # found above, in this transaction
        view = _view(revoked, owner.username)
    record_event(ctx, actor.username, "token.revoked", {"prefix": prefix})
    return view


def identity_for_token(ctx: Context, token: str) -> Identity:
    """The identity a bearer token stands for, limited to its scopes; 401 otherwise."""
    match = TOKEN_FORMAT.match(token.strip())
    if not match:
        raise _invalid_token("malformed")
    prefix, secret = match.groups()
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        # One query for the token, its owner, the owner's institution, roles and terms.
        holder = store.token_holder(prefix, ctx.config["agreement_version"])
        row = holder.token if holder else None
        if row is None or not hmac.compare_digest(row.secret_sha256, digest(secret)):
            raise _invalid_token("unknown")
        assert holder is not None  # row came from it
        if row.revoked_at is not None:
            raise _invalid_token("revoked")
        if row.expires_at <= moment:
            raise _invalid_token("expired")
        user = holder.user
        # Not raised inside the transaction: an idle account found here must stay deactivated.
        usable = user is not None and usable_account(ctx, store, user, moment)
        if user is not None and usable:
            note_activity(store, user, moment)
            if row.last_used_at is None or moment - row.last_used_at >= timedelta(hours=1):
                store.note_token_used(prefix, moment)
            base = identity_from(ctx, user, holder.roles, holder.institution, holder.accepted_terms)
            scopes = frozenset(Scope(s) for s in row.scopes) & scopes_for_roles(base.roles)
            identity = replace(base, scopes=scopes, via="token", token_id=row.id)
    if not usable:
        raise _invalid_token("account-deactivated")
    return identity


def _invalid_token(reason: str) -> RegcatError:
    return RegcatError(
        "invalid-token",
        "API-tokenet er ugyldig, utløpt eller trukket tilbake.",
        "The API token is invalid, expired or revoked.",
        {"reason": reason},
        401,
    )


def _parse_scopes(scopes: Iterable[str]) -> set[Scope]:
    out = named_members(Scope, scopes, "unknown-scope", ("omfang", "scope"))
    if not out:
        raise invalid_input("scope-required")
    return out


def _view(token: ApiToken, username: str) -> TokenView:
    return TokenView(
        token.prefix,
        token.name,
        username,
        token.scopes,
        token.created_at,
        token.expires_at,
        token.revoked_at,
        token.last_used_at,
    )
