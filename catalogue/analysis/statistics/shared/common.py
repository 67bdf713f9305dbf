"""What every statistic shares: a read-only view of the workspace's rows, the checks on the
variables a request names, and the two-phase shape of a statistic.

Phase 1 (`prepare`, under the workspace's lock and time limit) reads DuckDB and builds the
unit-level inputs output control takes. Phase 2 (`Prepared.release`, under the release
ledger's lock) hands them to the output-control entry points and returns the controlled
results; nothing else leaves. Keeping the heavy reading out of phase 2 keeps the ledger's
lock short."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import numpy as np

from catalogue.domain.errors import RegcatError, invalid_input

from ... import db
from ...limits import WorkspaceLimits, memory_limit_error
from ...output_control import ControlContext, ControlledResult, OutputControlParameters
from ...output_control.fingerprint import SetFingerprint
from ...state import State
from ...unit_keys.rows import RowKeys
from ...variables import Kind, Variable


@dataclass(frozen=True)
class DataView:
    con: duckdb.DuckDBPyConnection
    state: State
    limits: WorkspaceLimits
    parameters: OutputControlParameters
    rows: RowKeys  # each row's units' key positions, by rowid (statistics select w.rowid)
    # Every variable the request named, by name: the inputs the budget charges a fee for.
    named: dict[str, Variable] = field(default_factory=dict)
    # Answers to read-only queries of these rows, by their SQL and parameters, kept by the
    # workspace while its rows are the same table of the same generation (Workspace.plan);
    # None: nothing is kept.
    memo: dict[object, Any] | None = field(default=None, compare=False)

    @property
    def table(self) -> str:
        return self.state.require_population()

    def variable(self, name: object, *, what: str = "vars") -> Variable:
        if not isinstance(name, str):
            raise invalid_input(
                "invalid-request",
                f"«{what}» må inneholde variabelnavn.",
                f"'{what}' must hold variable names.",
                field=what,
            )
        found = self.state.schema.get(name)
        if found.kind == Kind.UNIT:
            raise identifier_in_statistic(found.name)
        self.named[found.name] = found
        return found

    def groups_of(self, variables: Iterable[Variable]) -> tuple[SetFingerprint, ...]:
        """The groups the variables were computed over, if any was made by aggregation
        (grouping.py): a release of anything computed from them registers these."""
        found: list[SetFingerprint] = []
        for key in dict.fromkeys(g for v in variables for g in v.groups):
            table = self.state.groups.get(key)
            if table is not None:
                found.extend(table[i] for i in range(len(table.sizes)))
        return tuple(found)

    def check_memory(self, rows: int, columns: int) -> None:
        """Arrays fetched into Python are outside DuckDB's limit: bound them too."""
        if rows * max(1, columns) * 8 > self.limits.memory_bytes:
            raise memory_limit_error()


def identifier_in_statistic(name: str) -> RegcatError:
    return invalid_input(
        "identifier-variable",
        f"«{name}» holder enhetsidentifikatorer; de vises aldri og kan ikke grupperes, "
        "tabelleres eller brukes i modeller. Bruk den til kobling (via), collapse eller "
        "aggregate.",
        f"'{name}' holds unit identifiers; they are never shown and cannot be grouped by, "
        "tabulated or used in models. Use it for linking (via), collapse or aggregate.",
        name=name,
    )


def needs_number(variable: Variable, statistic: str) -> None:
    if variable.kind not in (Kind.NUMBER, Kind.BOOL):
        raise invalid_input(
            "statistic-needs-number",
            f"{statistic} krever en tallvariabel, men «{variable.name}» er "
            f"{variable.kind.value}. Bruk tabulate for kategorier.",
            f"{statistic} needs a numeric variable, but '{variable.name}' is "
            f"{variable.kind.value}. Use tabulate for categories.",
            name=variable.name,
        )


def needs_unit_rows(view: DataView, statistic: str) -> None:
    """Statistics of one value per unit need one row per unit (not panel form)."""
    if not view.state.unique_units:
        raise invalid_input(
            "needs-one-row-per-unit",
            f"{statistic} trenger én rad per enhet, men dataene er på panelform. Bruk "
            "reshape_from_panel eller collapse først.",
            f"{statistic} needs one row per unit, but the data are in panel form. Use "
            "reshape_from_panel or collapse first.",
        )


