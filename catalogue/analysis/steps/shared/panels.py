"""Reshaping between wide form (one row per unit, one variable per import date: lonn_2020,
lonn_2021) and panel form (one row per unit and date, one variable lonn and a date
variable).

An import with several `dates` tags each variable it makes with its stem and date; to-panel
gathers the variables of the named stems by those tags, and from-panel spreads each named
variable back out by the date variable. A variable that is not reshaped goes back to wide
form with its value where it is the same on every row of a unit, and missing where it
varies: never a refusal, which would tell whether some unit's value changed between dates
(OUTPUT_CONTROL.md §1.5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from catalogue.domain.errors import RegcatError, invalid_input

from ... import db
from ...state import State, StepContext
from ...step import MAX_DATES
from ...variables import PROTECT_COLUMN, UNIT_COLUMN, Kind, Variable
from .columns import variable_exists

if TYPE_CHECKING:  # the verb modules import this one
    from ..from_panel import FromPanel
    from ..to_panel import ToPanel


def _panel_error(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return invalid_input(code, nb, en, **details)


def apply_to_panel(ctx: StepContext, state: State, step: ToPanel) -> State:
    table = state.require_population()
    schema = state.schema
    if state.is_panel:
        raise _panel_error("already-panel")
    members: dict[str, dict[date, Variable]] = {}
    for stem in step.stems:
        found = {v.panel[1]: v for v in schema if v.panel and v.panel[0].lower() == stem.lower()}
        if not found:
            stems = sorted({v.panel[0] for v in schema if v.panel})
            raise _panel_error(
                "not-a-panel-stem",
                f"«{stem}» er ikke importert for flere datoer. Slike variabler: "
                f"{', '.join(stems) or '—'} (importer med «dates»).",
                f"'{stem}' was not imported for several dates. Such variables: "
                f"{', '.join(stems) or '—'} (import with 'dates').",
                stem=stem,
            )
        kinds = {v.kind for v in found.values()}
        if len(kinds) > 1:
            raise _panel_error(
                "panel-kinds-differ",
                f"Variablene til «{stem}» har ulike typer og kan ikke samles.",
                f"The variables of '{stem}' have different types and cannot be gathered.",
                stem=stem,
            )
        members[stem] = found
    moved = [v for found in members.values() for v in found.values()]
    kept = schema.without({v.name for v in moved})
    for name in [*step.stems, step.date_name]:
        if name in kept:
            raise variable_exists(name)
    days = sorted({d for found in members.values() for d in found})
    new_schema = kept
    stem_columns = {}
    for stem, found in members.items():
        column, new_schema = new_schema.fresh_column()
        stem_columns[stem] = column
        first = next(iter(found.values()))
        codes = tuple(sorted({c for v in found.values() for c in v.codes}))
        new_schema = new_schema.with_variable(
            Variable(
                stem,
                column,
                first.kind,
                {"panel_of": [found[d].name for d in sorted(found)]},
                unit_type=first.unit_type,
                codes=codes,
                missing_codes=first.missing_codes,
                code_labels=tuple(
                    dict(  # a code's latest title among the dates
                        (label[0], label) for d in sorted(found) for label in found[d].code_labels
                    ).values()
                ),
            )
        )
    date_column, new_schema = new_schema.fresh_column()
    new_schema = new_schema.with_variable(
        Variable(
            step.date_name, date_column, Kind.DATE, {"panel_dates": [d.isoformat() for d in days]}
        )
    )
    base = ", ".join(f'w."{n}"' for n in [UNIT_COLUMN, PROTECT_COLUMN] + [v.column for v in kept])
    selects = []
    for day in days:
        values = []
        for stem, found in members.items():
            variable = found.get(day)
            kind = next(iter(found.values())).kind
            source = f'w."{variable.column}"' if variable else f"CAST(NULL AS {kind.sql})"
            values.append(f'{source} AS "{stem_columns[stem]}"')
        selects.append(
            f"SELECT {base}, {', '.join(values)}, DATE '{day.isoformat()}' AS \"{date_column}\" "
            f'FROM "{table}" AS w'
        )
    new_table = ctx.create(" UNION ALL ".join(selects))
    new_schema = replace(new_schema, panel_date=step.date_name)
    return State(
        new_schema,
        new_table,
        unique_units=False,
        unique_protected=False,
        groups=state.groups,
        group_values=state.group_values,
        population_inputs=state.population_inputs,
    )


def apply_from_panel(ctx: StepContext, state: State, step: FromPanel) -> State:
    table = state.require_population()
    schema = state.schema
    if not state.is_panel or schema.panel_date is None:
        raise _panel_error("not-panel")
    date_variable = schema.get(schema.panel_date)
    spread = [schema.get(n) for n in step.stems]
    if date_variable in spread:
        raise _panel_error(
            "invalid-step",
            "Datovariabelen kan ikke spres ut.",
            "The date variable cannot be spread out.",
        )
    others = [v for v in schema if v not in spread and v is not date_variable]
    days = [
        r[0]
        for r in db.rows(
            ctx.con,
            f'SELECT DISTINCT w."{date_variable.column}" FROM "{table}" AS w '
            f'WHERE w."{date_variable.column}" IS NOT NULL ORDER BY 1 LIMIT {MAX_DATES + 1}',
        )
    ]
    if len(days) > MAX_DATES:
        raise _panel_error(
            "too-many-dates",
            f"Panelet har flere enn {MAX_DATES} datoer.",
            f"The panel has more than {MAX_DATES} dates.",
            limit=MAX_DATES,
        )
    by_year = len({d.year for d in days}) == len(days)
    new_schema = schema.without({v.name for v in spread} | {date_variable.name})
    new_schema = replace(new_schema, panel_date=None)
    parts = [f'ANY_VALUE(w."{PROTECT_COLUMN}") AS "{PROTECT_COLUMN}"']
    parts += [  # one value per unit, or missing where it varies between the unit's rows
        f'CASE WHEN COUNT(DISTINCT w."{v.column}") = 1 AND COUNT(w."{v.column}") = COUNT(*) '
        f'THEN ANY_VALUE(w."{v.column}") END AS "{v.column}"'
        for v in others
    ]
    for variable in spread:
        for day in days:
            name = f"{variable.name}_{day.year}" if by_year else f"{variable.name}_{day:%Y%m%d}"
            column, new_schema = new_schema.fresh_column()
            parts.append(
                f'MAX(w."{variable.column}") FILTER (WHERE w."{date_variable.column}" = '
                f"DATE '{day.isoformat()}') AS \"{column}\""
            )
            new_schema = new_schema.with_variable(
                replace(variable, name=name, column=column, panel=(variable.name, day))
            )
    new_table = ctx.create(
        f'SELECT w."{UNIT_COLUMN}", {", ".join(parts)} FROM "{table}" AS w '
        f'GROUP BY w."{UNIT_COLUMN}"'
    )
    total, distinct = ctx.one(
        f'SELECT COUNT(*), COUNT(DISTINCT "{PROTECT_COLUMN}") FROM "{new_table}"'
    )
    return State(
        new_schema,
        new_table,
        unique_units=True,
        unique_protected=total == distinct,
        groups=state.groups,
        group_values=state.group_values,
        population_inputs=state.population_inputs,
    )
