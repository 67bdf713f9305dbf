"""Engine, sessions and migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from catalogue.domain.errors import RegcatError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Foreign keys are off by default in SQLite; WAL lets readers go on during a write.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # only when migrating or checking

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; safe to run again."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = make_engine(url)
        except (ArgumentError, ImportError, OSError) as e:  # bad URL, missing driver, no folder
            raise unusable_database_url(url, e) from e
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def check_reachable(self) -> None:
        """Connect once, so that a database that is down or refuses us is reported where it
        was configured, in one line, before any work starts."""
        try:
            with self.engine.connect():
                pass
        except DBAPIError as e:
            raise unreachable_database(self.url, e.orig or e) from e

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One atomic unit of work: committed when the block ends, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def schema_revision(db: Database) -> str | None:
    """The alembic revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest migration of the code this process runs: read once (0.01 s of CPU each
    time, and require_initialised asks for it on most requests)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _first_line(cause: BaseException) -> str:
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: hide whatever sits where a password would
        return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


def unusable_database_url(url: str, cause: BaseException) -> RegcatError:
    shown, reason = _without_password(url), _first_line(cause)
    return RegcatError(
        "database-url-unusable",
        f"REGCAT_DATABASE_URL kan ikke brukes ({shown}): {reason}. Bruk f.eks. "
        "sqlite:////sti/til/catalogue.db eller postgresql+psycopg://bruker@vert/database, "
        "eller la innstillingen stå tom (da brukes REGCAT_HOME/catalogue.db).",
        f"REGCAT_DATABASE_URL cannot be used ({shown}): {reason}. Use e.g. "
        "sqlite:////path/to/catalogue.db or postgresql+psycopg://user@host/database, or "
        "leave the setting empty (REGCAT_HOME/catalogue.db is then used).",
        {"url": shown, "reason": reason},
        503,
    )


def unreachable_database(url: str, cause: BaseException) -> RegcatError:
    shown, reason = _without_password(url), _first_line(cause)
    return RegcatError(
        "database-unreachable",
        f"Får ikke kontakt med databasen i REGCAT_DATABASE_URL ({shown}): {reason}. Sjekk at "
        "databasen kjører, og at vert, port, database, bruker og passord stemmer.",
        f"Cannot reach the database in REGCAT_DATABASE_URL ({shown}): {reason}. Check that "
        "the database is running and that host, port, database, user and password are right.",
        {"url": shown, "reason": reason},
        503,
    )
