"""Query-level controls (OUTPUT_CONTROL.md §3): the differencing guard and its fingerprints,
the release budget, and the population check. (Version 1's unit-change check of filters
and derived variables is withdrawn: see tests/test_analysis_steps.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    MagnitudeTable,
    UnitValues,
    check_population,
    control_frequency_table,
    control_magnitude_table,
    control_percentiles,
    control_summary,
)
from catalogue.analysis.output_control.fingerprint import (
    SetFingerprint,
    _difference_weight_numpy,
    _peel,
    _peel_numpy,
    difference,
    difference_weight,
    differs_by_few,
    fingerprint,
    screened,
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
    for apart in range(16):
        for _ in range(10):
            removed = rng.choice(len(base), size=apart // 2, replace=False)
            added = rng.integers(0, 2**63, size=apart - apart // 2).astype(np.uint64)
            other = fingerprint(np.concatenate([np.delete(base, removed), added]))
            assert differs_by_few(other, [released], 10) is (1 <= apart <= 9)


def _difference_numpy(
    new: SetFingerprint, released: SetFingerprint, below: int
) -> list[int] | None:
    """`difference` as first written: the numpy peel to its end."""
    if abs(released.size - new.size) >= below:
        return None
    touched = (
        (released.counts != new.counts)
        | (released.id_xor != new.id_xor)
        | (released.check_xor != new.check_xor)
    )
    if int(np.count_nonzero(touched)) > 4 * (below - 1):
        return None
    elements: list[int] = []
    size = _peel_numpy(
        [int(x) for x in released.counts - new.counts],
        [int(x) for x in released.id_xor ^ new.id_xor],
        [int(x) for x in released.check_xor ^ new.check_xor],
        elements,
    )
    return elements if size is not None and size < below else None


def test_peeling_in_python_ints_equals_the_numpy_twin():
    """`_peel` (Python ints) against `_peel_numpy` (the reference): the same count or None,
    the same ids in the same order and the same tables left, over differences 0 to 40 ids
    apart and a few large ones (stuck), ids over the whole 64 bits, units on both sides."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**64, size=2_000, dtype=np.uint64)
    released = fingerprint(base)
    stuck = answered = 0
    for apart in [*range(41), 100, 150, 400]:
        for _ in range(6):
            removed = rng.choice(len(base), size=apart // 2, replace=False)
            added = rng.integers(0, 2**64, size=apart - apart // 2, dtype=np.uint64)
            other = fingerprint(np.concatenate([np.delete(base, removed), added]))
            tables = [
                (released.counts - other.counts).tolist(),
                (released.id_xor ^ other.id_xor).tolist(),
                (released.check_xor ^ other.check_xor).tolist(),
            ]
            copies = [list(t) for t in tables]
            found: list[int] = []
            expected: list[int] = []
            size = _peel(*tables, found)
            assert size == _peel_numpy(*copies, expected)
            assert found == expected and tables == copies
            stuck += size is None
            for below in (10, 20):  # `difference` stops peeling at `below`: the same answer
                reference = _difference_numpy(other, released, below)
                assert difference(other, released, below) == reference, (apart, below)
                answered += reference is not None
            # The weight of a difference, over every prefix of the ids (1 to 40 of them).
            for n in range(1, len(expected) + 1):
                assert difference_weight(expected[:n]) == _difference_weight_numpy(expected[:n])
    assert stuck > 0  # large differences get stuck: that path is compared too
    assert answered > 100


def test_the_compiled_peel_equals_the_python_peel(monkeypatch: Any) -> None:
    """`difference` and `differs_by_few` through the compiled `_loops.peel_difference`
    against their Python twins (`_difference_python`; `differs_by_few` with the compiled
    loop switched off), and `difference_weight` through `_loops.weight_tops` against
    `_difference_weight_python` and the numpy reference: the same ids in the same order
    or None, the same weight to the bit, and the same verdict, over
    sets 0 to 60 ids apart on either side, stuck peels, sizes beyond reach and every
    `below` from 0 to 21."""
    from catalogue.analysis.output_control import fingerprint as module

    stale = "the C extension is not built, or older than native/_loops.c: make install"
    assert module._peel_difference is not None and module._weight_tops is not None, stale
    rng = np.random.default_rng(11)
    base = rng.integers(0, 2**64, size=1_500, dtype=np.uint64)
    new = fingerprint(base)
    others = [new]
    for apart in [*range(61), 90, 200, 700]:
        for _ in range(3):
            removed = rng.choice(len(base), size=apart // 2, replace=False)
            added = rng.integers(0, 2**64, size=apart - apart // 2, dtype=np.uint64)
            others.append(fingerprint(np.concatenate([np.delete(base, removed), added])))
    found = stuck = 0
    for other in others:
        for below in range(22):
            compiled = difference(new, other, below)
            assert compiled == module._difference_python(new, other, below), below
            found += bool(compiled)
            if compiled:  # the weight: mixed in C (`weight_tops`), in Python ints, in numpy
                weight = difference_weight(compiled)
                assert weight == module._difference_weight_python(compiled)
                assert weight == _difference_weight_numpy(compiled)
        stuck += module._peel_difference(
            other.counts, other.id_xor, other.check_xor, new.counts, new.id_xor,
            new.check_xor, 128, 0, np.empty(128, np.uint64),
        ) == -1  # fmt: skip
    verdicts = []
    for limit in (1, 2, 5, 10, 20):
        for lo in range(0, len(others), 7):
            verdicts.append(differs_by_few(new, others[lo : lo + 7], limit))
    monkeypatch.setattr(module, "_peel_difference", None)
    again = []
    for limit in (1, 2, 5, 10, 20):
        for lo in range(0, len(others), 7):
            again.append(differs_by_few(new, others[lo : lo + 7], limit))
    assert verdicts == again and any(verdicts) and not all(verdicts)
    assert found > 500 and stuck > 0


def test_a_fingerprint_survives_storage_and_does_not_depend_on_order():
    ids = np.random.default_rng(2).integers(0, 2**63, size=1000).astype(np.uint64)
    found = fingerprint(ids)
    assert SetFingerprint.from_bytes(found.to_bytes()).same_set(found)
    assert fingerprint(ids[::-1]).same_set(found)
    assert len(found.to_bytes()) < 4096  # compact, whatever the set's size


def test_the_screen_of_many_candidates_equals_the_tests_one_at_a_time():
    """`screened` (the differencing guard's batch of cheap tests) against `same_set` and
    `difference` one candidate at a time: the same first identical set, and every candidate
    `difference` can find near is among those it keeps, over sets 0 to 40 ids apart,
    repeats and sizes beyond reach."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**63, size=3_000).astype(np.uint64)
    new = fingerprint(base)
    kept = taken = 0
    for round_ in range(20):
        candidates = []
        for _ in range(30):
            apart = int(rng.integers(0, 41))
            removed = rng.choice(len(base), size=apart // 2, replace=False)
            added = rng.integers(0, 2**63, size=apart - apart // 2).astype(np.uint64)
            candidates.append(fingerprint(np.concatenate([np.delete(base, removed), added])))
        if round_ % 2:
            candidates = [c for c in candidates if not c.same_set(new)]
        for below in (10, 20):
            same, near = screened(new, candidates, below)
            first = next((i for i, c in enumerate(candidates) if c.same_set(new)), None)
            assert same == first
            found = [i for i, c in enumerate(candidates) if difference(new, c, below)]
            assert set(found) <= set(near) and near == sorted(near)
            kept, taken = kept + len(near), taken + len(found)
    assert taken > 100 and kept < 20 * 30 * 2  # near sets found; far ones turned away
    assert screened(new, [], 10) == (None, [])


def test_the_screen_one_candidate_at_a_time_equals_the_stacked_screen(monkeypatch: Any) -> None:
    """Up to `_SCREEN_ONE_BY_ONE` candidates are screened one at a time (sizes first):
    the same identical set and the same near ones, in order, as the stacked tests, with
    repeats, sizes beyond reach, one candidate, and reaches of 0 and 1."""
    from catalogue.analysis.output_control import fingerprint as module

    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**63, size=2_000).astype(np.uint64)
    new = fingerprint(base)
    for round_ in range(12):
        candidates = []
        for _ in range(int(rng.integers(1, 40))):
            apart = int(rng.integers(0, 60))
            removed = rng.choice(len(base), size=apart // 2, replace=False)
            added = rng.integers(0, 2**63, size=apart - apart // 2 + round_ % 3).astype(np.uint64)
            candidates.append(fingerprint(np.concatenate([np.delete(base, removed), added])))
        for below in (0, 1, 2, 10, 20):
            monkeypatch.setattr(module, "_SCREEN_ONE_BY_ONE", 64)
            one_by_one = module.screened(new, candidates, below)
            monkeypatch.setattr(module, "_SCREEN_ONE_BY_ONE", 0)
            stacked = module.screened(new, candidates, below)
            assert one_by_one == stacked


def test_the_compiled_merge_equals_ufunc_at() -> None:
    """`FingerprintTable.merged` (compiled `_loops.merge_fingerprints`) against
    `merged_numpy` (ufunc.at): the same sizes, counts and xors, over tables of 0 to 3,000
    sets sent to 1 to 200 targets (sorted, unsorted, all to one, targets that receive
    nothing), tables that are themselves merged, and a target outside refused alike."""
    from catalogue.analysis.output_control.fingerprint import fingerprint_table

    rng = np.random.default_rng(17)
    compared = 0
    for n_sets in (0, 1, 7, 300, 3_000):
        pairs = int(rng.integers(0, 20 * n_sets + 1))
        table = fingerprint_table(
            rng.integers(0, max(n_sets, 1), pairs), rng.integers(0, 2**64, pairs, np.uint64), n_sets
        )
        for targets in (1, 13, 200):
            for target in (
                rng.integers(0, targets, n_sets),
                np.sort(rng.integers(0, targets, n_sets)),
                np.zeros(n_sets, dtype=np.int64),
                np.arange(n_sets) % targets,
            ):
                fast, slow = table.merged(target, targets), table.merged_numpy(target, targets)
                for part in ("sizes", "counts", "id_xor", "check_xor"):
                    a, b = getattr(fast, part), getattr(slow, part)
                    assert a.dtype == b.dtype and np.array_equal(a, b), (n_sets, targets, part)
                again = fast.merged(np.arange(targets) // 2, (targets + 1) // 2)
                assert np.array_equal(
                    again.id_xor,
                    slow.merged_numpy(np.arange(targets) // 2, (targets + 1) // 2).id_xor,
                )
                compared += 1
        if n_sets:
            with pytest.raises(IndexError):
                table.merged(np.full(n_sets, 5), 5)
            with pytest.raises(IndexError):
                table.merged_numpy(np.full(n_sets, 5), 5)
    assert compared == 60


def test_kept_fingerprints_screen_as_their_own_arrays() -> None:
    """Fingerprints kept as rows of a FingerprintRows (the guard index's: blocks of 16,
    32, … rows) are the same fingerprints, and `_stacked` gathers from the rows what
    `_stacked_reference` stacks from the arrays (kept, not kept, mixed, one, many blocks);
    `screened` and `differs_by_few` answer alike for the kept and the original ones."""
    from catalogue.analysis.output_control.fingerprint import (
        FingerprintRows,
        _stacked,
        _stacked_reference,
    )

    rng = np.random.default_rng(13)
    base = rng.integers(0, 2**64, size=800, dtype=np.uint64)
    new = fingerprint(base)
    originals = []
    for _ in range(300):
        apart = int(rng.integers(0, 45))
        removed = rng.choice(len(base), size=apart // 2, replace=False)
        added = rng.integers(0, 2**64, size=apart - apart // 2, dtype=np.uint64)
        originals.append(fingerprint(np.concatenate([np.delete(base, removed), added])))
    rows = FingerprintRows()
    kept = [rows.keep(f) for f in originals]
    assert len(rows) == 300
    for k, f in zip(kept, originals, strict=True):
        assert k.same_set(f) and k.size == f.size and k.counts.dtype == np.int64
        assert SetFingerprint.from_bytes(k.to_bytes()).same_set(f)
    other = FingerprintRows()
    kept_elsewhere = [other.keep(f) for f in originals[:5]]
    for pick in (
        list(range(300)),
        [299],
        [0, 299, 17, 16, 47, 48, 150],
        rng.integers(0, 300, 100).tolist(),
        list(range(40, 60)),
    ):
        expected = _stacked_reference([originals[i] for i in pick])
        assert np.array_equal(_stacked([kept[i] for i in pick]), expected)
        assert np.array_equal(_stacked([originals[i] for i in pick]), expected)
        mixed = [kept[i] if n % 2 else originals[i] for n, i in enumerate(pick)]
        assert np.array_equal(_stacked(mixed), expected)
        assert np.array_equal(_stacked(kept_elsewhere + [kept[i] for i in pick])[5:], expected)
    near_found = 0
    for lo in range(0, 300, 60):
        for below in (1, 10, 20):
            same, near = screened(new, kept[lo : lo + 120], below)
            assert (same, near) == screened(new, originals[lo : lo + 120], below)
            near_found += len(near)
            assert differs_by_few(new, kept[lo : lo + 120], below) == differs_by_few(
                new, originals[lo : lo + 120], below
            )
    assert near_found > 50


# --- differencing --------------------------------------------------------------------------


def incomes(units: np.ndarray) -> UnitValues:
    return UnitValues("inntekt", units, np.linspace(100, 900, len(units)))


def counted(units: np.ndarray) -> CountTable:
    return CountTable.from_cells(["alle"], [(("alle",), units)])


def test_a_count_over_a_few_units_less_gets_the_registered_count():
    ctx = context(POPULATION)
    first = control_frequency_table(counted(POPULATION[:1000]), ctx, include_margins=False)
    assert first.rows[0].values[0] is not None
    near = control_frequency_table(counted(POPULATION[:997]), ctx, include_margins=False)
    assert near.to_json() == first.to_json()  # nothing new, and it looks like a repeat
    far = control_frequency_table(counted(POPULATION[:970]), ctx, include_margins=False)
    assert far.rows[0].values[0] is not None  # 30 units apart: its own count
    again = control_frequency_table(counted(POPULATION[:1000]), ctx, include_margins=False)
    assert again.to_json() == first.to_json()


def test_a_repeated_summary_is_answered_alike():
    ctx = context(POPULATION)
    first = control_summary(incomes(POPULATION[:1000]), ctx)
    assert first.rows[0].values[0] is not None
    assert control_summary(incomes(POPULATION[:1000]), ctx).to_json() == first.to_json()


def test_overlapping_percentile_windows_in_one_request_are_blocked():
    data = UnitValues("inntekt", POPULATION[:12], np.arange(12.0))
    result = control_percentiles(data, context(POPULATION), [0.25, 0.5, 0.75])
    values = [row.values[0] for row in result.rows]
    assert values[0] is not None and values[1:] == [None, None]
    assert [row.reasons for row in result.rows][1:] == [("differencing",)] * 2


def test_magnitude_cells_differing_by_few_units_are_blocked():
    units = POPULATION[:40]
    table = MagnitudeTable.from_cells(
        "inntekt",
        ["x"],
        [(("a",), units, np.full(40, 100.0)), (("b",), units[:-2], np.full(38, 100.0))],
    )
    a, b = control_magnitude_table(table, context(POPULATION)).rows
    assert a.values[0] is not None
    assert b.values == (None, None) and b.reasons == ("differencing",)


def test_the_guard_spans_projects():
    ledger = InMemoryReleaseLedger()
    control_frequency_table(
        counted(POPULATION[:1000]), context(POPULATION, ledger=ledger, project="a")
    )
    first = control_frequency_table(
        counted(POPULATION[:1000]), context(POPULATION, ledger=ledger, project="c")
    )
    other = control_frequency_table(
        counted(POPULATION[:995]), context(POPULATION, ledger=ledger, project="b")
    )
    assert other.rows[0].values == first.rows[0].values  # the registered count, not its own


# --- budget --------------------------------------------------------------------------------


def small_budget(points: int) -> OutputControlParameters:
    return OutputControlParameters.defaults().with_changes("budget", points=points)


def two_by_three(offset: int) -> CountTable:
    counts = {(r, c): 30 + offset for r in ("r1", "r2") for c in ("c1", "c2", "c3")}
    return table_of_counts(["r", "c"], counts, POPULATION[offset * 200 :])


def test_the_budget_refuses_beyond_the_limit_and_renews_after_the_window():
    ledger = InMemoryReleaseLedger()
    parameters = small_budget(80)
    ctx = context(POPULATION, parameters, ledger)
    # 6 cells of 30 units, margins of 90 and 60, a total of 180, each costing
    # sqrt(1000 / n) points: about 56 in all.
    first = control_frequency_table(two_by_three(0), ctx)
    assert all(row.values[0] for row in first.rows)
    spent = ledger.points_spent("project-1", NOW - timedelta(days=30))
    assert 50 <= spent <= 62
    with pytest.raises(RegcatError) as refused:
        control_frequency_table(two_by_three(1), ctx)
    assert refused.value.code == "budget-exhausted" and refused.value.http_status == 422
    assert str(spent) in refused.value.message("en") and "80" in refused.value.message("nb")
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


def test_the_population_check_stands_alone_too():
    check_population(context(POPULATION[:1005]))  # perturbed: at least 1000
    with pytest.raises(RegcatError) as refused:
        check_population(context(POPULATION[:995]))  # perturbed: at most 1000 - 1
    assert refused.value.code == "min-population"


def test_the_population_check_judges_the_perturbed_count_not_the_exact_one():
    # Populations of exactly 998..1002 units: the exact count alone does not decide (an
    # exact bound would tell whether one unit is in a population of 1000); the perturbed
    # count does, and the same population always gets the same answer.
    rng = np.random.default_rng(15)
    decided: dict[int, set[bool]] = {}
    for size in range(998, 1003):
        for _ in range(40):
            population = rng.choice(POPULATION, size=size, replace=False)
            ctx = context(population)
            try:
                check_population(ctx)
                passed = True
            except RegcatError:
                passed = False
            assert passed is (ctx.perturbed_population >= 1000)
            again = context(population[::-1].copy())
            assert again.perturbed_population == ctx.perturbed_population
            decided.setdefault(size, set()).add(passed)
    assert decided[999] == {True, False} and decided[1000] == {True, False}
