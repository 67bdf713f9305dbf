"""Computing the keys of every unit of a released version when it is released, so that the
first statistic on it does not: HMAC per unit costs about 1.4 s per million units, which a
researcher would otherwise wait for (and which a steward's release can afford)."""

from __future__ import annotations

from .keys import KeyCache
from .limits import WorkspaceLimits
from .sources import PinnedVersion
from .workspace import Workspace


def warm_key_cache(
    version: PinnedVersion, key_cache: KeyCache, limits: WorkspaceLimits | None = None
) -> int:
    """Stores the keys of every unit in `version` not stored yet: each dataset's units and,
    where a value is itself a unit (a person's mother), the values. Returns how many
    distinct units the version has."""
    workspace = Workspace(version, limits=limits, key_cache=key_cache)
    try:
        selects = []
        for dataset in version.datasets.values():
            source = workspace.scan(dataset)
            selects.append(f"SELECT unit_id AS p FROM {source}")
            if dataset.measure_unit_type is not None:
                selects.append(f"SELECT TRY_CAST(value AS BIGINT) AS p FROM {source}")
        if not selects:
            return 0
        units = " UNION ".join(selects)  # UNION: each unit once
        positions = (
            "SELECT (row_number() OVER () - 1)::INTEGER, u.p "
            f"FROM ({units}) AS u WHERE u.p IS NOT NULL"
        )
        pseudonyms, _ = key_cache.keys_at(workspace.con, positions)
        return len(pseudonyms)
    finally:
        workspace.close()
