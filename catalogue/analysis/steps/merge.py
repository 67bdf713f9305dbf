"""merge: variables of another dataset joined onto this workspace's rows (microdata.no's
`merge <vars> into <dataset> [on <var>]`, seen from the dataset that receives them).

The other dataset is given as its own step list (`source`), the list a client sent to
build it: the step replays it in this request (so the workspace stands alone, and its
steps replay to the same rows), then joins the named variables onto the rows already here:

- without `on`: both datasets have the same unit type, and a unit gets its own values;
- `on` a UNIT variable of this workspace (a person's mother, a job's employer) holding
  units of the source's type: a row gets the values of the unit it points to (values move
  down, as with import `via`);
- `on` any other variable (a municipality code) when the source was collapsed by a
  variable of the same origin (unit type `GROUP:<dataset>`): a row gets its group's values.

A left join: no row is added or removed, a row with no match gets missing values. The step
releases nothing and computes nothing from the data but the join (OUTPUT_CONTROL.md §1.5):
what the merged variables show goes through output control at release, as anything does.
A variable made by aggregate or collapse keeps the groups it was computed over (and their
given values), so a release of anything computed from it registers them here as it would
in the dataset that made it.

Every merged variable also carries the ids of the group statistics the source's population
was selected by (State.population_inputs: a filter on averaged group counts, steps/
filter.py), so a release of anything computed from it, or over rows a filter on it kept,
pays their input fees here as it would in the source. Why: the source averaged 140 padded
group counts of a target in w and dropped everyone if w > 0.5; merged in, a constant of the
source was missing for everyone iff the target was diagnosed, and `drop_if sysmiss(flag)`
then a table told 8 of 8 by refused-or-not (red team test_merge, two inputs paid, not 142)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input

from .. import db
from ..state import State, StepContext
from ..step import Step, StepField, Takes, Verb, canonical, names, parse_steps, step_error
from ..variables import UNIT_COLUMN, Kind
from .shared.grouping import _group_ids

MAX_DEPTH = 4  # a merge's source may hold merges, this deep at most


@dataclass(frozen=True)
class Merge:
    names: tuple[str, ...]
    source: tuple[Step, ...]
    on: str | None = None

    def to_json(self) -> dict[str, Any]:
        return canonical(
            ("merge", list(self.names)),
            ("source", [s.to_json() for s in self.source]),
            ("on", self.on),
        )

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_merge(ctx, state, self)


def _depth(raw: object) -> int:
    if isinstance(raw, Mapping):
        return max((_depth(v) for v in raw.values()), default=0) + (1 if "merge" in raw else 0)
    if isinstance(raw, list):
        return max((_depth(v) for v in raw), default=0)
    return 0


def parse(verb: str, item: Mapping[str, Any]) -> Merge:
    merged = names(item[verb], verb)
    raw = item.get("source")
    if not isinstance(raw, list) or not raw:
        raise step_error(
            "invalid-step",
            "«source» må være stegene som lager datasettet det flettes fra (en ikke-tom liste).",
            "'source' must be the steps that make the dataset merged from (a non-empty list).",
            field="source",
        )
    if _depth(item) > MAX_DEPTH:
        raise step_error(
            "invalid-step",
            f"En fletting kan inneholde fletting i høyst {MAX_DEPTH} nivåer.",
            f"A merge may hold merges at most {MAX_DEPTH} levels deep.",
            field="source",
        )
    try:
        source = parse_steps(raw)
    except RegcatError as error:
        raise _in_source(error) from None
    on = item.get("on")
    if on is not None and not isinstance(on, str):
        raise step_error(
            "invalid-step", "«on» må være et variabelnavn.", "'on' must be a variable name.",
            field="on",
        )  # fmt: skip
    return Merge(merged, tuple(source), on)


def _in_source(error: RegcatError) -> RegcatError:
    """An error of the source's steps, saying that it is in the source."""
    details = {k: v for k, v in error.details.items() if k != "step"}
    if "step" in error.details:
        details["source_step"] = error.details["step"]
    return RegcatError(
        error.code,
        f"I datasettet det flettes fra: {error.nb}",
        f"In the dataset merged from: {error.en}",
        details,
        error.http_status,
    )


def _source_state(ctx: StepContext, step: Merge) -> State:
    state = State()
    for index, inner in enumerate(step.source):
        try:
            state = inner.apply(ctx, state)
        except RegcatError as error:
            if "step" not in error.details:
                error = RegcatError(
                    error.code, error.nb, error.en, {**error.details, "step": index + 1},
                    error.http_status,
                )  # fmt: skip
            raise _in_source(error) from None
    return state


