"""histogram: a Vega-Lite specification of a numeric variable's histogram, drawn only from a
controlled table (a perturbed count table on the fixed 1-2-5 bin grid).

Options (microdata.no's `histogram …, width() discrete percent density normal`), each only
a way of drawing the same kind of controlled table:
- `width`: a bin width, taken onto the grid (its next step at or above the width; the step
  `max_bins` bins take when the width would give more), `discrete` the width 1 (a bar per
  whole number); `bins` and `width` are not asked together;
- `scale`: what the bars show, `frequency` (the published counts, the default), `percent`
  (each count over the sum of the published counts) or `density` (that share over the
  bin's width; the two open-ended outer bins have no width and no density), each computed
  in the chart from the published counts only; the table is the same;
- `normal`: a normal curve over the bars, its mean and standard deviation those of the
  published counts on the bins' midpoints (an open-ended bin at its inner edge's half step
  out): drawn from the released table, nothing else."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text, localise

from ..output_control import ControlContext, ControlledResult, UnitValues, control_histogram
from ..output_control import vega_lite as chart_of
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from .shared.common import (
    DataView,
    Labelled,
    choice,
    needs_unit_rows,
    request_error,
    truth_option,
    whole_option,
)
from .summarize import VariableValues, unit_values

MAX_BINS = 100
SCALES = ("frequency", "percent", "density")
CURVE_POINTS = 60
_TITLES = {
    "frequency": ("Antall", "Count"),
    "percent": ("Prosent", "Percent"),
    "density": ("Tetthet", "Density"),
}


def prepare_histogram(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> HistogramPlan:
    needs_unit_rows(view, "histogram")
    bins = whole_option(request, "bins", 1, MAX_BINS)
    width = request.get("width")
    if width is not None and (
        isinstance(width, bool) or not isinstance(width, int | float) or not 0 < width < 1e15
    ):
        raise request_error(
            "width", "«width» må være et tall over 0.", "'width' must be a number above 0."
        )
    if truth_option(request, "discrete"):
        if width not in (None, 1):
            raise request_error(
                "discrete",
                "«discrete» er bredden 1; gi ikke en annen «width».",
                "'discrete' is the width 1; do not give another 'width'.",
            )
        width = 1
    if bins is not None and width is not None:
        raise request_error(
            "width",
            "Gi enten «bins» eller «width» (eller «discrete»).",
            "Give either 'bins' or 'width' (or 'discrete').",
        )
    scale = choice(request, "scale", SCALES, "frequency")
    data = unit_values(view, str(request.get("var")), "histogram")
    drawing = Drawing(scale, truth_option(request, "normal"), language)
    return HistogramPlan(data, bins, language, None if width is None else float(width), drawing)


@dataclass(frozen=True)
class Drawing:
    scale: str = "frequency"
    normal: bool = False
    language: str = "nb"

    @property
    def plain(self) -> bool:
        return self.scale == "frequency" and not self.normal


@dataclass(frozen=True)
class HistogramPlan:
    data: VariableValues
    bins: int | None
    language: str
    width: float | None = None
    drawing: Drawing = Drawing()

    def release(self, context: ControlContext) -> list[Labelled]:
        values = UnitValues(self.data.name, self.data.units, self.data.values)
        result = control_histogram(
            values, context, bins=self.bins, groups=self.data.groups, width=self.width
        )
        about = {"statistic": "histogram", "variable": self.data.name}
        chart = chart_of(result, self.language)
        if not self.drawing.plain:
            chart = histogram_chart(result, self.drawing)
        return [Labelled(about, result, {"vega_lite": chart})]


def _bars(result: ControlledResult) -> list[tuple[float | None, float | None, int | None]]:
    at = [result.columns.index(c) for c in ("start", "end", "count")]
    out: list[tuple[float | None, float | None, int | None]] = []
    for row in result.rows:
        start, end, count = (row.values[i] for i in at)
        published = isinstance(count, int) and not isinstance(count, bool)
        out.append((_edge(start), _edge(end), count if published else None))  # type: ignore[arg-type]
    return out


def _edge(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _midpoints(bars: list[tuple[float | None, float | None, int | None]]) -> list[float | None]:
    """Each bin's middle; an open-ended one half its neighbour's step beyond its inner edge."""
    steps = [e - s for s, e, _ in bars if s is not None and e is not None]
    half = (steps[0] if steps else 1.0) / 2
    out: list[float | None] = []
    for start, end, _ in bars:
        if start is not None and end is not None:
            out.append((start + end) / 2)
        elif end is not None:
            out.append(end - half)
        elif start is not None:
            out.append(start + half)
        else:
            out.append(None)  # one bin open at both ends: no middle
    return out


def histogram_chart(result: ControlledResult, drawing: Drawing) -> dict[str, Any]:
    """The bars on the drawing's scale, and a normal curve when asked, from the result's
    published rows only."""
    bars = _bars(result)
    total = sum(c for _, _, c in bars if c is not None)
    records = []
    for start, end, count in bars:
        value: float | None = count
        if count is not None and drawing.scale != "frequency":
            share = count / total if total else None
            if drawing.scale == "percent":
                value = None if share is None else 100 * share
            else:
                closed = start is not None and end is not None and share is not None
                value = share / (end - start) if closed else None  # type: ignore[operator]
        records.append({"start": start, "end": end, "count": count, drawing.scale: value})
    title = localise(_TITLES[drawing.scale], drawing.language)
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": records},
            "mark": "bar",
            "encoding": {
                "x": {"field": "start", "type": "quantitative", "bin": {"binned": True}},
                "x2": {"field": "end"},
                "y": {"field": drawing.scale, "type": "quantitative", "title": title},
            },
        }
    ]
    if drawing.normal:
        curve = normal_curve(bars, drawing.scale, total)
        if curve:
            layers.append(
                {
                    "data": {"values": curve},
                    "mark": {"type": "line", "color": "#d62728"},
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": drawing.scale, "type": "quantitative"},
                    },
                }
            )
    return {
        "$schema": SCHEMA,
        "description": f"{result.kind}, {result.datastore_version}",
        "layer": layers,
    }


def normal_curve(
    bars: list[tuple[float | None, float | None, int | None]], scale: str, total: int
) -> list[dict[str, float]]:
    """The normal density with the published counts' mean and sd on the bins' midpoints,
    on the bars' scale (a count per bin of the typical width, a percent of it, a density)."""
    middles = _midpoints(bars)
    pairs = [(m, c) for m, (_, _, c) in zip(middles, bars, strict=True) if m is not None and c]
    weight = sum(c for _, c in pairs)
    if weight < 2:
        return []
    mean = sum(m * c for m, c in pairs) / weight
    variance = sum(c * (m - mean) ** 2 for m, c in pairs) / (weight - 1)
    if variance <= 0:
        return []
    sd = math.sqrt(variance)
    widths = [e - s for s, e, _ in bars if s is not None and e is not None]
    width = widths[0] if widths else 1.0
    factor = {"frequency": total * width, "percent": 100 * width, "density": 1.0}[scale]
    low, high = mean - 4 * sd, mean + 4 * sd
    curve = []
    for i in range(CURVE_POINTS + 1):
        x = low + (high - low) * i / CURVE_POINTS
        density = math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        curve.append({"x": x, scale: factor * density})
    return curve


