"""Property tests (OUTPUT_CONTROL.md §4): for every generated table, no published count lies
in 1–9; |noise| ≤ D; results do not depend on row order; no output contains a pseudonym, a
cell key, a record key or a pre-perturbation value; re-running gives byte-identical output
apart from the audit id."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.analysis.output_control import (
    ControlledResult,
    CountTable,
    InMemoryReleaseLedger,
    UnitValues,
    control_frequency_table,
    control_histogram,
)
from catalogue.analysis.output_control.cell_key import RECORD_KEY_MODULUS, derive_keys
from catalogue.domain.errors import RegcatError

from .test_output_control_helpers import SECRET, context, pseudonyms

POPULATION = pseudonyms(1100, seed=77)
MAX_NOISE = 5
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Generated:
    table: CountTable
    margins: bool

    def units_of(self, labels: tuple[str | None, ...]) -> np.ndarray:
        keep = np.ones(len(self.table.units), dtype=bool)
        for d, label in enumerate(labels):
            if label is not None:
                keep &= self.table.codes[:, d] == self.table.categories[d].index(label)
        return np.unique(self.table.units[keep])


@st.composite
def tables(draw: st.DrawFn) -> Generated:
    dims = draw(st.integers(1, 2))
    sizes = [draw(st.integers(1, 4)) for _ in range(dims)]
    rows = draw(st.integers(0, 250))
    pool = draw(st.integers(1, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Uneven category shares, so that small cells (and empty ones) are common.
    codes = np.column_stack(
        [rng.choice(size, size=rows, p=rng.dirichlet(np.full(size, 0.6))) for size in sizes]
    ).reshape(rows, dims)
    units = POPULATION[rng.integers(0, pool, size=rows)]  # units may repeat across rows
    categories = tuple(tuple(f"k{i}" for i in range(size)) for size in sizes)
    table = CountTable(tuple(f"v{d}" for d in range(dims)), categories, codes, units)
    return Generated(table, draw(st.booleans()))


def run(generated: Generated, ledger: InMemoryReleaseLedger | None = None) -> ControlledResult:
    ctx = context(POPULATION, ledger=ledger or InMemoryReleaseLedger())
    return control_frequency_table(generated.table, ctx, include_margins=generated.margins)


def numbers_in(node: object) -> list[float]:
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return []
    if isinstance(node, int | float):
        return [float(node)]
    if isinstance(node, dict):
        return [x for value in node.values() for x in numbers_in(value)]
    if isinstance(node, list):
        return [x for value in node for x in numbers_in(value)]
    raise TypeError(type(node))


@SETTINGS
@given(tables())
def test_property_no_published_count_lies_in_one_to_nine_and_noise_is_bounded(generated):
    result = run(generated)
    for row in result.rows:
        count = row.values[0]
        true = len(generated.units_of(row.labels))
        if count is not None:
            assert not 1 <= count <= 9
            assert abs(count - true) <= MAX_NOISE
            assert count >= 0
        if true == 0:
            assert count == 0  # zero stays zero, and is never suppressed


@SETTINGS
@given(tables(), st.integers(0, 2**32 - 1))
def test_property_results_do_not_depend_on_row_order(generated, seed):
    order = np.random.default_rng(seed).permutation(len(generated.table.units))
    shuffled = Generated(
        CountTable(
            generated.table.dimensions,
            generated.table.categories,
            generated.table.codes[order],
            generated.table.units[order],
        ),
        generated.margins,
    )
    assert run(generated).to_json() == run(shuffled).to_json()


@SETTINGS
@given(tables())
def test_property_no_output_contains_a_secret_or_a_value_before_noise(generated):
    result = run(generated)
    text = result.to_json()
    data = json.loads(text)
    for pseudonym in np.unique(generated.table.units):
        assert str(int(pseudonym)) not in text
    for row in result.rows:
        units = generated.units_of(row.labels)
        keys = derive_keys(SECRET, units)
        cell_key = int(keys.record_keys.sum()) % RECORD_KEY_MODULUS / RECORD_KEY_MODULUS
        if len(repr(cell_key)) > 6:  # keys like 0.5 would match ordinary numbers
            assert repr(cell_key) not in text
        true = len(units)
        counts = [v for v in row.values if isinstance(v, int)]  # percents may coincide
        if row.values[0] is not None and row.values[0] != true:
            assert true not in counts  # the count before noise is nowhere in its row
    # Every number in the output is a published value, the population or a parameter.
    published = {float(v) for row in result.rows for v in row.values if v is not None}
    outside_rules = {k: v for k, v in data.items() if k != "rules"}
    assert set(numbers_in(outside_rules)) <= published | {float(result.population)}
    assert set(data) == {
        "kind", "audit_id", "datastore_version", "parameters_version", "population",
        "dimensions", "columns", "rows", "rules", "reasons", "notes",
    }  # fmt: skip
    assert all(set(row) == {"labels", "values", "reasons"} for row in data["rows"])


@SETTINGS
@given(tables())
def test_property_rerunning_gives_byte_identical_output(generated):
    ledger = InMemoryReleaseLedger()
    first = run(generated, ledger)
    assert run(generated, ledger).to_json() == first.to_json()  # same ledger: a repeat
    assert run(generated).to_json() == first.to_json()  # a fresh ledger
    audited = first.with_audit_id("audit-123")
    assert audited.to_json_dict() == {**first.to_json_dict(), "audit_id": "audit-123"}


@SETTINGS
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=10, max_size=300),
    st.integers(1, 40),
)
def test_property_histogram_counts_never_lie_in_one_to_nine(values, bins):
    units = POPULATION[: len(values)]
    try:
        result = control_histogram(
            UnitValues("v", units, np.array(values)), context(POPULATION), bins=bins
        )
    except RegcatError as refused:
        # Refused on the perturbed number of units: only where noise can take it below 10.
        assert refused.code == "histogram-units" and len(values) < 10 + MAX_NOISE
        return
    for count in result.column("count"):
        assert count is None or not 1 <= count <= 9
