"""Computing the keys of every unit of a released version when it is released, so that the
first statistic on it does not: HMAC per unit costs about 1.4 s per million units, which a
researcher would otherwise wait for (and which a steward's release can afford). The facts
each import checks (a dataset's dates) are read then too."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import replace
from datetime import date
from pathlib import Path

from .facts_cache import cached_facts
from .limits import WorkspaceLimits
from .sources import DatasetFacts, DatasetSource, PinnedVersion
from .unit_keys.store import KeyCache, units_in_file_order
from .workspace import Workspace


def warm_key_cache(
    version: PinnedVersion,
    key_cache: KeyCache,
    limits: WorkspaceLimits | None = None,
    facts_folder: Path | None = None,
    only_paths: Set[str] | None = None,
) -> int:
    """Stores the keys of every unit in `version` not stored yet: each dataset's units and,
    where a value is itself a unit (a person's mother), the values. With `facts_folder`,
    also what each dataset covers (what an import checks its date against). Returns how
    many distinct units the version has.

    With `only_paths` (the files a release brought; docs/MONTHLY.md §4) only those files are
    read, and the facts of the datasets they belong to: the keys of units in the other files
    were stored when those were released, so appending a month costs the month, not the
    months before it. Returns then how many units the new files hold."""
    workspace = Workspace(version, limits=limits, key_cache=key_cache, facts_folder=facts_folder)
    try:
        datasets = list(version.datasets.values())
        if only_paths is not None:
            datasets = [
                replace(d, paths=kept)
                for d in datasets
                if (kept := tuple(p for p in d.paths if p in only_paths))
            ]
        if not datasets:
            return 0
        if facts_folder is not None:
            for dataset in datasets:
                _facts(workspace, version.datasets[dataset.name], dataset.paths)
        if version.is_local:
            # The datasets' own units first, in file order; then units that are values.
            units = units_in_file_order([list(d.paths) for d in datasets])
        else:
            units = " UNION ALL ".join(
                f"SELECT unit_id, 0 FROM {workspace.scan(d)}" for d in datasets
            )
        values = [
            f"SELECT TRY_CAST(value AS BIGINT), 9223372036854775807 FROM {workspace.scan(d)}"
            for d in datasets
            if d.measure_unit_type is not None
        ]
        _, asked = key_cache.add(workspace.con, " UNION ALL ".join([units, *values]), True)
        return asked
    finally:
        workspace.close()


def _facts(workspace: Workspace, dataset: DatasetSource, new_paths: tuple[str, ...]) -> None:
    """The dataset's facts kept for its whole file set. When it has files from before
    (periods appended), those files' facts were kept at the release that brought them, so
    only the new files are read and the two are joined."""
    old_paths = tuple(p for p in dataset.paths if p not in set(new_paths))
    if not old_paths:
        workspace.facts(dataset)
        return
    old = workspace.facts(replace(dataset, paths=old_paths))
    new = workspace.facts(replace(dataset, paths=new_paths))
    joined = DatasetFacts(
        _least(old.first_start, new.first_start),
        _most(old.last_start, new.last_start),
        _most(old.last_stop, new.last_stop),
        tuple(sorted({*old.status_dates, *new.status_dates})),
    )
    cached_facts(dataset.paths, workspace.facts_folder, lambda: joined, workspace.facts_memory)


def _least(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _most(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)
