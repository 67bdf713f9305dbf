"""Account use and the idle rule (docs/ARCHITECTURE.md §8): use is noted at a day's resolution, and
an account unused for ACCOUNT_IDLE_DAYS is deactivated, which ends its sessions and tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from catalogue.domain.accounts import is_idle
from catalogue.services.context import Context
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_store import AccountStore, User
from catalogue.storage.catalogue_store import now

# Writing last_active_at on every request would make every read a write; a day's
# resolution is plenty for an 18-month rule.
ACTIVITY_RESOLUTION = timedelta(days=1)


def note_activity(store: AccountStore, user: User, at: datetime) -> None:
    if at - user.last_active_at >= ACTIVITY_RESOLUTION:
        store.note_user_active(user.id, at)


def usable_account(ctx: Context, store: AccountStore, user: User, at: datetime) -> bool:
    """Active and not idle; an idle account found here is deactivated on the spot."""
    if not user.active:
        return False
    if is_idle(user.last_active_at, at, ctx.config.account_idle_days):
        deactivate_account(store, user, "idle", at)
        return False
    return True


def deactivate_account(store: AccountStore, user: User, reason: str, at: datetime) -> User:
    """The user, deactivated: its sessions end and its tokens are revoked."""
    deactivated = store.deactivate_user(user.id, reason, at)
    store.end_sessions(user.id, at)
    store.revoke_tokens(user.id, at)
    return deactivated


def expire_idle_accounts(ctx: Context, at: datetime | None = None) -> list[str]:
    """Deactivate every active account unused for ACCOUNT_IDLE_DAYS; returns their names."""
    require_initialised(ctx)
    moment = at or now()
    cutoff = moment - timedelta(days=ctx.config.account_idle_days)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        expired = list(store.active_users_idle_since(cutoff))
        for user in expired:
            deactivate_account(store, user, "idle", moment)
        names = [u.username for u in expired]
    for name in names:
        record_event(ctx, "regcat", "user.deactivated", {"username": name, "reason": "idle"})
    return names
