"""`regcat init`: schema, key file, unit types and the default datastore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from catalogue.domain.errors import invalid_input, not_found
from catalogue.domain.names import is_datastore_name
from catalogue.services.context import Context, not_initialised
from catalogue.services.web_secret import ensure_web_secret, web_secret_file
from catalogue.storage.catalogue_store import CatalogueStore, StoredDatastore, UnitTypeEntry
from catalogue.storage.database import head_revision, schema_revision
from schemas.common import from_texts


@dataclass
class InitOutcome:
    database_url: str
    key_file: str
    key_created: bool
    web_secret_file: str = ""
    web_secret_created: bool = False
    datastores_created: list[str] = field(default_factory=list)
    unit_types: list[str] = field(default_factory=list)


def initialise(ctx: Context, datastores: list[str] | None = None, actor: str = "") -> InitOutcome:
    """Idempotent: a second run changes nothing that exists; it only adds what is missing."""
    # Here, not at the top: ingest brings pyarrow, and every command imports this module
    # (for require_initialised) while only init needs these two.
    from ingest import create_key_file, load_unit_types

    names = datastores or [ctx.config.default_datastore]
    for name in names:
        _check_datastore_name(name)
    ctx.db.migrate()
    key_created = False
    if not ctx.config.key_file.exists():
        create_key_file(ctx.config.key_file)
        key_created = True
    unit_types = load_unit_types(ctx.unit_types_dir)
    outcome = InitOutcome(
        ctx.db.engine.url.render_as_string(hide_password=True),
        str(ctx.config.key_file),
        key_created,
        unit_types=sorted(unit_types),
    )
    if not ctx.config["secret_key"]:
        # Made here so every web worker started later reads the same one (see web_secret).
        outcome.web_secret_file = str(web_secret_file(ctx.config))
        outcome.web_secret_created = ensure_web_secret(ctx.config)
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        store.replace_unit_types(
            UnitTypeEntry(
                u.name,
                from_texts(u.label),
                from_texts(u.description),
                u.identifier_format,
                u.requires_pseudonymization,
            )
            for u in unit_types.values()
        )
        for name in names:
            if store.datastore(name) is None:
                store.create_datastore(name, [], actor or ctx.config.user)
                outcome.datastores_created.append(name)
    return outcome


def _check_datastore_name(name: str) -> None:
    if not is_datastore_name(name):
        raise invalid_input(
            "invalid-datastore-name",
            f"«{name}» er ikke et gyldig datalagernavn. Bruk et omvendt domenenavn med små "
            "bokstaver, f.eks. no.ssb.fdb.",
            f"«{name}» is not a valid datastore name. Use a lower-case reverse domain name, "
            "e.g. no.ssb.fdb.",
            datastore=name,
        )


def require_initialised(ctx: Context) -> None:
    if schema_revision(ctx.db) != head_revision():
        raise not_initialised()


def named_datastore(ctx: Context, datastore: str | None) -> str:
    """The datastore a use case names (the configured default when None), once the
    catalogue is initialised: how a use case about one datastore begins."""
    require_initialised(ctx)
    return datastore or ctx.config.default_datastore


@contextmanager
def datastore_transaction(
    ctx: Context, name: str
) -> Iterator[tuple[CatalogueStore, StoredDatastore]]:
    """One transaction on the catalogue with the datastore `name` found in it (404
    unknown-datastore, and nothing done, when there is none)."""
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        yield store, resolve_datastore(store, name)


def resolve_datastore(store: CatalogueStore, name: str) -> StoredDatastore:
    row = store.datastore(name)
    if row is None:
        raise not_found(
            "unknown-datastore",
            f"Datalageret «{name}» finnes ikke. Opprett det med `regcat init --datastore {name}`.",
            f"The datastore «{name}» does not exist. Create it with "
            f"`regcat init --datastore {name}`.",
            datastore=name,
        )
    return row
