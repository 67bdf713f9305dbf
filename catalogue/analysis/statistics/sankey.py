"""sankey: transitions between states (a state variable before and after), a Vega-Lite
Sankey diagram drawn only from a controlled two-way frequency table (perturbed counts,
without margins).

A flow is a published cell count of (from, to); a withheld cell is no flow. Every position
in the drawing is computed from the published counts alone: a node's height is the sum of
its published flows (not the table's margin, which is not released here), and each flow is
a band from its place in the `from` node's stack to its place in the `to` node's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    if before[0].name == after[0].name:
        raise request_error(
            "to", "«to» må være en annen variabel enn «from».", "'to' must be another variable."
        )
    variables = [*before, *after]
    return Sankey(
        categorise(view, variables), view.groups_of(variables), category_labels(variables, False)
    )


@dataclass(frozen=True)
class Sankey:
    data: Categorised
    groups: tuple[SetFingerprint, ...]
    labels: dict[str, dict[str, dict[str, str]]]

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_frequency_table(
            self.data.count_table(), context, include_margins=False, groups=self.groups
        )
        about = {
            "statistic": "sankey",
            "from": self.data.dimensions[0],
            "to": self.data.dimensions[1],
        }
        extra = {"vega_lite": sankey_chart(result), "category_labels": self.labels}
        return [Labelled(about, result, extra)]


def sankey_chart(result: ControlledResult) -> dict[str, Any]:
    """Nodes and flow bands laid out from the result's published interior counts only."""
    if not isinstance(result, ControlledResult) or len(result.dimensions) != 2:
        raise TypeError("a Sankey diagram is drawn from a controlled two-way table")
    at = result.columns.index("count")
    flows = [
        (str(row.labels[0]), str(row.labels[1]), count)
        for row in result.rows
        if None not in row.labels
        and isinstance(count := row.values[at], int)
        and not isinstance(count, bool)
        and count > 0
    ]
    total = sum(n for _, _, n in flows) or 1
    gap = GAP * total
    sides: list[dict[str, float]] = [{}, {}]  # per side, each node's start
    nodes = []
    for side in (0, 1):
        heights: dict[str, int] = {}
        for flow in flows:
            heights[str(flow[side])] = heights.get(str(flow[side]), 0) + flow[2]
        y = 0.0
        for name in sorted(heights):
            sides[side][name] = y
            nodes.append({"side": side, "node": name, "y": y, "y2": y + heights[name]})
            y += heights[name] + gap
    used = [dict.fromkeys(s, 0.0) for s in sides]
    bands = []
    for k, (a, b, n) in enumerate(sorted(flows, key=lambda f: (str(f[0]), str(f[1])))):
        ends = []
        for side, name in ((0, str(a)), (1, str(b))):
            start = sides[side][name] + used[side][name]
            used[side][name] += n
            ends.append((start, start + n))
        for x, (low, high) in zip((0.05, 0.95), ends, strict=True):
            bands.append({"flow": k, "from": a, "to": b, "count": n, "x": x, "y": low, "y2": high})
    quiet = {"axis": None}
    return {
        "$schema": SCHEMA,
        "description": f"sankey {result.dimensions[0]} -> {result.dimensions[1]}, "
        f"{result.datastore_version}",
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
                    {"calculate": "datum.side * 0.9", "as": "x"},
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
    ),
    releases=("frequency-table",),
    prepare=prepare_sankey,
    request="Sankey",
    example={"from": "utdanning", "to": "kjonn"},
)
