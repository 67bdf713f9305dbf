"""A workspace's state between steps: its schema, the DuckDB table holding its rows, and
what is known about those rows. States are values: a step returns a new one, and the
workspace adopts the last only when every step of a request has succeeded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import duckdb

from catalogue.domain.errors import invalid_input

from . import db
from .limits import WorkspaceLimits
from .output_control import OutputControlParameters
from .sources import DatasetFacts, DatasetSource, PinnedVersion, Scan
from .variables import Schema, Variable

if TYPE_CHECKING:
    import numpy as np

    from .output_control import PositionKeys
    from .output_control.fingerprint import FingerprintTable
    from .output_control.group_values import SharedValues
    from .output_control.ledger import ReleasedSet


@dataclass(frozen=True)
class State:
    schema: Schema = field(default_factory=Schema)
    table: str | None = None  # None before the first import
    unique_units: bool = True  # one row per workspace unit (False in panel form)
    unique_protected: bool = True  # one row per protected unit (False for cases of a person)
    # The groups an aggregate or collapse computed its statistics over (their fingerprints,
    # never their units), by id; a variable made by one names its groups' id
    # (Variable.groups), and a release of anything computed from it registers them.
    groups: Mapping[str, FingerprintTable] = field(default_factory=lambda: MappingProxyType({}))
    # The group statistics aggregate and collapse gave, each with the fingerprint of its
    # group's units (a count) or (unit, value) pairs: a later group statistic over a set a
    # few units or pairs away gets the value given before (output_control/group_values.py).
    group_values: tuple[ReleasedSet, ...] = ()
    # The group statistics (group_values.statistic_id) the rows were selected by: a filter
    # whose condition names a variable carrying them (steps/filter.py). Every release over
    # these rows pays their input fees, as if it named them (group_values.statistic_inputs).
    population_inputs: tuple[str, ...] = ()

    @property
    def is_panel(self) -> bool:
        return self.schema.panel_date is not None

    def require_population(self) -> str:
        if self.table is None:
            raise invalid_input("no-population")
        return self.table

    def columns_except(self, *dropped: Variable, alias: str = "w") -> str:
        """Every column of the rows but those of `dropped`: the unit columns, the variables
        and the rows' key positions (so steps that keep rows keep those too)."""
        if not dropped:
            return f"{alias}.*"
        return f"{alias}.* EXCLUDE (" + ", ".join(f'"{v.column}"' for v in dropped) + ")"


@dataclass
class StepContext:
    """What a step may use: the connection (inside the request's transaction), the pinned
    version and how to read it, the output-control parameters (for group statistics), the
    limits, and the key positions of a table's rows (aggregate and collapse perturb their
    group statistics and fingerprint their groups)."""

    con: duckdb.DuckDBPyConnection
    version: PinnedVersion
    scan: Scan
    parameters: OutputControlParameters
    limits: WorkspaceLimits
    new_table: Callable[[], str]
    facts: Callable[[DatasetSource], DatasetFacts]
    # Pseudonyms → (the key store, their positions in it), keying units the store lacks.
    locate_units: Callable[[np.ndarray], tuple[PositionKeys, np.ndarray]] | None = None
    # The datastore's shared ledger for group statistics (output_control/group_values.py);
    # None: a workspace's group statistics are compared within it only.
    shared_values: SharedValues | None = None

    def run(self, sql: str, params: list[object] | tuple[object, ...] = ()) -> None:
        self.con.execute(sql, list(params))

    def one(self, sql: str, params: list[object] | tuple[object, ...] = ()) -> tuple[Any, ...]:
        return db.one(self.con, sql, params)

    def create(self, select_sql: str, params: list[object] | tuple[object, ...] = ()) -> str:
        name = self.new_table()
        self.con.execute(f'CREATE TABLE "{name}" AS {select_sql}', list(params))
        return name

    def create_view(self, select_sql: str) -> str:
        """Rows a later step of the same request reads once, to make its table: never the
        rows a request leaves (statistics read tables)."""
        name = self.new_table()
        self.con.execute(f'CREATE VIEW "{name}" AS {select_sql}')
        return name
