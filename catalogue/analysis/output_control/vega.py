"""Vega-Lite specifications built from a ControlledResult only (OUTPUT_CONTROL.md §5).

The data in a spec are the result's published rows, copied value for value; withheld
values stay null (and are not drawn), so a chart can never show more than the table."""

from __future__ import annotations

from typing import Any

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import localise

from .result import ControlledResult

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HEXAGON = "M0,-1L0.866,-0.5L0.866,0.5L0,1L-0.866,0.5L-0.866,-0.5Z"

_TITLES = {
    "count": ("Antall", "Count"),
    "percent": ("Prosent", "Percent"),
    "sum": ("Sum", "Sum"),
    "mean": ("Gjennomsnitt", "Mean"),
    "survival": ("Andel uten hendelse", "Share without event"),
    "time": ("Tid", "Time"),
}


def _title(key: str, language: str) -> str:
    return localise(_TITLES.get(key, (key, key)), language)


def _records(result: ControlledResult) -> list[dict[str, Any]]:
    """One record per row: its labels by dimension and its published values by column."""
    records = []
    for row in result.rows:
        record: dict[str, Any] = dict(zip(result.dimensions, row.labels, strict=True))
        record.update(zip(result.columns, row.values, strict=True))
        records.append(record)
    return records


def _interior(result: ControlledResult) -> list[dict[str, Any]]:
    """Table rows without margins (a label None marks a total over that dimension)."""
    return [
        r for r, row in zip(_records(result), result.rows, strict=True) if None not in row.labels
    ]


def _spec(result: ControlledResult, values: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "description": f"{result.kind}, {result.datastore_version}",
        "data": {"values": values},
        **body,
    }


def vega_lite(result: ControlledResult, language: str = "nb") -> dict[str, Any]:
    if not isinstance(result, ControlledResult):
        raise TypeError("charts are drawn from a ControlledResult only")
    kind = result.kind
    if kind == "histogram":
        return _spec(
            result,
            _records(result),
            mark="bar",
            encoding={
                "x": {"field": "start", "type": "quantitative", "bin": {"binned": True}},
                "x2": {"field": "end"},
                "y": {"field": "count", "type": "quantitative", "title": _title("count", language)},
            },
        )
    if kind in ("frequency-table", "magnitude-table"):
        measure = result.columns[0]
        y = {"field": measure, "type": "quantitative", "title": _title(measure, language)}
        first = {"field": result.dimensions[0], "type": "nominal"}
        if len(result.dimensions) == 1:
            return _spec(result, _interior(result), mark="bar", encoding={"x": first, "y": y})
        if len(result.dimensions) == 2:
            second = {"field": result.dimensions[1], "type": "nominal"}
            return _spec(
                result,
                _interior(result),
                mark="rect",
                encoding={"x": first, "y": second, "color": y},
            )
    if kind == "hexbin":
        return _spec(
            result,
            _records(result),
            mark={"type": "point", "shape": HEXAGON, "filled": True},
            encoding={
                "x": {"field": "x", "type": "quantitative"},
                "y": {"field": "y", "type": "quantitative"},
                "color": {
                    "field": "count",
                    "type": "quantitative",
                    "title": _title("count", language),
                },
            },
        )
    if kind == "survival":
        return _spec(
            result,
            _records(result),
            mark={"type": "line", "interpolate": "step-after"},
            encoding={
                "x": {"field": "start", "type": "quantitative", "title": _title("time", language)},
                "y": {
                    "field": "survival",
                    "type": "quantitative",
                    "title": _title("survival", language),
                    "scale": {"domain": [0, 1]},
                },
            },
        )
    raise invalid_input(
        "no-chart",
        f"Det finnes ingen figur for {kind} med {len(result.dimensions)} dimensjoner.",
        f"There is no chart for {kind} with {len(result.dimensions)} dimensions.",
        kind=kind,
    )
