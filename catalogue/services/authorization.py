"""The steward's register checks: rules about *which* object an account may touch (its own
institution's users, its own register's data), checked by the services themselves. Which
route an account may use at all is the web's table (catalogue/web/access.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from catalogue.domain.accounts import Identity, Role, forbidden, role_required
from catalogue.domain.errors import RegcatError
from catalogue.domain.version import draft_version
from catalogue.services.context import Context
from catalogue.services.publishing import IngestOutcome, ingest_extract
from catalogue.services.releasing import DraftView, VersionView, release_draft, stage_removal
from catalogue.services.security_events import record_event
from catalogue.storage.account_store import AccountStore
from ingest import load_unit_types, read_extract

# --- steward checks ------------------------------------------------------------------------


def require_steward_of(identity: Identity, registers: Iterable[str | None]) -> None:
    """A steward acts only on the registers it is steward of; data that belongs to no
    register can be changed only by the local operator."""
    if identity.is_operator:
        return
    if not identity.has(Role.STEWARD):
        raise role_required(Role.STEWARD)
    outside = sorted(str(r) for r in set(registers) if r is None or r not in identity.steward_of)
    if outside:
        raise forbidden(
            "not-steward-of-register",
            f"Du er ikke forvalter av registeret {', '.join(outside)}.",
            f"You are not the steward of the register {', '.join(outside)}.",
            registers=", ".join(outside),
        )


def ingest_as_steward(
    ctx: Context, identity: Identity, path: Path, datastore: str | None = None, note: str = ""
) -> IngestOutcome:
    """Ingest an extract only if every dataset in it belongs to the steward's registers."""
    extract = read_extract(path, load_unit_types(ctx.unit_types_dir))
    registers = {s.metadata.extensions.register for s in extract.datasets if s.metadata}
    _check_and_record(ctx, identity, "steward.ingest", registers, {"extract": path.name})
    return ingest_extract(ctx, path, datastore, actor=identity.username, note=note)


def stage_removal_as_steward(
    ctx: Context, identity: Identity, dataset: str, datastore: str | None = None, note: str = ""
) -> DraftView:
    name = datastore or ctx.config.default_datastore
    with ctx.db.transaction() as session:
        register = AccountStore(session).released_register(name, dataset)
    _check_and_record(ctx, identity, "steward.remove", {register}, {"dataset": dataset})
    return stage_removal(ctx, dataset, name, actor=identity.username, note=note)


def release_as_steward(
    ctx: Context, identity: Identity, description: str, datastore: str | None = None
) -> VersionView:
    """Release the draft only if every staged operation is of the steward's registers. The
    draft seen here is the one released: if it changes meanwhile, the release is refused."""
    name = datastore or ctx.config.default_datastore
    with ctx.db.transaction() as session:
        found = AccountStore(session).registers_in_draft(name)
    number, registers = found if found else (0, set())
    _check_and_record(ctx, identity, "steward.release", registers, {"datastore": name})
    return release_draft(
        ctx, description, name, actor=identity.username, expected_draft=str(draft_version(number))
    )


def _check_and_record(
    ctx: Context,
    identity: Identity,
    action: str,
    registers: set[str | None],
    details: dict[str, str],
) -> None:
    try:
        require_steward_of(identity, registers)
    except RegcatError as e:
        record_event(ctx, identity.username, f"{action}.refused", {**details, "code": e.code})
        raise
    record_event(
        ctx,
        identity.username,
        action,
        {**details, "registers": ", ".join(sorted(map(str, registers)))},
    )
