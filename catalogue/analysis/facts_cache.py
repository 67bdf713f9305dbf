"""What each released dataset's files cover (first and last dates, status dates), read once
per file set and kept: in this process, and on disk when a folder is given, so that a new
worker process (or the benchmark's) does not scan every dataset it imports again. Released
files never change, so an entry never goes stale; its name is a hash of the file paths."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from catalogue.domain.bounded_cache import BoundedCache

from .sources import DatasetFacts

# Facts kept in memory by file set. The runtime (services/runtime.py) owns one and gives it
# to every workspace of its catalogue; a workspace made without one keeps its own.
FactsMemory = BoundedCache[tuple[str, ...], DatasetFacts]


def facts_memory(max_file_sets: int) -> FactsMemory:
    return BoundedCache("dataset facts", max_file_sets)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _text(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _to_json(facts: DatasetFacts) -> str:
    return json.dumps(
        {
            "first_start": _text(facts.first_start),
            "last_start": _text(facts.last_start),
            "last_stop": _text(facts.last_stop),
            "status_dates": [d.isoformat() for d in facts.status_dates],
        }
    )


def _from_json(text: str) -> DatasetFacts:
    found = json.loads(text)
    return DatasetFacts(
        _day(found["first_start"]),
        _day(found["last_start"]),
        _day(found["last_stop"]),
        tuple(date.fromisoformat(d) for d in found["status_dates"]),
    )


def cached_facts(
    paths: tuple[str, ...],
    folder: Path | None,
    compute: Callable[[], DatasetFacts],
    memory: FactsMemory,
) -> DatasetFacts:
    # Keyed by the set of files, not their order: a version lists its files in path order,
    # and a month appended to a series names its parent's files from its own folder, so the
    # same files can come in another order (revision folders made in the same second sort
    # by their random suffix). Keyed by order, the facts kept for the months released
    # were then not found, and every file of the series was read again (docs/MONTHLY.md §4).
    paths = tuple(sorted(paths))
    kept = memory.get(paths)
    if kept is not None:
        return kept
    file = None
    if folder is not None:
        file = folder / (hashlib.sha256("\n".join(paths).encode()).hexdigest()[:32] + ".json")
    found = None
    if file is not None and file.exists():
        try:
            found = _from_json(file.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            found = None  # damaged: computed again and rewritten
    if found is None:
        found = compute()
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.with_name(f".{file.name}.{uuid.uuid4().hex}")
            partial.write_text(_to_json(found), encoding="utf-8")
            os.replace(partial, file)  # readers see the whole entry or none
    return memory.put(paths, found)
