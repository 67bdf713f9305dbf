"""Who an export from a workspace is about, kept with the request (docs/ARCHITECTURE.md §7).

An export made from a workspace holds only the workspace's population, so the file says
who is in it: a list of persons filtered on cancer diagnoses is a list of cancer patients,
whatever variables it carries. Every register whose data the workspace's steps read
(imports, the link datasets they went through, imports `via` a variable) therefore had a
say in who the population is, and its steward must approve the request as well as the
stewards of the exported variables. Stewards see the steps that made the population (the
researcher's script: names, dates and conditions, never data).

The population's units (pseudonyms) are kept server-side from the moment of the request,
since the workspace may change or expire before the download."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from catalogue.services.context import Context
from catalogue.services.reading import ReleasedDataset
from catalogue.services.workspaces import Population


@dataclass(frozen=True)
class PopulationSource:
    dataset: str
    register: str  # "" for a dataset of no register


@dataclass(frozen=True)
class PopulationView:
    """How the population of a request was made: the steps, and what they read."""

    steps: tuple[Any, ...]
    datasets: tuple[PopulationSource, ...]


def sources_of(
    population: Population, released: Mapping[str, ReleasedDataset]
) -> list[PopulationSource]:
    return [
        PopulationSource(name, released[name].metadata.extensions.register or "")
        for name in population.datasets
    ]


def _units_file(ctx: Context, request_id: int) -> Path:
    return ctx.config.home / "analysis" / "export-populations" / f"{request_id}.npz"


def save_units(ctx: Context, request_id: int, population: Population) -> None:
    path = _units_file(ctx, request_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as f:
        np.savez(f, unit_type=np.array(population.unit_type), units=population.units)
    partial.replace(path)


def load_units(ctx: Context, request_id: int) -> tuple[str, pa.Array]:
    """(unit type, pseudonyms) of the population saved with the request."""
    with np.load(_units_file(ctx, request_id)) as saved:
        return str(saved["unit_type"]), pa.array(saved["units"], pa.int64())