def unit_type_mismatch(here: str | None, there: str | None, on: str | None) -> RegcatError:
    via = f" gjennom «{on}»" if on else ""
    via_en = f" through '{on}'" if on else ""
    return invalid_input(
        "merge-unit-type-mismatch",
        f"Kan ikke flette{via}: datasettet det flettes fra har enheter av typen {there}, men "
        f"{'«' + on + '» holder ' + str(here) if on else 'dette har ' + str(here)}. Flett "
        "mellom datasett med samme enhetstype, eller gi «on» en variabel som holder "
        f"enheter av typen {there}.",
        f"Cannot merge{via_en}: the dataset merged from has units of type {there}, but "
        f"{repr(on) + ' holds ' + str(here) if on else 'this one has ' + str(here)}. Merge "
        f"between datasets of one unit type, or give 'on' a variable holding units of type "
        f"{there}.",
        source_unit_type=there,
        unit_type=here,
        on=on,
    )


def apply_merge(ctx: StepContext, state: State, step: Merge) -> State:
    table = state.require_population()
    source = _source_state(ctx, step)
    source_table = source.require_population()
    there = source.schema.unit_type
    if not source.unique_units:
        raise invalid_input("merge-source-panel")
    merged = [source.schema.get(name) for name in step.names]
    # The unit ids of a group variable's values, visible to the join only while it runs.
    lookup: dict[str, Any] = {}
    via = ""
    if step.on is None:
        if there != state.schema.unit_type:
            raise unit_type_mismatch(state.schema.unit_type, there, None)
        key = f'w."{UNIT_COLUMN}"'
    else:
        on = state.schema.get(step.on)
        if on.kind == Kind.UNIT:
            if on.unit_type != there:
                raise unit_type_mismatch(on.unit_type, there, on.name)
            key = f'w."{on.column}"'
        else:
            origin = f"GROUP:{on.source.get('dataset', on.name)}"
            if origin != there:
                raise unit_type_mismatch(origin, there, on.name)
            lookup["regcat_groups"] = _group_ids(ctx, table, on, origin)
            via = f'LEFT JOIN regcat_groups AS i ON i.value = w."{on.column}" '
            key = "i.unit_id"
    schema = state.schema
    prefix = f"merge{schema.next_column}:"
    # The group statistics the source's rows were selected by (its filters': State.
    # population_inputs) are carried by every merged variable: whether a row has a value
    # tells which rows the filter kept, so a release over the merged values pays their
    # input fees as it would in the source (group_values.statistic_inputs).
    selected = source.population_inputs
    selects = []
    for variable in merged:
        column, schema = schema.fresh_column()
        selects.append(f's."{variable.column}" AS "{column}"')
        schema = schema.with_variable(
            replace(
                variable,
                column=column,
                panel=None,
                source={"merge": dict(variable.source), "of": variable.name},
                groups=tuple(prefix + g for g in dict.fromkeys((*variable.groups, *selected))),
            )
        )
    with db.registered(ctx.con, lookup):
        new_table = ctx.create(
            f'SELECT w.*, {", ".join(selects)} FROM "{table}" AS w {via}'
            f'LEFT JOIN "{source_table}" AS s ON s."{UNIT_COLUMN}" = {key}'
        )
    used = {g for v in merged for g in v.groups}
    # (A group statistic's own id is no key of `groups`: group_values.statistic_id.)
    groups = {
        **state.groups,
        **{prefix + g: source.groups[g] for g in sorted(used) if g in source.groups},
    }
    given = state.group_values + tuple(
        v for v in source.group_values if v not in state.group_values
    )
    return replace(
        state,
        schema=schema,
        table=new_table,
        groups=MappingProxyType(groups),
        group_values=given,
    )


VERBS = (
    Verb(
        name="merge",
        takes=Takes.NAMES,
        description="Variable name(s) of the source dataset to merge in.",
        fields=(
            StepField(
                "source",
                Takes.STEPS,
                "The steps that make the dataset merged from.",
                required=True,
            ),
            StepField(
                "on",
                Takes.TEXT,
                "A variable of this workspace holding the source's units (or its groups).",
            ),
        ),
        parse=parse,
        nb="Fletter variabler fra et annet datasett (gitt ved stegene som lager det) inn på "
        "radene her: uten «on» enhet for enhet (samme enhetstype), med «on» gjennom en "
        "variabel som peker på kildens enheter (en mor, en arbeidsgiver) eller grupper "
        "(etter collapse). Ingen rader legges til eller fjernes.",
        en="Merges variables of another dataset (given by the steps that make it) onto the "
        "rows here: without 'on' unit by unit (one unit type), with 'on' through a "
        "variable pointing at the source's units (a mother, an employer) or groups (after "
        "collapse). No row is added or removed.",
        example={
            "merge": ["lonn"],
            "source": [
                {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
            ],
        },
    ),
)
