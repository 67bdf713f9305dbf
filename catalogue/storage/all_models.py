"""Every table of the catalogue database: importing this module registers all models on
`Base.metadata` (alembic's env.py and the schema test compare against it)."""

from __future__ import annotations

from catalogue.storage import account_models as account_models
from catalogue.storage import analysis_models as analysis_models
from catalogue.storage import script_models as script_models
from catalogue.storage.models import Base

__all__ = ["Base", "account_models", "analysis_models", "script_models"]
