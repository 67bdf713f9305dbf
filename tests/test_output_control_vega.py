"""Vega-Lite specs are built from a ControlledResult only, and contain only its values; the
result itself can only be made by the controller."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    ControlledResult,
    CountTable,
    SurvivalData,
    UnitPairs,
    UnitValues,
    control_frequency_table,
    control_hexbin,
    control_histogram,
    control_summary,
    control_survival,
    release_json,
    vega_lite,
)
from catalogue.analysis.output_control.result import AppliedRule
from catalogue.domain.errors import RegcatError

from .test_output_control_helpers import context, pseudonyms

POPULATION = pseudonyms(1500, seed=5)
RNG = np.random.default_rng(5)


def results() -> list[ControlledResult]:
    values = RNG.lognormal(10, 1, size=len(POPULATION))
    sex = RNG.choice(["1", "2"], size=len(POPULATION))
    place = RNG.choice(["0301", "1103", "4601"], size=len(POPULATION))
    ctx = context(POPULATION)
    return [
        control_histogram(UnitValues("inntekt", POPULATION, values), ctx, bins=12),
        control_frequency_table(CountTable.from_labels(["kjonn"], [sex], POPULATION), ctx),
        control_frequency_table(
            CountTable.from_labels(["kjonn", "kommune"], [sex, place], POPULATION), ctx
        ),
        control_hexbin(
            UnitPairs("x", "y", POPULATION, values, values + RNG.normal(0, 1e4, len(values))),
            ctx,
            gridsize=8,
        ),
        control_survival(
            SurvivalData("tid", POPULATION, RNG.exponential(3, len(POPULATION)), sex == "1"), ctx
        ),
    ]


def spec_values(spec: dict) -> list[dict]:
    return spec["data"]["values"]


@pytest.mark.parametrize("index", range(5))
def test_a_spec_holds_exactly_the_controlled_values(index):
    result = results()[index]
    spec = vega_lite(result, "en")
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    published = [
        dict(zip(result.dimensions + result.columns, row.labels + row.values, strict=True))
        for row in result.rows
        if None not in row.labels  # charts leave margins out
    ]
    assert spec_values(spec) == published
    # Nothing else in the spec is a number from the data.
    text = json.dumps({k: v for k, v in spec.items() if k != "data"})
    for row in published:
        for value in row.values():
            if isinstance(value, float) and value not in (0.0, 1.0):
                assert repr(value) not in text


def test_suppressed_values_stay_null_in_the_chart():
    units = POPULATION[:300]
    table = CountTable.from_cells(
        ["x"], [(("a",), units[:200]), (("b",), units[200:203]), (("c",), units[203:])]
    )
    result = control_frequency_table(table, context(POPULATION))
    b = next(v for v in spec_values(vega_lite(result)) if v["x"] == "b")
    assert b["count"] in (None, 0)


def test_only_a_controlled_result_can_be_charted_or_serialised():
    with pytest.raises(TypeError):
        vega_lite({"data": [1, 2, 3]})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        release_json({"rows": []})


def test_a_result_cannot_be_made_or_copied_outside_the_controller():
    result = results()[1]
    with pytest.raises(TypeError):
        ControlledResult(
            object(),
            kind="frequency-table",
            datastore_version="1",
            parameters_version="x",
            population=1000,
            dimensions=("x",),
            columns=("count",),
            rows=(),
            rules=(AppliedRule("threshold", ()),),
            reason_texts=(),
        )
    with pytest.raises((TypeError, ValueError)):
        dataclasses.replace(result, population=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.population = 1  # type: ignore[misc]


def test_there_is_no_chart_for_a_summary():
    values = UnitValues("inntekt", POPULATION, RNG.normal(size=len(POPULATION)))
    with pytest.raises(RegcatError) as refused:
        vega_lite(control_summary(values, context(POPULATION)))
    assert refused.value.code == "no-chart"
