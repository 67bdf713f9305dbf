"""Computing the keys of every unit of a released version when it is released, so that the
first statistic on it does not: HMAC per unit costs about 1.4 s per million units, which a
researcher would otherwise wait for (and which a steward's release can afford). The facts
each import checks (a dataset's dates) are read then too."""

from __future__ import annotations

from pathlib import Path

from .limits import WorkspaceLimits
from .sources import PinnedVersion
from .unit_keys.store import KeyCache, units_in_file_order
from .workspace import Workspace


def warm_key_cache(
    version: PinnedVersion,
    key_cache: KeyCache,
    limits: WorkspaceLimits | None = None,
    facts_folder: Path | None = None,
) -> int:
    """Stores the keys of every unit in `version` not stored yet: each dataset's units and,
    where a value is itself a unit (a person's mother), the values. With `facts_folder`,
    also what each dataset covers (what an import checks its date against). Returns how
    many distinct units the version has."""
    workspace = Workspace(version, limits=limits, key_cache=key_cache, facts_folder=facts_folder)
    try:
        if not version.datasets:
            return 0
        if facts_folder is not None:
            for dataset in version.datasets.values():
                workspace.facts(dataset)
        if version.is_local:
            # The datasets' own units first, in file order; then units that are values.
            units = units_in_file_order([list(d.paths) for d in version.datasets.values()])
        else:
            units = " UNION ALL ".join(
                f"SELECT unit_id, 0 FROM {workspace.scan(d)}" for d in version.datasets.values()
            )
        values = [
            f"SELECT TRY_CAST(value AS BIGINT), 9223372036854775807 FROM {workspace.scan(d)}"
            for d in version.datasets.values()
            if d.measure_unit_type is not None
        ]
        _, asked = key_cache.add(workspace.con, " UNION ALL ".join([units, *values]), True)
        return asked
    finally:
        workspace.close()
