"""Shared fixtures for the analysis tests: the released sample registers as a pinned version,
workspaces built on it, and the released Parquet read with pyarrow alone (an independent
way to know what an import must give)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from catalogue.analysis import db
from catalogue.analysis.limits import WorkspaceLimits
from catalogue.analysis.output_control import (
    ControlContext,
    InMemoryReleaseLedger,
    OutputControlParameters,
)
from catalogue.analysis.sources import PinnedVersion
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError

SECRET = b"analysis-tests-record-key-secret"

# Who a person is and what they earn: municipality, sex, birth date, 2020 wage (the first
# imports of every world the tests build).
PERSON_STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
]
EDUCATION_STEP: dict[str, Any] = {"import": "NUDB_BU", "date": "2020-10-01", "as": "utdanning"}
# The first cancer diagnosis 2015-2020, and kreft: diagnosed then.
DIAGNOSIS_STEPS: list[dict[str, Any]] = [
    {
        "import_event": "KRG_DIAGNOSEDATO",
        "from": "2015-01-01",
        "to": "2020-12-31",
        "as": "diagnose",
        "per_person": "min",
    },
    {"generate": "kreft", "expr": "not sysmiss(diagnose)"},
]
# Working age (18-67), education in three levels.
WORKING_AGE_STEPS: list[dict[str, Any]] = [
    {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
    {"keep_if": "alder >= 18 and alder <= 67"},
    {"recode": "utdanning", "rules": {"1-2": 1, "3-5": 2, "6-8": 3}},
]
ISSUE_STEPS: list[dict[str, Any]] = [
    *PERSON_STEPS,
    EDUCATION_STEP,
    *DIAGNOSIS_STEPS,
    *WORKING_AGE_STEPS,
]


def new_workspace(
    pinned: PinnedVersion, steps: list[dict[str, Any]] | None = None, **limits: Any
) -> Workspace:
    workspace = Workspace(
        pinned,
        limits=WorkspaceLimits(**limits) if limits else None,
        key_cache=KeyCache(SECRET, None),
    )
    if steps:
        workspace.apply(parse_steps(steps))
    return workspace


@pytest.fixture
def workspace_factory(pinned: PinnedVersion) -> Iterator[Any]:
    made: list[Workspace] = []

    def make(steps: list[dict[str, Any]] | None = None, **limits: Any) -> Workspace:
        workspace = new_workspace(pinned, steps, **limits)
        made.append(workspace)
        return workspace

    yield make
    for workspace in made:
        workspace.close()


def values(workspace: Workspace, name: str) -> dict[int, Any]:
    """unit → value of one variable (None for missing), read from the workspace's rows."""
    variable = workspace.state.schema.get(name)
    rows = db.rows(
        workspace.con,
        f'SELECT unit_id, "{variable.column}" FROM "{workspace.state.table}"',
    )
    return {int(u): v for u, v in rows}


def singled_out(workspace: Workspace, unit: int) -> str:
    """A condition an attacker would write for a target: their birth date and municipality
    (as the workspace holds them; it may hold a few others too)."""
    born = values(workspace, "fodselsdato")[unit]
    place = values(workspace, "kommune")[unit]
    return f'fodselsdato == date({born.year}, {born.month}, {born.day}) and kommune == "{place}"'


def released(pinned: PinnedVersion, name: str) -> pa.Table:
    """A dataset's rows as released: unit_id, value (dictionary values as text), start, stop."""
    table = pq.read_table(list(pinned.datasets[name].paths), partitioning=None)
    value = table.column("value")
    if pa.types.is_dictionary(value.type):
        table = table.set_column(
            table.schema.get_field_index("value"), "value", value.cast(pa.string())
        )
    return table


def control_context(workspace: Workspace, ledger: Any = None) -> ControlContext:
    units = workspace.control_units()
    return ControlContext(
        OutputControlParameters.defaults(),
        units.keys,
        ledger or InMemoryReleaseLedger(),
        "tests",
        "no.regcat.demo:1.0.0.0",
        units.population,
    )


def as_dict(table: pa.Table, key: str = "unit_id", value: str = "value") -> dict[int, Any]:
    return dict(zip(table.column(key).to_pylist(), table.column(value).to_pylist(), strict=True))


def on_day(table: pa.Table, column: str, day: str) -> pa.Table:
    return table.filter(pc.equal(table.column(column), pa.scalar(date.fromisoformat(day))))


def step_refusal(workspace: Workspace, steps: list[dict[str, Any]]) -> RegcatError:
    """The error `steps` are refused with: a bad request (400)."""
    with pytest.raises(RegcatError) as refused:
        workspace.apply(parse_steps(steps))
    assert refused.value.http_status == 400
    return refused.value
