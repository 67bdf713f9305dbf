"""Query-level controls (OUTPUT_CONTROL.md §3): the differencing guard and its fingerprints,
the release budget, and the workspace checks the engine calls."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    MagnitudeTable,
    UnitValues,
    check_population,
    check_unit_change,
    control_frequency_table,
    control_magnitude_table,
    control_percentiles,
    control_summary,
)
from catalogue.analysis.output_control.fingerprint import (
    SetFingerprint,
    differs_by_few,
    fingerprint,
)
from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.domain.errors import RegcatError

from .test_output_control_helpers import NOW, context, pseudonyms, table_of_counts

POPULATION = pseudonyms(1500, seed=3)


# --- fingerprints --------------------------------------------------------------------------


def test_fingerprints_tell_small_differences_exactly():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**63, size=5_000).astype(np.uint64)
    released = fingerprint(base)
    for difference in range(16):
        for _ in range(10):
            removed = rng.choice(len(base), size=difference // 2, replace=False)
            added = rng.integers(0, 2**63, size=difference - difference // 2).astype(np.uint64)
            other = fingerprint(np.concatenate([np.delete(base, removed), added]))
            assert differs_by_few(other, [released], 10) is (1 <= difference <= 9)


def test_a_fingerprint_survives_storage_and_does_not_depend_on_order():
    ids = np.random.default_rng(2).integers(0, 2**63, size=1000).astype(np.uint64)
    found = fingerprint(ids)
    assert SetFingerprint.from_bytes(found.to_bytes()).same_set(found)
    assert fingerprint(ids[::-1]).same_set(found)
    assert len(found.to_bytes()) < 4096  # compact, whatever the set's size


# --- differencing --------------------------------------------------------------------------


def incomes(units: np.ndarray) -> UnitValues:
    return UnitValues("inntekt", units, np.linspace(100, 900, len(units)))


def test_a_mean_over_a_few_units_less_is_blocked():
    ctx = context(POPULATION)
    first = control_summary(incomes(POPULATION[:1000]), ctx)
    assert first.rows[0].values[0] is not None
    near = control_summary(incomes(POPULATION[:997]), ctx)
    assert all(row.values == (None,) for row in near.rows)
    assert all(row.reasons == ("differencing",) for row in near.rows)
    far = control_summary(incomes(POPULATION[:990]), ctx)  # 10 units apart: allowed
    assert far.rows[0].values[0] is not None
    assert control_summary(incomes(POPULATION[:1000]), ctx).to_json() == first.to_json()


def test_other_measures_are_not_compared():
    ctx = context(POPULATION)
    control_summary(incomes(POPULATION[:1000]), ctx)
    other = UnitValues("alder", POPULATION[:997], np.linspace(20, 60, 997))
    assert control_summary(other, ctx).rows[0].values[0] is not None


def test_overlapping_percentile_windows_in_one_request_are_blocked():
    data = UnitValues("inntekt", POPULATION[:12], np.arange(12.0))
    result = control_percentiles(data, context(POPULATION), [0.25, 0.5, 0.75])
    assert [row.values[0] for row in result.rows] == [4.5, None, None]
    assert [row.reasons for row in result.rows][1:] == [("differencing",)] * 2


def test_magnitude_cells_differing_by_few_units_are_blocked():
    ctx = context(POPULATION)
    units = POPULATION[:40]

    def table(members: np.ndarray) -> MagnitudeTable:
        return MagnitudeTable.from_cells(
            "inntekt", ["x"], [(("a",), members, np.full(len(members), 100.0))]
        )

    assert control_magnitude_table(table(units), ctx).rows[0].values[0] == 4000.0
    blocked = control_magnitude_table(table(units[:-2]), ctx).rows[0]
    assert blocked.values == (None, None) and blocked.reasons == ("differencing",)


def test_the_guard_spans_projects():
    ledger = InMemoryReleaseLedger()
    control_summary(incomes(POPULATION[:1000]), context(POPULATION, ledger=ledger, project="a"))
    other = control_summary(
        incomes(POPULATION[:995]), context(POPULATION, ledger=ledger, project="b")
    )
    assert other.rows[0].reasons == ("differencing",)


# --- budget --------------------------------------------------------------------------------


def small_budget(cells: int) -> OutputControlParameters:
    return OutputControlParameters.defaults().with_changes("budget", max_cells=cells)


def two_by_three(offset: int) -> CountTable:
    counts = {(r, c): 30 + offset for r in ("r1", "r2") for c in ("c1", "c2", "c3")}
    return table_of_counts(["r", "c"], counts, POPULATION[offset * 200 :])


def test_the_budget_refuses_beyond_the_limit_and_renews_after_the_window():
    ledger = InMemoryReleaseLedger()
    parameters = small_budget(20)
    ctx = context(POPULATION, parameters, ledger)
    first = control_frequency_table(two_by_three(0), ctx)  # 6 + 2 + 3 + 1 = 12 cells
    assert all(row.values[0] for row in first.rows)
    with pytest.raises(RegcatError) as refused:
        control_frequency_table(two_by_three(1), ctx)
    assert refused.value.code == "budget-cells" and refused.value.http_status == 422
    assert "12" in refused.value.message("en") and "20" in refused.value.message("nb")
    # Asking the released table again costs nothing: the same answer, nothing new.
    assert control_frequency_table(two_by_three(0), ctx).to_json() == first.to_json()
    # Another project has its own budget; and after 30 days the first one is renewed.
    control_frequency_table(two_by_three(1), context(POPULATION, parameters, ledger, project="b"))
    later = context(POPULATION, parameters, ledger, now=NOW + timedelta(days=31))
    control_frequency_table(two_by_three(2), later)


def test_at_most_four_crossed_variables():
    labels = [np.array(["a", "b"])[np.arange(1000) % 2]] * 5
    ctx = context(POPULATION)
    control_frequency_table(
        CountTable.from_labels([f"v{i}" for i in range(4)], labels[:4], POPULATION[:1000]), ctx
    )
    with pytest.raises(RegcatError) as refused:
        control_frequency_table(
            CountTable.from_labels([f"v{i}" for i in range(5)], labels, POPULATION[:1000]), ctx
        )
    assert refused.value.code == "budget-variables"
    assert "5" in refused.value.message("nb") and "4" in refused.value.message("en")


# --- workspace checks ----------------------------------------------------------------------


def test_filters_and_derived_variables_change_ten_units_or_none():
    parameters = OutputControlParameters.defaults()
    check_unit_change(0, parameters, "filter")
    check_unit_change(10, parameters, "derived-variable")
    for changed in (1, 9):
        with pytest.raises(RegcatError) as refused:
            check_unit_change(changed, parameters, "filter")
        assert refused.value.code == "min-population-change"
        assert refused.value.http_status == 422
        assert refused.value.message("nb").startswith("Filteret endrer")
        assert refused.value.message("en").startswith("The filter changes")
        # The count is what the rule protects: it appears in neither message nor details.
        shown = (
            refused.value.message("nb") + refused.value.message("en") + str(refused.value.details)
        )
        assert str(changed) not in shown.replace("10", "")


def test_the_population_check_stands_alone_too():
    check_population(context(POPULATION[:1000]))
    with pytest.raises(RegcatError) as refused:
        check_population(context(POPULATION[:999]))
    assert refused.value.code == "min-population"
