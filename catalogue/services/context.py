"""What every use case needs, opened once from the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from catalogue.config import Config, load_config
from catalogue.domain.errors import RegcatError
from catalogue.services.runtime import Runtime
from catalogue.storage.database import Database
from catalogue.storage.files import DatastoreFiles

UNIT_TYPES_DIR = Path(__file__).resolve().parent.parent / "unit_types"


@dataclass
class Context:
    config: Config
    db: Database
    files: DatastoreFiles
    unit_types_dir: Path = UNIT_TYPES_DIR
    # Every cache this catalogue keeps in memory (services/runtime.py says why per Context).
    # Made with the Context; dataclasses.replace (a request's own base URL) shares it.
    runtime: Runtime = field(default=cast(Runtime, None), repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.runtime is None:
            self.runtime = Runtime(self.config)

    @classmethod
    def open(cls, config: Config | None = None) -> Context:
        config = config or load_config()
        db = Database(config.database_url)
        try:
            db.check_reachable()
            return cls(config, db, DatastoreFiles.open(config.datastore_root))
        except BaseException:
            db.dispose()
            raise

    def close(self) -> None:
        self.runtime.close()
        self.db.dispose()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def not_initialised() -> RegcatError:
    return RegcatError("not-initialised", http_status=409)
