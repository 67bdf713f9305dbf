"""Applying an import step: the first import defines the population (the units with a value
at the date, in the period, or at all for FIXED) and the workspace's unit type; every later
import adds one column per date to the rows already there (a left join: units without a
value get a missing value, and no unit is added or removed)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from catalogue.domain.enums import Temporality
from catalogue.domain.errors import RegcatError, invalid_input

from ...sources import DatasetSource
from ...state import State, StepContext
from ...variables import PROTECT_COLUMN, UNIT_COLUMN, Kind, Variable
from .columns import variable_exists
from .import_queries import (
    DatasetFacts,
    ImportQuery,
    Window,
    code_labels,
    codes_in_window,
    import_query,
    windows_of,
)
from .linking import PERSON, LinkPlan, person_link, plan_link

if TYPE_CHECKING:  # the verb module imports this one
    from ..import_dataset import Import


def find_dataset(ctx: StepContext, name: str) -> DatasetSource:
    found = ctx.version.datasets.get(name)
    if found is not None:
        return found
    close = difflib.get_close_matches(name, list(ctx.version.datasets), n=3, cutoff=0.6)
    hint_nb = f" Mente du {', '.join(close)}?" if close else ""
    hint_en = f" Did you mean {', '.join(close)}?" if close else ""
    raise invalid_input(
        "unknown-dataset",
        f"{ctx.version.label} har ingen variabel {name}.{hint_nb}",
        f"{ctx.version.label} has no variable {name}.{hint_en}",
        dataset=name,
        version=ctx.version.version,
        suggestions=close,
    )


def _names(step: Import, windows: list[Window]) -> list[str]:
    if not step.dates:
        return [step.name]
    days = [w.start for w in windows if w.start is not None]
    by_year = len({d.year for d in days}) == len(days)
    return [f"{step.name}_{d.year}" if by_year else f"{step.name}_{d:%Y%m%d}" for d in days]


def _source(step: Import, dataset: DatasetSource, window: Window) -> dict[str, Any]:
    out: dict[str, Any] = {
        "dataset": dataset.name,
        "temporality": dataset.metadata.temporality.value,
    }
    if window.start is not None:
        if dataset.metadata.temporality == Temporality.EVENT and not window.is_day:
            out["from"], out["to"] = window.start.isoformat(), window.end.isoformat()  # type: ignore[union-attr]
        else:
            out["date"] = window.start.isoformat()
    if step.per_unit:
        out["per_unit"] = step.per_unit
    if step.via:
        out["via"] = step.via
    return out


def _variable(
    step: Import,
    dataset: DatasetSource,
    window: Window,
    query: ImportQuery,
    name: str,
    column: str,
) -> Variable:
    codes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    labels: tuple[tuple[str, str, str], ...] = ()
    if query.kind == Kind.STRING and dataset.metadata.measure.value_domain.is_enumerated:
        codes, missing = codes_in_window(dataset, window)
        labels = code_labels(dataset, codes)
    panel: tuple[str, date] | None = None
    if step.dates and window.start is not None:
        panel = (step.name, window.start)
    return Variable(
        name=name,
        column=column,
        kind=query.kind,
        source=_source(step, dataset, window),
        unit_type=dataset.measure_unit_type if query.kind == Kind.UNIT else None,
        codes=codes,
        missing_codes=missing,
        code_labels=labels,
        panel=panel,
    )


IMPORT_NOT_ONE_VALUE = "import-not-one-value-per-unit"


@dataclass(frozen=True)
class PendingJoin:
    """One import's values, waiting to be joined onto the rows: later imports in a row are
    joined in one pass over the table instead of one pass each."""

    sql: str  # (unit_id, value), one row per unit of `join_column`
    join_column: str
    column: str
    empty: str | None = None  # the value of a unit `sql` has no row for (None: missing)

    def value(self, alias: str, row: str) -> str:
        """The joined value (from `alias`) for the row `row`: the empty value where the
        row's unit has none, but missing where the row has no unit to join on."""
        if self.empty is None:
            return f"{alias}.value"
        key = f'{row}."{self.join_column}"'
        return f"CASE WHEN {key} IS NOT NULL THEN COALESCE({alias}.value, {self.empty}) END"


def apply_import(ctx: StepContext, state: State, step: Import) -> State:
    state, pending = plan_import(ctx, state, step, ())
    return join_pending(ctx, state, pending)


def plan_import(
    ctx: StepContext,
    state: State,
    step: Import,
    pending: Sequence[PendingJoin],
    joins_follow: bool = False,
) -> tuple[State, list[PendingJoin]]:
    """The first import makes the rows at once; a later one adds its variables to the
    schema and returns the joins still to be made (after `pending`, made earlier). With
    `joins_follow` (later imports come in the same request), the first import's rows are
    a view the joins read, so they are made once, in the joins' pass."""
    dataset = find_dataset(ctx, step.dataset)
    facts: DatasetFacts = ctx.facts(dataset)
    windows = windows_of(step, dataset, facts)
    names = _names(step, windows)
    for name in names:
        if name in state.schema:
            raise variable_exists(name)
    if state.table is None:
        return _first_import(ctx, step, dataset, windows, names, joins_follow), []
    return _later_import(ctx, state, step, dataset, windows, names, pending)


