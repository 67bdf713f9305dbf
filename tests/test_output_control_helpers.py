"""Shared builders for the output-control tests (no tests here). Real keys, real ledgers,
real parameter sets: nothing is mocked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from catalogue.analysis.output_control import (
    ControlContext,
    CountTable,
    InMemoryReleaseLedger,
    KeyTable,
    OutputControlParameters,
    ReleaseLedger,
    ResultRow,
)
from catalogue.analysis.output_control.exposure import unit_names

SECRET = b"regcat-test-datastore-secret-0001"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def pseudonyms(n: int, seed: int = 0) -> np.ndarray:
    """n distinct pseudonyms, all ≥ 10^12 so a leaked one is easy to find in output."""
    rng = np.random.default_rng(seed)
    found = np.unique(rng.integers(10**12, 10**15, size=2 * n + 100))
    return rng.permutation(found)[:n].astype(np.int64)


def noise_off() -> OutputControlParameters:
    return OutputControlParameters.defaults().with_changes("cell-key-noise", enabled=False)


def context(
    population: np.ndarray,
    parameters: OutputControlParameters | None = None,
    ledger: ReleaseLedger | None = None,
    *,
    project: str = "project-1",
    now: datetime = NOW,
) -> ControlContext:
    return ControlContext(
        parameters=parameters or OutputControlParameters.defaults(),
        keys=KeyTable.build(SECRET, population),
        ledger=ledger if ledger is not None else InMemoryReleaseLedger(),
        project=project,
        datastore_version="1.0.0",
        population=population,
        now=now,
    )


def table_of_counts(
    dimensions: Sequence[str],
    counts: Mapping[tuple[str, ...], int],
    units: np.ndarray,
    categories: Sequence[Sequence[str]] | None = None,
) -> CountTable:
    """A table whose cells hold the given numbers of distinct units, taken in turn from
    `units` (so no unit is in two cells)."""
    cells, at = [], 0
    for labels, n in counts.items():
        cells.append((labels, units[at : at + n]))
        at += n
    return CountTable.from_cells(dimensions, cells, categories)


def cell(result_rows: Sequence[ResultRow], labels: tuple[str | None, ...]) -> ResultRow:
    """The row with these labels."""
    for row in result_rows:
        if row.labels == labels:
            return row
    raise KeyError(labels)


def exposure_of(ctx: ControlContext, unit: np.ndarray) -> float:
    """The exposure the ledger of `ctx` has charged `unit` (its pseudonyms: one)."""
    names = unit_names(ctx.keys.keys(np.asarray(unit, dtype=np.int64)).set_ids)
    return float(ctx.ledger.exposure(names)[0])
