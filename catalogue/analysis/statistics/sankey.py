"""sankey: transitions between states (a state variable before and after), a Vega-Lite
Sankey diagram drawn only from a controlled two-way frequency table (perturbed counts,
without margins).

A flow is a published cell count of (from, to); a withheld cell is no flow. Every position
in the drawing is computed from the published counts alone: a node's height is the sum of
its published flows (not the table's margin, which is not released here), and each flow is
a band from its place in the `from` node's stack to its place in the `to` node's.

With `then` (a third state, microdata.no's `sankey a b c`) the diagram has two steps: two
controlled two-way tables, from → to and to → then, each released as a result of its own
(each perturbed, checked and registered as a two-state request for it would be); the last
carries the diagram of both. The middle nodes' heights are the larger of their published
flows in and out. `later` (a fourth state and more, `sankey a b c d …`) adds a step per
state in the same way: every step is the two-way table of two consecutive states, released
exactly as the two-state request for that pair would be (the same draw, registered), never
a path through three or more states, so no flow of the diagram is a count the two-state
tables do not publish.

How many states: as many as the script language allows (`sankey <vars>`, no number given
in microdata.no's table). What bounds a diagram is its size, not its number of states:
the cells of all its steps' tables together (the flows it may draw) at most the
workspace's `max_cells`, the bound one table has (20,000 by default), so a diagram is
never larger than the largest table a request may release. Each step is a release of its
own, charged to the budget as its two-state request would be. The limit was ten states
until issue 15 (an arbitrary number picked with `later`, nothing in the chart or the
tables needed it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import Text

from ..output_control import ControlContext, ControlledResult, control_frequency_table
from ..output_control.fingerprint import SetFingerprint
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, request_error
from .tabulate import Categorised, categorise, category_labels, dimension_variables

GAP = 0.02  # between nodes, as a share of all flows


def prepare_sankey(view: DataView, request: Mapping[str, Any], language: str = "nb") -> Sankey:
    before = dimension_variables(view, [request.get("from")], "from")
    after = dimension_variables(view, [request.get("to")], "to")
    states = [*before, *after]
    if request.get("then") is not None:
        states += dimension_variables(view, [request.get("then")], "then")
    later = request.get("later")
    if later is not None:
        if request.get("then") is None:
            raise request_error(
                "later",
                "«later» er tilstandene etter «then»: gi «then» først.",
                "'later' holds the states after 'then': give 'then' first.",
            )
        if not isinstance(later, list) or not later:
            raise request_error(
                "later",
                "«later» er en liste av minst én variabel.",
                "'later' is a list of at least one variable.",
            )
        for name in later:  # each is a dimension of two tables of two: within the budget
            states += dimension_variables(view, [name], "later")
    names = [v.name for v in states]
    if len(set(names)) != len(names):
        repeat = next(i for i, name in enumerate(names) if name in names[:i])
        raise request_error(
            ("from", "to", "then")[repeat] if repeat < 3 else "later",
            "«from», «to», «then» og «later» må være forskjellige variabler.",
            "'from', 'to', 'then' and 'later' must be different variables.",
        )
    steps = []
    cells = 0
    for pair in pairwise(states):
        variables = list(pair)
        data = categorise(view, variables)
        cells += math.prod(data.shape)
        if cells > view.limits.max_cells:
            raise invalid_input(
                "too-many-cells",
                f"Diagrammets steg ville hatt minst {cells} celler til sammen; grensen er "
                f"{view.limits.max_cells} (som for én tabell). Bruk færre tilstander eller "
                "slå sammen kategorier (recode).",
                f"The diagram's steps would have at least {cells} cells together; the limit "
                f"is {view.limits.max_cells} (as for one table). Use fewer states or merge "
                "categories (recode).",
                cells=cells,
                limit=view.limits.max_cells,
            )
        steps.append(Step(data, view.groups_of(variables), category_labels(variables, False)))
    return Sankey(tuple(steps))


@dataclass(frozen=True)
class Step:
    """One step of the diagram: the transitions from one state variable to the next."""

    data: Categorised
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]


@dataclass(frozen=True)
class Sankey:
    steps: tuple[Step, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        results = [
            control_frequency_table(
                step.data.count_table(), context, include_margins=False, groups=step.groups
            )
            for step in self.steps
        ]
        out = []
        for index, (step, result) in enumerate(zip(self.steps, results, strict=True)):
            about = {
                "statistic": "sankey",
                "from": step.data.dimensions[0],
                "to": step.data.dimensions[1],
            }
            extra: dict[str, Any] = {"category_labels": step.labels}
            if index == len(results) - 1:  # the whole diagram, drawn from every step's table
                extra = {"vega_lite": sankey_chart(*results), **extra}
            out.append(Labelled(about, result, extra))
        return out


def _flows(result: ControlledResult) -> list[tuple[str, str, int]]:
    if not isinstance(result, ControlledResult) or len(result.dimensions) != 2:
        raise TypeError("a Sankey diagram is drawn from controlled two-way tables")
    at = result.columns.index("count")
    return [
        (str(row.labels[0]), str(row.labels[1]), count)
        for row in result.rows
        if None not in row.labels
        and isinstance(count := row.values[at], int)
        and not isinstance(count, bool)
        and count > 0
    ]


def sankey_chart(*results: ControlledResult) -> dict[str, Any]:
    """Nodes and flow bands laid out from the results' published interior counts only:
    result t holds the flows from stage t to stage t + 1. A node's height is the larger of
    its published flows in and out (perturbed, the two need not agree)."""
    steps = [_flows(result) for result in results]
    stages = len(steps) + 1
    total = max((sum(n for _, _, n in flows) for flows in steps), default=0) or 1
    gap = GAP * total
    heights: list[dict[str, int]] = [{} for _ in range(stages)]
    for t, flows in enumerate(steps):
        for side, stage in ((0, t), (1, t + 1)):
            moved: dict[str, int] = {}
            for flow in flows:
                name = flow[0] if side == 0 else flow[1]
                moved[name] = moved.get(name, 0) + flow[2]
            for name, n in moved.items():
                heights[stage][name] = max(heights[stage].get(name, 0), n)
    starts: list[dict[str, float]] = []
    nodes = []
    for stage in range(stages):
        y = 0.0
        starts.append({})
        for name in sorted(heights[stage]):
            starts[stage][name] = y
            nodes.append({"side": stage, "node": name, "y": y, "y2": y + heights[stage][name]})
            y += heights[stage][name] + gap
    step_x = 0.9 / (stages - 1)
    bands = []
    k = 0
    for t, flows in enumerate(steps):
        used = [dict.fromkeys(starts[t], 0.0), dict.fromkeys(starts[t + 1], 0.0)]
        for a, b, n in sorted(flows):
            ends = []
            for side, stage, name in ((0, t, a), (1, t + 1, b)):
                start = starts[stage][name] + used[side][name]
                used[side][name] += n
                ends.append((start, start + n))
            for x, (low, high) in zip(
                (round(t * step_x + 0.05, 10), round((t + 1) * step_x + 0.05, 10)),
                ends,
                strict=True,
            ):
                bands.append(
                    {"flow": k, "from": a, "to": b, "count": n, "x": x, "y": low, "y2": high}
                )
            k += 1
    quiet = {"axis": None}
    chain = " -> ".join([*(r.dimensions[0] for r in results), results[-1].dimensions[1]])
    return {
        "$schema": SCHEMA,
        "description": f"sankey {chain}, {results[0].datastore_version}",
        "layer": [
            {
                "data": {"values": bands},
                "mark": {"type": "area", "opacity": 0.4, "tooltip": True},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **quiet},
                    "y": {"field": "y", "type": "quantitative", **quiet},
                    "y2": {"field": "y2"},
                    "detail": {"field": "flow", "type": "nominal"},
                    "color": {"field": "from", "type": "nominal"},
                },
            },
            {
                "data": {"values": nodes},
                "transform": [
                    {"calculate": f"datum.side * {step_x:.10g}", "as": "x"},
                    {"calculate": "datum.x + 0.05", "as": "x2"},
                ],
                "mark": {"type": "rect", "color": "#555"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **quiet},
                    "x2": {"field": "x2"},
                    "y": {"field": "y", "type": "quantitative", **quiet},
                    "y2": {"field": "y2"},
                    "tooltip": {"field": "node", "type": "nominal"},
                },
            },
        ],
    }


STATISTIC = Statistic(
    name="sankey",
    description=Text(
        "Et Sankey-diagram av overganger mellom tilstander (før og etter), som Vega-Lite fra "
        "en kontrollert toveistabell.",
        "A Sankey diagram of transitions between states (before and after), as Vega-Lite "
        "from a controlled two-way table.",
    ),
    fields=(
        Field(
            "from",
            Takes.VARIABLE,
            required=True,
            description=Text("Tilstanden før.", "The state before."),
        ),
        Field(
            "to",
            Takes.VARIABLE,
            required=True,
            description=Text("Tilstanden etter.", "The state after."),
        ),
        Field(
            "then",
            Takes.VARIABLE,
            description=Text(
                "En tredje tilstand (et steg til, fra «to»).",
                "A third state (one more step, from 'to').",
            ),
        ),
        Field(
            "later",
            Takes.VARIABLE,
            many=True,
            count=(1, None),
            description=Text(
                "Flere tilstander etter «then» (et steg til for hver, fra den før); hvert steg "
                "er toveistabellen av to tilstander etter hverandre, som en forespørsel om "
                "bare dem ville gitt den.",
                "More states after 'then' (one more step each, from the one before); each "
                "step is the two-way table of two consecutive states, as a request for only "
                "them would give it.",
            ),
        ),
    ),
    releases=("frequency-table",),
    prepare=prepare_sankey,
    request="Sankey",
    example={"from": "utdanning", "to": "kjonn"},
)
