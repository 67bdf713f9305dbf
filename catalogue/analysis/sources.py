"""What the engine reads: the datasets of one pinned datastore version, as plain inputs
(metadata and file paths) handed over by the service layer. The engine never asks the
catalogue database anything; a workspace sees exactly the version it was created on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

import pyarrow.fs as pafs

from catalogue.domain.variable import VariableMetadata

YearRange = tuple[int | None, int | None]  # first and last start year, None = open


@dataclass(frozen=True)
class DatasetSource:
    name: str
    metadata: VariableMetadata
    paths: tuple[str, ...]  # Parquet files in `PinnedVersion.filesystem`

    @property
    def unit_type(self) -> str:
        return self.metadata.unit_type

    @property
    def measure_unit_type(self) -> str | None:
        """Set when the value is itself a unit (a person's mother, a case's person)."""
        return self.metadata.measure.unit_type

    def paths_for_years(self, years: YearRange | None) -> tuple[str, ...]:
        """STATUS and ACCUMULATED files are partitioned by start year: only the partitions
        whose start year lies in `years` (first, last; None = open) are read."""
        if years is None:
            return self.paths
        first, last = years
        kept = []
        for path in self.paths:
            year = _start_year(path)
            if year is None or (
                (first is None or year >= first) and (last is None or year <= last)
            ):
                kept.append(path)
        return tuple(kept)


def _start_year(path: str) -> int | None:
    for part in path.split("/"):
        if part.startswith("start_year="):
            try:
                return int(part.removeprefix("start_year="))
            except ValueError:
                return None
    return None


@dataclass(frozen=True)
class PinnedVersion:
    datastore: str
    version: str
    datasets: Mapping[str, DatasetSource]
    filesystem: pafs.FileSystem = field(default_factory=pafs.LocalFileSystem)

    def __post_init__(self) -> None:
        object.__setattr__(self, "datasets", MappingProxyType(dict(self.datasets)))

    @property
    def label(self) -> str:
        return f"{self.datastore} {self.version}"

    @property
    def is_local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)


# What a dataset's rows are read through: dataset → FROM-clause text.
Scan = Callable[[DatasetSource, "YearRange | None"], str]


@dataclass(frozen=True)
class DatasetFacts:
    """What the data of one dataset cover, read once per dataset from its files."""

    first_start: date | None
    last_start: date | None
    last_stop: date | None
    status_dates: tuple[date, ...]  # STATUS only

    @property
    def last_day(self) -> date | None:
        days = [d for d in (self.last_start, self.last_stop) if d is not None]
        return max(days) if days else None