def join_pending(
    ctx: StepContext,
    state: State,
    pending: Sequence[PendingJoin],
    computed: Sequence[tuple[str, str]] = (),
    params: Sequence[object] = (),
) -> State:
    """Makes the pending joins in one pass. `computed` adds (column, SQL value) columns
    computed from the joined row, named `w` (a generate right after the imports is made in
    the same pass instead of a pass of its own); `params` are their parameters."""
    if not pending:
        return state
    joins = " ".join(
        f'LEFT JOIN ({p.sql}) AS q{i} ON q{i}.unit_id = w."{p.join_column}"'
        for i, p in enumerate(pending)
    )
    values = ", ".join(f'{p.value(f"q{i}", "w")} AS "{p.column}"' for i, p in enumerate(pending))
    select = f'SELECT w.*, {values} FROM "{state.table}" AS w {joins}'
    if computed:
        extra = ", ".join(f'{value} AS "{column}"' for column, value in computed)
        select = f"SELECT w.*, {extra} FROM ({select}) AS w"
    table = ctx.create(select, list(params))
    # Each import gives a unit at most one value, so the rows stay the units they were.
    # Released data that broke this are refused.
    (before,) = ctx.one(f'SELECT COUNT(*) FROM "{state.table}"')
    (after,) = ctx.one(f'SELECT COUNT(*) FROM "{table}"')
    if after != before:
        raise invalid_input(IMPORT_NOT_ONE_VALUE)
    return replace(state, table=table)


def _first_import(
    ctx: StepContext,
    step: Import,
    dataset: DatasetSource,
    windows: list[Window],
    names: list[str],
    as_view: bool,
) -> State:
    if step.via:
        raise invalid_input("via-needs-population")
    plan = LinkPlan("same", None)
    queries = [import_query(step, dataset, w, plan, ctx.scan) for w in windows]
    schema = State().schema
    variables = []
    for window, query, name in zip(windows, queries, names, strict=True):
        column, schema = schema.fresh_column()
        variables.append(_variable(step, dataset, window, query, name, column))
    protect, protect_join = _protection(ctx, dataset.unit_type)
    if len(queries) == 1:
        # One value per unit already (a status date, a period, a fixed value, reduced
        # spells): the query's units are the population.
        population = f"({queries[0].sql}) AS p"
        values = f'p.value AS "{variables[0].column}"'
        joins = ""
    else:
        # Several dates: the units with a value on any of them.
        units = " UNION ".join(f"SELECT unit_id FROM ({q.sql})" for q in queries)
        population = f"(SELECT DISTINCT unit_id FROM ({units})) AS p"
        joins = " ".join(
            f"LEFT JOIN ({q.sql}) AS q{i} ON q{i}.unit_id = p.unit_id"
            for i, q in enumerate(queries)
        )
        values = ", ".join(
            f"{PendingJoin(q.sql, 'unit_id', v.column, q.empty).value(f'q{i}', 'p')} "
            f'AS "{v.column}"'
            for i, (q, v) in enumerate(zip(queries, variables, strict=True))
        )
    select = (
        f'SELECT p.unit_id AS "{UNIT_COLUMN}", {protect} AS "{PROTECT_COLUMN}", {values} '
        f"FROM {population} {joins} {protect_join} WHERE p.unit_id IS NOT NULL"
    )
    table = ctx.create_view(select) if as_view else ctx.create(select)
    for variable in variables:
        schema = schema.with_variable(variable)
    schema = replace(schema, unit_type=dataset.unit_type)
    unique_protected = dataset.unit_type == PERSON or _unique_protected(ctx, table)
    return State(schema, table, unique_units=True, unique_protected=unique_protected)


def _protection(ctx: StepContext, unit_type: str) -> tuple[str, str]:
    """The SQL for each row's protected unit: the person the unit is about where the
    version links the unit type to persons, else the unit itself."""
    link = person_link(ctx.version, unit_type)
    if link is None:
        return "p.unit_id", ""
    join = f"LEFT JOIN {ctx.scan(link, None)} AS person ON person.unit_id = p.unit_id"
    return "COALESCE(person.value, p.unit_id)", join


def _unique_protected(ctx: StepContext, table: str) -> bool:
    total, distinct = ctx.one(f'SELECT COUNT(*), COUNT(DISTINCT "{PROTECT_COLUMN}") FROM "{table}"')
    return bool(total == distinct)


def _later_import(
    ctx: StepContext,
    state: State,
    step: Import,
    dataset: DatasetSource,
    windows: list[Window],
    names: list[str],
    pending: Sequence[PendingJoin],
) -> tuple[State, list[PendingJoin]]:
    workspace_type = state.schema.unit_type
    assert state.table is not None and workspace_type is not None
    join_column = UNIT_COLUMN
    if step.via:
        via = state.schema.get(step.via)
        if via.kind != Kind.UNIT or via.unit_type != dataset.unit_type:
            raise _bad_via(step.via, via, dataset)
        if any(p.column == via.column for p in pending):
            # Linking through a variable imported in the same run: join that run first.
            state = join_pending(ctx, state, pending)
            pending = []
        plan = LinkPlan("same", None)
        join_column = via.column
    else:
        plan = plan_link(ctx.version, dataset.unit_type, workspace_type)
    queries = [import_query(step, dataset, w, plan, ctx.scan) for w in windows]
    schema = state.schema
    joins = list(pending)
    for window, query, name in zip(windows, queries, names, strict=True):
        column, schema = schema.fresh_column()
        schema = schema.with_variable(_variable(step, dataset, window, query, name, column))
        joins.append(PendingJoin(query.sql, join_column, column, query.empty))
    return replace(state, schema=schema), joins


def _bad_via(name: str, via: Variable, dataset: DatasetSource) -> RegcatError:
    return invalid_input(
        "invalid-via",
        f"«{name}» holder ikke enheter av typen {dataset.unit_type}, så {dataset.name} kan ikke "
        "importeres gjennom den.",
        f"'{name}' does not hold units of type {dataset.unit_type}, so {dataset.name} cannot be "
        "imported through it.",
        via=name,
        holds=via.unit_type,
        needs=dataset.unit_type,
    )
