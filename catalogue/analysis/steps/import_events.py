"""import_events: an EVENT dataset as a dataset of events, one row per spell overlapping a
period (microdata.no's `import-event … to …`), where import_event reduces them to one value
per unit.

It is the first step of a workspace (it defines the rows): each spell with start ≤ to and
(stop ≥ from or no stop) is a row, and its unit is the event, of the unit type
`EVENT:<dataset>`. Four variables describe it: `<as>` (the value), `<as>_start` and
`<as>_stop` (its dates; an open spell has no stop) and `<as>_unit`, a UNIT variable holding
the unit the event happened to (a person), so `collapse … by(<as>_unit)` brings the events
back to persons and `merge` moves person values down onto them.

Output control protects the persons, not the events: each row's protected unit is the
person the spell belongs to (through the version's person link for a unit type that is not
a person), and the workspace says it has several rows per protected unit, as a workspace of
cancer cases does. An event's identifier is a digest of its unit, dates and value, so the
same spell is the same event in every run. Nothing here depends on how many spells there
are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from catalogue.domain.enums import Temporality
from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import AS, PERIOD, Takes, Verb, check_period, day, required_text, step_error
from ..variables import PROTECT_COLUMN, UNIT_COLUMN, Kind, Schema, Variable, check_name
from .shared.import_queries import Window, code_labels, codes_in_window, row_filter, value_kind
from .shared.importing import find_dataset
from .shared.linking import PERSON, person_link


@dataclass(frozen=True)
class ImportEvents:
    dataset: str
    name: str
    start: date
    end: date

    def to_json(self) -> dict[str, Any]:
        return {
            "import_events": self.dataset,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as": self.name,
        }

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_import_events(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> ImportEvents:
    dataset = required_text(item, verb).strip().upper()
    name = check_name(item.get("as", dataset))
    for key in ("from", "to"):
        if item.get(key) is None:
            raise step_error(
                "invalid-step",
                "import_events trenger en periode («from» og «to»).",
                "import_events needs a period ('from' and 'to').",
                field=key,
            )
    start, end = day(item["from"], "from"), day(item["to"], "to")
    check_period(start, end)
    for suffix in ("_start", "_stop", "_unit"):
        check_name(f"{name}{suffix}")
    return ImportEvents(dataset, name, start, end)


def apply_import_events(ctx: StepContext, state: State, step: ImportEvents) -> State:
    if state.table is not None:
        raise invalid_input("import-events-first")
    dataset = find_dataset(ctx, step.dataset)
    if dataset.metadata.temporality != Temporality.EVENT:
        raise invalid_input(
            "import-events-needs-event",
            f"{dataset.name} er {dataset.metadata.temporality.value}, ikke EVENT: bruk import.",
            f"{dataset.name} is {dataset.metadata.temporality.value}, not EVENT: use import.",
            dataset=dataset.name,
        )
    window = Window(step.start, step.end)
    kind = value_kind(dataset)
    schema = Schema()
    columns = []
    variables = []
    codes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    if kind == Kind.STRING and dataset.metadata.measure.value_domain.is_enumerated:
        codes, missing = codes_in_window(dataset, window)
    source = {
        "dataset": dataset.name,
        "temporality": Temporality.EVENT.value,
        "from": step.start.isoformat(),
        "to": step.end.isoformat(),
        "events": True,
    }
    described = (
        (step.name, kind, f"CAST(d.value AS {kind.sql})", dataset.measure_unit_type),
        (f"{step.name}_start", Kind.DATE, "CAST(d.start AS DATE)", None),
        (f"{step.name}_stop", Kind.DATE, "CAST(d.stop AS DATE)", None),
        (f"{step.name}_unit", Kind.UNIT, "d.unit_id", dataset.unit_type),
    )
    for index, (name, variable_kind, sql, unit_type) in enumerate(described):
        column, schema = schema.fresh_column()
        columns.append(f'{sql} AS "{column}"')
        value = index == 0
        variables.append(
            Variable(
                name=name,
                column=column,
                kind=variable_kind,
                source={**source, "part": ("value", "start", "stop", "unit")[index]},
                unit_type=unit_type if variable_kind == Kind.UNIT else None,
                codes=codes if value else (),
                missing_codes=missing if value else (),
                code_labels=code_labels(dataset, codes) if value and codes else (),
            )
        )
    for variable in variables:
        schema = schema.with_variable(variable)
    link = None if dataset.unit_type == PERSON else person_link(ctx.version, dataset.unit_type)
    if link is None:
        protect, join = "d.unit_id", ""
    else:
        protect = "COALESCE(person.value, d.unit_id)"
        join = f"LEFT JOIN {ctx.scan(link, None)} AS person ON person.unit_id = d.unit_id"
    # The event's identifier: a digest of its unit, dates and value (the same spell, the
    # same event in every run), as a signed 63-bit number like the pseudonyms.
    # Identical spells (twice in the data) are told apart by their number among them.
    spell = "d.unit_id, d.start, d.stop, CAST(d.value AS VARCHAR)"
    event_id = f"CAST(hash({spell}, ROW_NUMBER() OVER (PARTITION BY {spell})) >> 1 AS BIGINT)"
    spells = (
        f"(SELECT * FROM {ctx.scan(dataset, None)} "
        f"WHERE unit_id IS NOT NULL AND {row_filter(Temporality.EVENT, window)}) AS d"
    )
    table = ctx.create(
        f'SELECT {event_id} AS "{UNIT_COLUMN}", {protect} AS "{PROTECT_COLUMN}", '
        f"{', '.join(columns)} FROM {spells} {join}"
    )
    schema = replace(schema, unit_type=f"EVENT:{dataset.name}")
    return State(schema, table, unique_units=True, unique_protected=False)


VERBS = (
    Verb(
        name="import_events",
        takes=Takes.TEXT,
        description="EVENT dataset name.",
        fields=(*PERIOD, AS),
        parse=parse,
        nb="Et datasett av hendelser: én rad per forløp i perioden (from/to), med verdien, "
        "start- og sluttdatoen (<as>_start, <as>_stop) og enheten det gjelder (<as>_unit). "
        "Første steg i et tomt arbeidsområde; personene er det som beskyttes.",
        en="A dataset of events: one row per spell in the period (from/to), with its value, "
        "start and stop dates (<as>_start, <as>_stop) and the unit it belongs to "
        "(<as>_unit). The first step of an empty workspace; the persons are what is "
        "protected.",
        example={
            "import_events": "KRG_DIAGNOSEDATO",
            "from": "2015-01-01",
            "to": "2020-12-31",
            "as": "diagnose",
        },
    ),
)
