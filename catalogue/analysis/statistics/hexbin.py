"""hexbin: a scatter of two numeric variables as hexagonal bins (the only scatter there is:
a point per unit would show each unit's values), a Vega-Lite chart drawn only from the
controlled hex table.

The lattice spans the smoothed 1st to 99th percentiles of each variable, perturbed; a hex
is drawn when its perturbed count reaches the hexbin minimum (10 units by default); hexes
that fail are left out, not drawn empty (OUTPUT_CONTROL.md, `hexbin`).

`groups` (microdata.no's `groups()`) colours the hexes in that many classes of equal
width over the published counts (a quantized colour scale) instead of a continuous one:
the same released table, drawn otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, UnitPairs, control_hexbin, vega_lite
from ..output_control.fingerprint import SetFingerprint
from ..output_control.rules.hexbin import Hexbin
from ..statistic import Field, Statistic, Takes
from .shared.common import (
    DataView,
    Labelled,
    needs_unit_rows,
    number_sql,
    two_numbers,
    unit_rows,
    whole_option,
)

MIN_CLASSES, MAX_CLASSES = 2, 9  # the classes a colour scheme of Vega has


def prepare_hexbin(view: DataView, request: Mapping[str, Any], language: str = "nb") -> HexbinPlan:
    needs_unit_rows(view, "hexbin")
    x, y = two_numbers(view, request, "x", "y", "hexbin")
    gridsize = whole_option(request, "gridsize", 1, view.parameters.of(Hexbin).max_gridsize)
    vx, vy = number_sql(x), number_sql(y)
    units, found = unit_rows(view, f"{vx} AS x, {vy} AS y", f"isfinite({vx}) AND isfinite({vy})")
    pairs = UnitPairs(
        x.name,
        y.name,
        units,
        np.asarray(found["x"], dtype=np.float64),
        np.asarray(found["y"], dtype=np.float64),
    )
    classes = whole_option(request, "groups", MIN_CLASSES, MAX_CLASSES)
    return HexbinPlan(pairs, gridsize, language, view.groups_of([x, y]), classes)


@dataclass(frozen=True)
class HexbinPlan:
    pairs: UnitPairs
    gridsize: int | None
    language: str
    groups: tuple[SetFingerprint, ...]
    classes: int | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_hexbin(self.pairs, context, gridsize=self.gridsize, groups=self.groups)
        chart = vega_lite(result, self.language)
        encoding = chart["encoding"]
        encoding["x"]["title"], encoding["y"]["title"] = self.pairs.measure_x, self.pairs.measure_y
        if self.classes is not None:
            scheme = {"name": "blues", "count": self.classes}
            encoding["color"]["scale"] = {"type": "quantize", "nice": False, "scheme": scheme}
        about = {"statistic": "hexbin", "x": self.pairs.measure_x, "y": self.pairs.measure_y}
        return [Labelled(about, result, {"vega_lite": chart})]


STATISTIC = Statistic(
    name="hexbin",
    description=Text(
        "Et spredningsplott som sekskantceller (hver med minst 10 enheter), som Vega-Lite "
        "fra en kontrollert telletabell.",
        "A scatter as hexagonal bins (each of at least 10 units), as Vega-Lite from a "
        "controlled count table.",
    ),
    fields=(
        Field("x", Takes.VARIABLE, required=True),
        Field("y", Takes.VARIABLE, required=True),
        Field("gridsize", Takes.WHOLE_NUMBER, bounds=(1, 100)),
        Field(
            "groups",
            Takes.WHOLE_NUMBER,
            bounds=(MIN_CLASSES, MAX_CLASSES),
            description=Text(
                "Fargeklasser: antallene farget i så mange like brede klasser.",
                "Colour classes: the counts coloured in that many classes of equal width.",
            ),
        ),
    ),
    releases=("hexbin",),
    prepare=prepare_hexbin,
    request="Hexbin",
    example={"x": "alder", "y": "lonn", "gridsize": 10},
)
