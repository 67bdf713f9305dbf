"""The Vega-Lite chart of estimates with their 95 % intervals, drawn from a controlled
regression result's published rows only (coefplot's coefficients, did's event study).

A row is drawn only where its coefficient and both interval ends are published numbers: a
withheld value leaves the row out, never a guess in its place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from ...output_control import ControlledResult
from ...output_control.vega import SCHEMA

INTERVAL = ("coefficient", "ci_lower", "ci_upper")


def published_intervals(result: ControlledResult) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Each row's first label with its coefficient and interval ends, for the rows where all
    three are published numbers."""
    at = {c: result.columns.index(c) for c in INTERVAL}
    for row in result.rows:
        shown = {c: row.values[i] for c, i in at.items()}
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in shown.values()):
            yield row.labels[0], shown


def interval_chart(
    description: str,
    points: list[dict[str, Any]],
    position: dict[str, Any],
    value_axis: Literal["x", "y"],
    title: str,
) -> dict[str, Any]:
    """Interval rules, estimate points and a dashed zero line. `position` encodes where each
    point stands on the other axis; the estimates run along `value_axis`."""
    across = "y" if value_axis == "x" else "x"
    return {
        "$schema": SCHEMA,
        "description": description,
        "data": {"values": points},
        "layer": [
            {
                "mark": "rule",
                "encoding": {
                    across: position,
                    value_axis: {"field": "ci_lower", "type": "quantitative", "title": title},
                    f"{value_axis}2": {"field": "ci_upper"},
                },
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {
                    across: position,
                    value_axis: {"field": "coefficient", "type": "quantitative"},
                },
            },
            {
                "data": {"values": [{"zero": 0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {value_axis: {"field": "zero", "type": "quantitative"}},
            },
        ],
    }
