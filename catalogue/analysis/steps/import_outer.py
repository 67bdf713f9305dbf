"""import_outer: an import that also adds units (microdata.no's `import … , outer_join`).

The variable is imported as `import` does it (a left join onto the rows there), and then
every unit of the dataset that has a value at the date (or in the period) but is not a row
yet becomes one: its other variables missing, its protected unit found as the first
import's are. It never removes a row. Only a dataset of the workspace's own unit type, at
one date, on a workspace that is not in panel form: anything else is refused for what the
request asks, never for what the data hold.

It decides nothing from the data and releases nothing (OUTPUT_CONTROL.md §1.5): how many
units it added shows only where anything shows, at release."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import AS, DATE, PERIOD, Takes, Verb
from ..variables import PROTECT_COLUMN, UNIT_COLUMN
from .import_dataset import Import
from .import_dataset import parse as parse_import
from .shared.import_queries import import_query, windows_of
from .shared.importing import _protection, apply_import, find_dataset
from .shared.linking import LinkPlan


@dataclass(frozen=True)
class ImportOuter:
    """An Import with units added (not an Import itself: the workspace joins consecutive
    imports in one pass, which would add no units)."""

    inner: Import

    def to_json(self) -> dict[str, Any]:
        out = self.inner.to_json()
        return {"import_outer": out.pop("import"), **out}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_import_outer(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> ImportOuter:
    plain = parse_import("import", {("import" if k == verb else k): v for k, v in item.items()})
    if plain.dates or plain.via or plain.per_unit:
        raise invalid_input(
            "invalid-step",
            "import_outer tar én dato eller periode, uten «dates», «via» eller «per_unit».",
            "import_outer takes one date or period, without 'dates', 'via' or 'per_unit'.",
        )
    return ImportOuter(plain)


def _refused(nb: str, en: str) -> Exception:
    return invalid_input("outer-join-refused", nb, en)


def apply_import_outer(ctx: StepContext, state: State, outer: ImportOuter) -> State:
    step = outer.inner
    if state.table is None:  # the first import: every unit with a value is a row anyway
        return apply_import(ctx, state, step)
    if state.is_panel or not state.unique_units:
        raise _refused(
            "outer_join går ikke på panelform; bruk reshape_from_panel først.",
            "outer_join does not work in panel form; use reshape_from_panel first.",
        )
    dataset = find_dataset(ctx, step.dataset)
    if dataset.unit_type != state.schema.unit_type:
        raise _refused(
            f"outer_join legger til enheter og trenger et datasett av arbeidsområdets "
            f"enhetstype ({state.schema.unit_type}), men {dataset.name} er {dataset.unit_type}.",
            f"outer_join adds units and needs a dataset of the workspace's unit type "
            f"({state.schema.unit_type}), but {dataset.name} is {dataset.unit_type}.",
        )
    joined = apply_import(ctx, state, step)
    (window,) = windows_of(step, dataset, ctx.facts(dataset))
    query = import_query(step, dataset, window, LinkPlan("same", None), ctx.scan)
    column = joined.schema.get(step.name).column
    protect, join = _protection(ctx, dataset.unit_type)
    assert joined.table is not None
    table = ctx.create(
        f'SELECT * FROM "{joined.table}" UNION ALL BY NAME '
        f'SELECT p.unit_id AS "{UNIT_COLUMN}", {protect} AS "{PROTECT_COLUMN}", '
        f'p.value AS "{column}" FROM ({query.sql}) AS p {join} '
        f'WHERE p.unit_id IS NOT NULL AND p.unit_id NOT IN (SELECT "{UNIT_COLUMN}" FROM '
        f'"{joined.table}")'
    )
    return replace(joined, table=table)


VERBS = (
    Verb(
        name="import_outer",
        takes=Takes.TEXT,
        description="Dataset name.",
        fields=(DATE, *PERIOD, AS),
        parse=parse,
        nb="Importerer som «import» og legger til enhetene som har en verdi, men ikke er "
        "med ennå (outer join); deres andre variabler mangler.",
        en="Imports as 'import' does and adds the units that have a value but are not rows "
        "yet (an outer join); their other variables are missing.",
        example={"import_outer": "NUDB_BU", "date": "2020-10-01", "as": "utdanning"},
    ),
)