STATISTIC = Statistic(
    name="histogram",
    description=Text(
        "Et histogram som Vega-Lite-spesifikasjon av en kontrollert telletabell.",
        "A histogram as a Vega-Lite specification of a controlled count table.",
    ),
    fields=(
        Field("var", Takes.VARIABLE, required=True),
        Field("bins", Takes.WHOLE_NUMBER, bounds=(1, MAX_BINS)),
        Field(
            "width",
            Takes.NUMBER,
            bounds=(0, 1e15),
            exclusive=True,
            description=Text(
                "Intervallbredden, lagt på rutenettet (neste trinn 1-2-5×10^k fra bredden).",
                "The bin width, taken onto the grid (its next 1-2-5×10^k step from the width).",
            ),
        ),
        Field(
            "discrete",
            Takes.TRUTH,
            description=Text(
                "Bredden 1: én søyle per hele tall.", "The width 1: one bar per whole number."
            ),
        ),
        Field(
            "scale",
            Takes.TEXT,
            choices=SCALES,
            description=Text(
                "Hva søylene viser: antall (standard), prosent eller tetthet, regnet fra de "
                "publiserte antallene.",
                "What the bars show: counts (the default), percent or density, computed from "
                "the published counts.",
            ),
        ),
        Field(
            "normal",
            Takes.TRUTH,
            description=Text(
                "En normalkurve med de publiserte antallenes gjennomsnitt og standardavvik.",
                "A normal curve with the published counts' mean and standard deviation.",
            ),
        ),
    ),
    releases=("histogram",),
    prepare=prepare_histogram,
    request="Histogram",
    example={"var": "lonn", "bins": 20},
)
