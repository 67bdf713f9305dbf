"""Signing in, with a password or through OIDC, and the web sessions that follow
(docs/ARCHITECTURE.md §8).

A session's secret goes into the signed session cookie and is stored only as its digest."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalogue.domain.accounts import Identity, forbidden
from catalogue.domain.errors import RegcatError
from catalogue.services.account_activity import note_activity, usable_account
from catalogue.services.context import Context
from catalogue.services.credentials import digest, password_matches, upgrade_hash
from catalogue.services.identities import identity_of
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_store import AccountStore, User
from catalogue.storage.catalogue_store import now


@dataclass(frozen=True)
class SignedIn:
    identity: Identity
    session_secret: str  # goes into the signed session cookie; stored only as a digest


def invalid_credentials() -> RegcatError:
    return RegcatError("invalid-credentials", http_status=401)


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
        matches = password_matches(
            ctx.config.password_hashing, user.password_hash if user else None, password
        )
        # Checked even for a wrong password, so an idle account is deactivated by any attempt.
        usable = user is not None and usable_account(ctx, store, user, moment)
        if user is None or not matches:
            outcome, error = "login.failed", invalid_credentials()
        elif not usable:
            outcome, error = "login.refused", _refusal(store, user)
        else:
            upgraded = upgrade_hash(ctx.config.password_hashing, user.password_hash, password)
            if upgraded is not None:
                store.set_password_hash(user.id, upgraded)
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
                user = store.bind_oidc_subject(candidate.id, subject)
        error: RegcatError | None = None
        if user is None:
            error = forbidden("not-enrolled")
        elif not usable_account(ctx, store, user, moment):
            error = _refusal(store, user)
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


def _refusal(store: AccountStore, user: User) -> RegcatError:
    # Read again: usable_account may have deactivated the account just now (idle).
    current = store.user_by_id(user.id)
    return account_deactivated(current.deactivated_reason if current else None)


def _start_session(
    ctx: Context, store: AccountStore, user: User, method: str, at: datetime
) -> SignedIn:
    secret = secrets.token_urlsafe(32)
    expires = at + timedelta(hours=ctx.config.session_hours)
    store.start_web_session(digest(secret), user.id, method, at, expires)
    store.note_user_active(user.id, at)
    return SignedIn(identity_of(ctx, store, user), secret)


def identity_for_session(ctx: Context, secret: str) -> Identity | None:
    """The identity of a live web session, or None (ended, expired, account unusable)."""
    moment = now()
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        found = store.web_session(digest(secret))
        if found is None or found.ended_at is not None or found.expires_at <= moment:
            return None
        user = store.user_by_id(found.user_id)
        if user is None or not usable_account(ctx, store, user, moment):
            return None
        note_activity(store, user, moment)
        return identity_of(ctx, store, user)


def end_session(ctx: Context, secret: str, username: str) -> None:
    with ctx.db.transaction() as session:
        AccountStore(session).end_web_session(digest(secret), now())
    record_event(ctx, username, "logout", {})
