"""meanplot: means over time with a 95 % band, drawn only from the controlled tables it
releases (the cell means, the cell counts and each shown cell's sd): every point and band
is recomputed here from the published values, withheld cells are not drawn, no unperturbed
cell mean appears in the spec, and bad requests are 4xx naming the field."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from catalogue.analysis.output_control import (
    CountTable,
    MagnitudeTable,
    UnitValues,
    control_frequency_table,
    control_magnitude_table,
    control_summary,
)
from catalogue.analysis.statistics.meanplot import Z95, band_chart
from tests.test_accounts_support import World, assert_fields_named, researcher_workspace
from tests.test_accounts_support import released_people_home as released_people_home
from tests.test_accounts_support import released_world as released_world
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_output_control_helpers import context, pseudonyms


def _published(item: dict[str, Any], column: str) -> dict[tuple[Any, ...], Any]:
    return {tuple(r["labels"]): r["values"][column] for r in item["result"]["rows"]}


def test_the_chart_is_the_published_means_counts_and_sds(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    asked = {"y": "lonn", "time": "utdanning", "by": "kjonn"}
    answer = client.post(f"/api/v1/workspaces/{handle}/meanplot", json=asked, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    items = answer.get_json()["results"]
    tables = [i["about"]["table"] for i in items]
    assert tables[:2] == ["mean", "count"] and set(tables[2:]) <= {"sd"}
    means, counts = _published(items[0], "mean"), _published(items[1], "count")
    sds = {tuple(i["about"]["cell"].values()): _published(i, "value")[("sd",)] for i in items[2:]}
    spec = items[0]["vega_lite"]
    points = spec["data"]["values"]
    assert points
    for point in points:
        cell = (str(int(point["utdanning"])), point["kjonn"])
        mean, n, sd = means[cell], counts[cell], sds[cell]
        assert None not in (mean, n, sd)
        half = Z95 * sd / math.sqrt(n)
        assert point["mean"] == mean
        assert math.isclose(point["lower"], mean - half) and math.isclose(
            point["upper"], mean + half
        )
    drawn = {(str(int(p["utdanning"])), p["kjonn"]) for p in points}
    withheld = {c for c in means if means[c] is None or counts.get(c) is None}
    assert not drawn & withheld
    # Drawn server-side like every chart: vl-convert renders the spec as released.
    from catalogue.export.results.charts import svg

    drawn_svg = svg(spec)
    assert drawn_svg is not None and drawn_svg.startswith("<svg")


def test_bad_requests_name_the_field(released_world: World) -> None:
    client, headers, handle = researcher_workspace(released_world, ISSUE_STEPS)
    cases = [
        ({"y": "lonn", "time": "utdanning", "by": "utdanning"}, "by"),
        ({"y": "lonn", "time": "nosuch"}, "nosuch"),
        ({"y": "kommune", "time": "utdanning"}, "kommune"),
        ({"time": "utdanning"}, "y"),
    ]
    assert_fields_named(client, headers, handle, "meanplot", cases)


def test_no_unperturbed_mean_and_no_withheld_cell_reaches_the_spec() -> None:
    population = pseudonyms(1200, seed=11)
    rng = np.random.default_rng(11)
    # Four periods of ~300 units and one of 3: the small one must not be drawn.
    period = rng.choice(["1", "2", "3", "4"], size=len(population))
    period[:3] = "5"
    values = rng.lognormal(10, 0.5, size=len(population))
    ctx = context(population)
    table = CountTable.from_labels(["periode"], [period], population)
    means = control_magnitude_table(MagnitudeTable("lonn", table, values), ctx, statistics=["mean"])
    counts = control_frequency_table(table, ctx, include_margins=False)
    sds = {
        (p,): control_summary(UnitValues("lonn", population[period == p], values[period == p]), ctx)
        for p in ("1", "2", "3", "4")
    }
    spec = band_chart(means, counts, sds, "en")
    drawn = {p["periode"] for p in spec["data"]["values"]}
    assert drawn == {1.0, 2.0, 3.0, 4.0}
    text = json.dumps(spec)
    for p in ("1", "2", "3", "4", "5"):
        raw = values[period == p]
        for number in (raw.mean(), raw.std(ddof=1), raw.std(ddof=0)):
            assert repr(float(number)) not in text
