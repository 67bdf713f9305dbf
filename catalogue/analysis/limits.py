"""The limits every workspace runs under. A workspace records the limits it was created
with, so a replay on another worker runs under the same ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from catalogue.domain.errors import RegcatError, unprocessable

GIB = 1024**3


@dataclass(frozen=True)
class WorkspaceLimits:
    memory_bytes: int = 4 * GIB  # DuckDB's memory limit for the workspace's database
    spill_bytes: int = 8 * GIB  # how much it may spill to its private temporary folder
    seconds_per_request: float = 600.0  # one step list or one statistic
    threads: int = 0  # DuckDB threads; 0 = as many as the machine has
    max_variables: int = 300
    max_steps: int = 1000  # in the whole script
    max_categories: int = 500  # distinct values of one table dimension or i.-variable
    max_cells: int = 20_000  # cells of one table
    max_parameters: int = 1000  # terms of one model
    max_statistic_cells: int = 2000  # cells that get a per-cell median or sd
    idle_hours: float = 24.0  # the workspace expires after this long unused

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"workspace limit {f.name} must be ≥ 0")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> WorkspaceLimits:
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def memory_limit_error() -> RegcatError:
    return unprocessable("workspace-memory-limit")


def time_limit_error(seconds: float) -> RegcatError:
    return unprocessable(
        "workspace-time-limit",
        f"Forespørselen brukte mer enn {seconds:g} sekunder og ble avbrutt. Ingenting er endret.",
        f"The request took more than {seconds:g} seconds and was stopped. Nothing was changed.",
        seconds=seconds,
    )


def too_many(code: str, what_nb: str, what_en: str, limit: int) -> RegcatError:
    return unprocessable(
        code,
        f"Arbeidsområdet kan ha høyst {limit} {what_nb}. Ingenting er endret.",
        f"A workspace can have at most {limit} {what_en}. Nothing was changed.",
        limit=limit,
    )
