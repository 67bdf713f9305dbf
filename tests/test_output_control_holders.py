"""Holder samples (guard_index.HolderSamples) and the sunflowers they show across
workspaces (kernels.ledger_kernels; conformance case 22 when each padded part is asked
from a workspace of its own, so that no class of any workspace names another part)."""

from __future__ import annotations

import numpy as np

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    OutputControlParameters,
    control_frequency_table,
)
from catalogue.analysis.output_control.guard_index import EMPTY, SAMPLE, HolderSamples
from catalogue.analysis.output_control.ledger import HOLDER_MEASURE
from catalogue.analysis.output_control.result import ControlledResult
from catalogue.analysis.output_control.rules.core_sharing import CoreSharing

from .test_output_control_helpers import context, pseudonyms

DEFAULTS = OutputControlParameters.defaults()


def _random_holders(seed: int) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 2**63, size=400, dtype=np.int64).astype(np.uint64)
    holders = [
        (int(rng.integers(1, 2**62)), ids[rng.random(len(ids)) < rng.uniform(0.05, 0.9)])
        for _ in range(60)
    ]
    return ids, holders


def test_a_sample_does_not_depend_on_the_order_and_is_exact_below_its_bound():
    """Replayed in any order (another process's records, a restart), the same samples; and
    for every unit and holder: h below the unit's bound and not kept means not a holder."""
    ids, holders = _random_holders(7)
    forward, backward = HolderSamples(), HolderSamples()
    for h, members in holders:
        forward.add(h, len(members), members)
    for h, members in reversed(holders):
        backward.add(h, len(members), members)
    rows = forward.of(ids)
    assert np.array_equal(rows, backward.of(ids))
    assert rows.shape == (len(ids), SAMPLE)
    checked = 0
    for h, members in holders:
        holds = np.isin(ids, members)
        kept = (rows == np.uint64(h)).any(axis=1)
        below = np.uint64(h) < rows[:, -1]
        assert not np.any(kept & ~holds)  # a kept holder holds the unit
        assert np.array_equal(holds[below], kept[below])  # exact below the bound
        checked += int(below.sum())
    assert checked > len(ids)  # the test meets the bound's both sides
    assert bool(np.any(rows[:, -1] != EMPTY))


def _parts(result: ControlledResult) -> tuple[int | None, int | None, int]:
    rows = {row.labels: row.values[0] for row in result.rows}
    true, false = rows.get(("True",)), rows.get(("False",))
    return (
        None if true is None else int(true),
        None if false is None else int(false),
        dict(result.steward).get(CoreSharing.code, 0),
    )


def test_a_partition_asked_from_fresh_workspaces_is_answered_without_its_kernel():
    """The parts A_j ∪ G of everyone but G (G: 9 units), each tabulated in a workspace with
    no classes (nothing a workspace names meets another part): after `max_sets` parts the
    ledger's holder samples show the sunflower, and every further part is answered as A_j,
    its false cell as everyone but A_j (the cells still add up). The holder records are
    in the ledger, so the parts carrying G are at most max_sets whatever workspace asks."""
    n = 12_000
    units = pseudonyms(n, seed=13)
    ledger = InMemoryReleaseLedger()
    rng = np.random.default_rng(13)
    group = np.zeros(n, dtype=bool)
    group[rng.choice(n, size=9, replace=False)] = True
    parts = 24
    part_of = rng.integers(0, parts, size=n)
    limit = DEFAULTS.of(CoreSharing).max_sets
    carried = 0
    for j in range(parts):
        x = ((part_of == j) & ~group) | group
        table = CountTable.from_labels([f"x{j}"], [x.astype(str)], units)
        true, false, told = _parts(control_frequency_table(table, context(units, ledger=ledger)))
        alone = control_frequency_table(
            CountTable.from_labels(["x"], [((part_of == j) & ~group).astype(str)], units),
            context(units, ledger=InMemoryReleaseLedger()),
        )
        without, rest, _ = _parts(alone)
        if j < limit:
            assert told == 0
            carried += 1
        else:  # A_j's own answer, and everyone but A_j for the false cell
            assert told == 2
            assert (true, false) == (without, rest)
    assert carried == limit
    assert any(r.measure == HOLDER_MEASURE for rel in ledger._releases for r in rel.sets)


def test_one_variable_over_nested_populations_makes_no_sunflower():
    """A study's sets that meet a cell in one set: one variable tabulated over six nested
    populations (each all but a different tenth of the units), then a cell meeting each of
    them in the same small set. They share their units beyond it: no sunflower."""
    n = 10_000
    units = pseudonyms(n, seed=5)
    ledger = InMemoryReleaseLedger()
    rng = np.random.default_rng(5)
    flag = rng.random(n) < 0.01
    tenth = rng.integers(0, 10, size=n)
    ctx = context(units, ledger=ledger)
    for k in range(6):
        keep = (tenth != k) | flag
        table = CountTable.from_labels(["f"], [flag[keep].astype(str)], units[keep])
        control_frequency_table(table, ctx)
    target = (tenth == 9) | flag
    table = CountTable.from_labels(["t"], [target.astype(str)], units)
    assert _parts(control_frequency_table(table, ctx))[2] == 0


def test_parts_overlapping_in_pairs_outside_the_kernel_still_make_a_sunflower():
    """The partition's parts made to overlap in pairs beyond G (parts 2k and 2k + 1 both
    hold a small set B_k of their own), so that no family of earlier parts is pairwise
    disjoint beyond G: one part of each pair still is, and the greedy choice of petals
    finds max_sets of them. Without it (every petal disjoint, or none) the pairs hid G."""
    n = 12_000
    units = pseudonyms(n, seed=17)
    ledger = InMemoryReleaseLedger()
    rng = np.random.default_rng(17)
    order = rng.permutation(n)
    group = np.zeros(n, dtype=bool)
    group[order[:9]] = True
    parts = 24
    pair = np.full(n, -1)
    pair[order[9 : 9 + 12 * (parts // 2)]] = np.repeat(np.arange(parts // 2), 12)
    part_of = rng.integers(0, parts, size=n)
    part_of[group | (pair >= 0)] = -1
    limit = DEFAULTS.of(CoreSharing).max_sets
    told_from = None
    for j in range(parts):
        x = (part_of == j) | group | (pair == j // 2)
        table = CountTable.from_labels([f"x{j}"], [x.astype(str)], units)
        told = _parts(control_frequency_table(table, context(units, ledger=ledger)))[2]
        if told and told_from is None:
            told_from = j
        if told_from is not None:
            assert told == 2
    # One petal per earlier pair: max_sets pairs, and the part that completes the last.
    assert told_from is not None and told_from <= 2 * limit + 1
