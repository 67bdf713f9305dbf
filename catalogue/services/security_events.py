"""Security-relevant events (sign-ins, steward actions, user administration, export
requests), written to the hash-chained audit log and to the `regcat.security` logger.

One function so that every caller writes events the same way."""

from __future__ import annotations

import logging
from typing import Any

from catalogue.services import audit
from catalogue.services.context import Context

log = logging.getLogger("regcat.security")


def record_event(ctx: Context, actor: str, action: str, details: dict[str, Any]) -> str:
    """Write one event in a transaction of its own and return its audit id. `action` is a
    stable dotted name (e.g. "login.failed"); `details` must never hold a secret
    (passwords, tokens, session ids)."""
    entry_id = audit.record(ctx, action, actor, None, details)
    log.info("%s %s %s %s", entry_id, action, actor, details)
    return entry_id