def col(variable: Variable, alias: str = "w") -> str:
    return f'{alias}."{variable.column}"'


def number_sql(variable: Variable, alias: str = "w") -> str:
    return f"CAST({col(variable, alias)} AS DOUBLE)"


def text_sql(variable: Variable, alias: str = "w") -> str:
    """A variable's values as category labels (numbers without a trailing .0)."""
    return variable.kind.label_sql(col(variable, alias))


def natural_order(labels: Sequence[str]) -> list[str]:
    """Numbers by value before texts; "2" before "10"."""

    def key(label: str) -> tuple[int, float, str]:
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted(set(labels), key=key)


def fetch_numpy(view: DataView, sql: str, params: Sequence[object] = ()) -> dict[str, np.ndarray]:
    return db.arrays(view.con, sql, params)


def unit_rows(view: DataView, columns: str, where: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The view's rows where `where` holds (SQL over alias w): each row's workspace unit (its
    key position) and the arrays of the selected `columns`, with its rowid as "r"."""
    found = fetch_numpy(
        view, f'SELECT w.rowid AS r, {columns} FROM "{view.table}" AS w WHERE {where}'
    )
    return view.rows.units(found["r"]).astype(np.int64), found


@dataclass(frozen=True)
class Labelled:
    """One controlled result and what it is about (names and labels, never numbers from
    the data); `extra` holds values computed from the result's own published values only."""

    about: dict[str, Any]
    result: ControlledResult
    extra: dict[str, Any] = field(default_factory=dict)


class Prepared(Protocol):
    def release(self, context: ControlContext) -> list[Labelled]: ...


@dataclass(frozen=True)
class Planned:
    """A prepared statistic with what it read: the variables it named and the table of the
    population it is over (the service turns them into the budget's inputs)."""

    plan: Prepared
    variables: tuple[Variable, ...]
    population: str

    def release(self, context: ControlContext) -> list[Labelled]:
        return self.plan.release(context)


@dataclass(frozen=True)
class Deferred:
    """A statistic whose release is a function of the context."""

    run: Callable[[ControlContext], list[Labelled]]

    def release(self, context: ControlContext) -> list[Labelled]:
        return self.run(context)


def request_error(field_name: str, nb: str, en: str, **details: Any) -> RegcatError:
    return invalid_input("invalid-request", nb, en, field=field_name, **details)


def choice(request: Mapping[str, Any], name: str, allowed: Sequence[str], default: str) -> str:
    """An option that must be one of `allowed` (`default` when absent): a 400 naming the
    field and listing the values when it is not."""
    value = request.get(name, default)
    if value not in allowed:
        listed = ", ".join(allowed)
        raise request_error(
            name,
            f"«{name}» må være en av {listed}.",
            f"'{name}' must be one of {listed}.",
            allowed=list(allowed),
        )
    return str(value)


def truth_option(request: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """An optional true/false option (`default` when absent); anything else is the
    request's error, naming the field."""
    value = request.get(name, default)
    if not isinstance(value, bool):
        raise request_error(
            name, f"«{name}» må være true eller false.", f"'{name}' must be true or false."
        )
    return value


def whole_option(
    request: Mapping[str, Any], name: str, low: int, high: int, default: int | None = None
) -> int | None:
    """An optional whole-number option within [low, high] (JSON true/false are not numbers);
    `default` when absent."""
    value = request.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise request_error(
            name,
            f"«{name}» må være et helt tall fra {low} til {high}.",
            f"'{name}' must be a whole number from {low} to {high}.",
        )
    return value


def two_numbers(
    view: DataView, request: Mapping[str, Any], first: str, second: str, statistic: str
) -> tuple[Variable, Variable]:
    """The numeric variables named by `first` and `second`, which must differ."""
    one = view.variable(request.get(first), what=first)
    needs_number(one, statistic)
    other = view.variable(request.get(second), what=second)
    needs_number(other, statistic)
    if one.name == other.name:
        raise request_error(
            second,
            f"«{second}» må være en annen variabel enn «{first}».",
            f"'{second}' must be another variable than '{first}'.",
        )
    return one, other
