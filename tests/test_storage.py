"""The database is built by the alembic migrations, on SQLite and PostgreSQL, and the
migrations produce exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from catalogue.services.context import Context
from catalogue.services.setup import initialise
from catalogue.storage.all_models import Base
from catalogue.storage.database import head_revision, schema_revision


def test_migrations_match_models(any_ctx: Context) -> None:
    with any_ctx.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert schema_revision(any_ctx.db) == head_revision()


def test_initialise_is_idempotent(any_ctx: Context) -> None:
    again = initialise(any_ctx)
    assert again.key_created is False
    assert again.datastores_created == []
    assert "KRG_KREFTTILFELLE" in again.unit_types


def test_key_file_is_private_and_outside_the_datastore(sqlite_ctx: Context) -> None:
    key = sqlite_ctx.config.key_file
    assert key.stat().st_mode & 0o077 == 0
    assert not str(key).startswith(sqlite_ctx.files.root)
