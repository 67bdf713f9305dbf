"""Holder samples (guard_index.HolderSamples) and the sunflowers they show across
workspaces (kernels.ledger_kernels; conformance case 22 when each padded part is asked
from a workspace of its own, so that no class of any workspace names another part)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    OutputControlParameters,
    control_frequency_table,
    kernels,
)
from catalogue.analysis.output_control.cell_key import distinct_sorted
from catalogue.analysis.output_control.cores import holder_records
from catalogue.analysis.output_control.fingerprint import SetFingerprint, fingerprint_table
from catalogue.analysis.output_control.guard_index import EMPTY, SAMPLE, HolderSamples, holder_hash
from catalogue.analysis.output_control.kernels import ledger_kernels
from catalogue.analysis.output_control.ledger import (
    HOLDER_MEASURE,
    ReleasedSet,
    holder_set,
    set_key,
)
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


def _bottom_k(holders: list[tuple[int, np.ndarray]], ids: np.ndarray) -> np.ndarray:
    """The samples by definition: per unit, the SAMPLE smallest hashes of its holders."""
    held: dict[int, set[int]] = {}
    for h, members in holders:
        for unit in members.tolist():
            held.setdefault(unit, set()).add(h)
    out = np.full((len(ids), SAMPLE), EMPTY, dtype=np.uint64)
    for i, unit in enumerate(ids.tolist()):
        kept = sorted(held.get(unit, ()))[:SAMPLE]
        out[i, : len(kept)] = kept
    return out


def test_samples_grown_in_chunks_in_place_or_by_a_copy_are_the_bottom_k():
    """HolderSamples as the records grow it (new units in every record, so that the matrix
    grows many times): applied a few units at a time or all at once, grown in place or by
    a copy (a view on the matrix held across the growth forbids moving it), every sample
    is its unit's SAMPLE smallest holder hashes, and a look-up in chunks gives the same."""
    rng = np.random.default_rng(11)
    ids = rng.integers(1, 2**63, size=12_000, dtype=np.int64).astype(np.uint64)
    holders = []
    for j in range(24):  # each record reaches further into the units: the matrix grows
        reach = ids[: 500 + j * 500]
        members = reach[rng.random(len(reach)) < rng.uniform(0.1, 0.9)]
        holders.append((int(rng.integers(1, 2**62)), np.r_[members, members[:5]]))
    expected = _bottom_k(holders, np.r_[ids, np.uint64(12345)])
    grown = 0
    for chunk in (1 << 18, 97, 31):
        for held_view in (False, True):
            samples = HolderSamples(chunk=chunk)
            view = None
            for h, members in holders:
                before = len(samples._samples)
                samples.add(h, len(np.unique(members)), members)
                grown += len(samples._samples) > before
                if held_view:
                    view = samples._samples[:1]  # kept: the next growth must copy
            assert np.array_equal(samples.of(np.r_[ids, np.uint64(12345)]), expected)
            assert view is None or view.base is not None
    assert grown >= 6 * 3  # every variant grew several times
    assert int((expected != EMPTY).all(axis=1).sum()) > 100  # full samples met, bound < EMPTY


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


# --- The fast ledger_kernels against the first one (issue 13: cost near-constant) -------


def _reference_ledger_kernels(
    cell: np.ndarray,
    set_ids: np.ndarray,
    record_keys: np.ndarray,
    samples: np.ndarray,
    holder_sizes: Callable[[np.ndarray], np.ndarray],
    published: np.ndarray,
    witnesses: int,
    groupings: Sequence[np.ndarray] = (),
) -> list[tuple[int, int] | None]:
    """kernels.ledger_kernels as it was written first (91ec3a1, 760fdeb): two sorts of
    every known entry, an isin over the whole sample matrix and a greedy choice of petals
    on Python sets, group by group (without the cap of 64 groups it had then: decoy groups
    filled it, red team `test_holder_limits`). Kept to check the fast one."""
    n_cells = len(published)
    found: list[tuple[int, int] | None] = [None] * n_cells
    width = samples.shape[1] if samples.ndim == 2 else 0
    if witnesses < 1 or not width or not len(cell):
        return found
    cell = np.asarray(cell, dtype=np.int64)
    lowest = np.full(n_cells, np.uint64(0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
    np.minimum.at(lowest, cell, samples[:, -1])
    # Known on the unit's cell (a unit whose bound is h holds h: the bound is kept); an
    # empty place (EMPTY) is above every bound but EMPTY's, and dropped.
    unit_known = samples <= lowest[cell][:, None]
    unit_known &= samples != np.uint64(0xFFFFFFFFFFFFFFFF)
    if int(unit_known.sum()) < witnesses:
        return found
    k_unit, slot = np.nonzero(unit_known)
    holders, k_idx = distinct_sorted(samples[k_unit, slot])
    k_cell = cell[k_unit]
    ids = np.asarray(set_ids, dtype=np.uint64)
    keys = np.asarray(record_keys, dtype=np.int64)
    # Per (holder, cell): K = R ∩ S's count, key and key sum.
    code = k_idx * n_cells + k_cell
    order = np.argsort(code, kind="stable")
    starts = np.flatnonzero(np.r_[True, code[order][1:] != code[order][:-1]])
    g_code = code[order][starts]
    g_idx, g_cell = g_code // n_cells, g_code % n_cells
    g_n = np.diff(np.r_[starts, len(code)])
    g_xor, g_sum, g_keys = kernels._reduce(order, starts, ids[k_unit], keys[k_unit])
    cell_sizes = np.bincount(cell, minlength=n_cells)
    chosen = published[g_cell] & (g_n < cell_sizes[g_cell])
    chosen_all = chosen.copy()
    sizes = np.full(len(holders), -1, dtype=np.int64)
    asked = np.unique(g_idx[chosen])
    sizes[asked] = holder_sizes(holders[asked])
    chosen &= g_n < sizes[g_idx]
    at = np.flatnonzero(chosen)
    if len(at) < witnesses:
        return found
    key = kernels._kernel_keys(g_xor[at], g_sum[at], g_n[at])
    c = g_cell[at]
    order = np.lexsort((key, c))
    c, key = c[order], key[order]
    first = np.r_[True, (c[1:] != c[:-1]) | (key[1:] != key[:-1])]
    group = np.cumsum(first) - 1
    count = np.bincount(group)
    starts = np.flatnonzero(first)
    kernel: dict[int, tuple[int, int]] = {}
    wanted = np.flatnonzero(count >= witnesses)  # every group (the cap of 64 is gone)
    if len(wanted):
        # Every entry of the holders met (known or not), to read a group's petals.
        e_unit, e_slot = np.nonzero(np.isin(samples, holders))
        e_idx = np.searchsorted(holders, samples[e_unit, e_slot])
        e_cell = cell[e_unit]
        by_holder = np.argsort(e_idx, kind="stable")
        first_of = np.searchsorted(e_idx[by_holder], np.arange(len(holders) + 1))
    # One-unit kernels count beyond chance only (kernels._beyond_chance): the known
    # holders meeting each cell in one unit, and the view's distinct units.
    ones = np.bincount(g_cell[chosen_all & (g_n == 1)], minlength=n_cells)
    population = len(np.unique(ids))

    def greedy(s: int, hs: list[int], need: int) -> bool:
        # A sunflower: `need` of them whose units seen outside S are in one of them
        # each. Chosen greedily, so that petals an attacker makes overlap in pairs (a set
        # B_k shared by two parts) do not hide the others; nested sets give one petal.
        used: set[int] = set()
        petals = 0
        for h in hs:
            entries = by_holder[first_of[h] : first_of[h + 1]]
            away = set(e_unit[entries[e_cell[entries] != s]].tolist())
            if not away & used:
                used |= away
                petals += 1
                if petals >= need:
                    return True
        return False

    for g in wanted.tolist():
        members = at[order[starts[g] : starts[g] + count[g]]]
        s = int(c[starts[g]])
        size = int(g_n[members[0]])
        if s in kernel and kernel[s][0] <= size:
            continue
        hs = g_idx[members].tolist()
        if size == 1:
            level = max(int(ones[s]) - len(hs), 0) / max(int(cell_sizes[s]) - 1, 1)
            bound = int(kernels.chance_bound(np.array([level]), np.array([cell_sizes[s]]))[0])
            strong = [
                h
                for h in hs
                if (sizes[h] - 1) * (cell_sizes[s] - 1) >= kernels.SIGNIFICANT * population
            ]
            ok = greedy(s, strong, witnesses) or greedy(s, hs, max(witnesses, bound))
        else:
            ok = greedy(s, hs, witnesses)
        if ok:
            kernel[s] = (size, int(g_keys[members[0]]))
    for s, (size, key_sum) in sorted(kernel.items()):
        kernels._add(found, s, (-size, -key_sum))
        partner = kernels._partner(s, published, cell_sizes, groupings)
        if partner is not None:
            kernels._add(found, partner, (size, key_sum))
    return found


def _samples_of(seed: int, n_units: int, n_holders: int, kernel: int) -> tuple:
    """A ledger's holder samples over `n_units` units: random holders (some samples full),
    and `kernel` units held by many parts that are disjoint beyond them (a sunflower)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 2**63, size=n_units, dtype=np.int64).astype(np.uint64)
    samples = HolderSamples()
    sizes: dict[int, int] = {}
    for _ in range(n_holders):
        h = int(rng.integers(1, 2**62))
        members = ids[rng.random(n_units) < rng.uniform(0.002, 0.05)]
        samples.add(h, len(members), members)
        sizes[h] = len(members)
    core = ids[:kernel]
    rest = rng.permutation(ids[kernel:])
    for j in range(12):
        h = int(rng.integers(1, 2**60))
        members = np.concatenate([core, rest[j * 20 : (j + 1) * 20]])
        samples.add(h, len(members), members)
    return ids, samples


def test_the_fast_ledger_kernels_give_what_the_first_did():
    """Twin: over random ledgers (empty, sparse, full samples, with and without a
    sunflower, one cell unpublished, a margin grouping), kernels.ledger_kernels gives
    exactly what the first implementation gave."""
    checked = found = 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        n_units = int(rng.integers(300, 1500))
        ids, samples = _samples_of(seed, n_units, int(rng.choice([0, 5, 80, 400])), seed % 4)
        n_cells = int(rng.integers(2, 40))
        cell = rng.integers(0, n_cells, size=n_units)
        cell[: seed % 4] = 0  # the kernel in one cell
        keys = rng.integers(-(2**40), 2**40, size=n_units)
        shown = rng.random(n_cells) < 0.9
        shown[0] = True
        groupings = [rng.integers(0, 3, size=n_cells)] if seed % 2 else []
        rows = samples.of(ids)
        for witnesses in (1, 3, 5):
            args = (cell, ids, keys, rows, samples.sizes, shown, witnesses, groupings)
            fast = ledger_kernels(*args)
            assert fast == _reference_ledger_kernels(*args)
            # Met in chunks of units (a unit alone, a few, most of the view): the same.
            for chunk in (1, 7, 100, n_units - 1):
                assert ledger_kernels(*args, chunk=chunk) == fast
            checked += 1
            found += sum(c is not None for c in fast)
    assert checked == 24 and found > 0  # the twins met kernels, not only empty answers


def test_the_packed_sort_falls_back_when_two_holders_agree_in_its_bits():
    """Holders of one cell whose hashes differ only in the low bits the packed sort drops
    are grouped exactly (the lexicographic sort), as the first implementation did."""
    rng = np.random.default_rng(5)
    ids = rng.integers(1, 2**63, size=60, dtype=np.int64).astype(np.uint64)
    samples = HolderSamples()
    core, rest = ids[:2], ids[2:]
    for j in range(6):
        members = np.concatenate([core, rest[j * 8 : (j + 1) * 8]])
        samples.add((1 << 40) + j, len(members), members)  # equal above bit 3
    cell = np.r_[np.zeros(2, dtype=np.int64), rng.integers(1, 4, size=58)]
    cell[50:53] = 0  # S: the kernel and three units no holder holds
    keys = rng.integers(0, 1000, size=60)
    args = (cell, ids, keys, samples.of(ids), samples.sizes, np.ones(4, dtype=bool), 5)
    fast = ledger_kernels(*args)
    assert fast == _reference_ledger_kernels(*args)
    assert fast[0] is not None and fast[0][0] == -2
    for chunk in (1, 5, 30):  # the exact sort in some chunks, the packed one in others
        assert ledger_kernels(*args, chunk=chunk) == fast


def test_the_cooccurrence_of_a_few_holders_by_matrix_gives_what_the_pairs_give():
    """Twin: over random ledgers' samples (sparse, full, with a sunflower) and any few
    holders of them (1 to MATRIX_HOLDERS, some held by no unit), the membership matrix's
    product gives exactly the pairs and counts of the units' pairs, in any chunks."""
    checked = met = 0
    for seed in range(6):
        rng = np.random.default_rng(300 + seed)
        n_units = int(rng.integers(200, 1200))
        ids, samples = _samples_of(seed, n_units, int(rng.choice([5, 80, 400])), seed % 4)
        rows = samples.of(ids)
        known = np.unique(rows[rows != EMPTY])
        for h in (1, 2, 17, kernels.MATRIX_HOLDERS):
            picked = rng.choice(known, size=min(h, len(known)), replace=False)
            holders = np.unique(np.r_[picked, rng.integers(1, 2**62, size=2).astype(np.uint64)])
            holders = holders[: kernels.MATRIX_HOLDERS]
            pairs = kernels._cooccurrence_pairs(rows, holders)
            for chunk in (1, 7, n_units):
                by_matrix = kernels._cooccurrence_matrix(rows, holders, chunk)
                assert by_matrix[0].dtype == pairs[0].dtype == np.int64
                assert np.array_equal(by_matrix[0], pairs[0])
                assert np.array_equal(by_matrix[1], pairs[1])
            assert np.array_equal(kernels._cooccurrence(rows, holders)[0], pairs[0])
            checked += 1
            met += len(pairs[0])
    assert checked == 24 and met > 0  # pairs were met, not only empty answers


def _reference_holder_records(
    cell: np.ndarray,
    set_ids: np.ndarray,
    samples: np.ndarray,
    sets: Sequence[SetFingerprint | None],
    shown: Sequence[bool],
) -> list[ReleasedSet]:
    """cores.holder_records as it was written first (91ec3a1): a loop over the cells."""
    records: list[ReleasedSet] = []
    order = np.argsort(cell, kind="stable")
    starts = np.searchsorted(cell[order], np.arange(len(sets) + 1))
    for c, fp in enumerate(sets):
        if not shown[c] or fp is None:
            continue
        key = set_key(fp)
        h = np.uint64(holder_hash(key))
        members = order[starts[c] : starts[c + 1]]
        rows = samples[members]
        enter = (h < rows[:, -1]) & ~(rows == h).any(axis=1)
        if enter.any():
            records.append(holder_set(key, fp.size, set_ids[members[enter]]))
    return records


def _reference_of(samples: HolderSamples, ids: np.ndarray) -> np.ndarray:
    """HolderSamples.of as it was written first: the distinct ids looked up, then spread."""
    unique, inverse = distinct_sorted(np.asarray(ids, dtype=np.uint64))
    rows = samples._slots.rows(unique, insert=False)
    out = np.full((len(unique), SAMPLE), EMPTY, dtype=np.uint64)
    known = rows >= 0
    out[known] = samples._samples[rows[known]]
    return out[inverse.reshape(-1)]


def test_the_fast_sample_look_up_and_holder_records_give_what_the_first_did():
    """Twin: HolderSamples.of (repeated and unknown ids) and cores.holder_records (cells
    unpublished, without a fingerprint, empty, units held already) as first written."""
    compared = 0
    for seed in range(6):
        rng = np.random.default_rng(200 + seed)
        n_units = int(rng.integers(200, 900))
        ids, samples = _samples_of(seed, n_units, int(rng.choice([0, 5, 60, 300])), 2)
        asked = np.r_[ids, ids[: n_units // 3], rng.integers(1, 2**63, size=50).astype(np.uint64)]
        rng.shuffle(asked)
        assert np.array_equal(samples.of(asked), _reference_of(samples, asked))
        n_cells = int(rng.integers(1, 30))
        cell = rng.integers(0, n_cells, size=n_units)
        table = fingerprint_table(cell, ids, n_cells + 1)  # the last cell: empty
        sets: list[SetFingerprint | None] = [table[c] for c in range(n_cells + 1)]
        sets[0] = None
        shown = list(rng.random(n_cells + 1) < 0.8)
        rows = samples.of(ids)
        for c in range(1, n_cells, 3):  # cells whose units hold them already
            if sets[c] is not None:
                h = holder_hash(set_key(sets[c]))  # type: ignore[arg-type]
                rows[cell == c, 0] = np.uint64(h)
                rows.sort(axis=1)
        fast = holder_records(cell, ids, rows, sets, shown)
        first = _reference_holder_records(cell, ids, rows, sets, shown)
        assert [(r.statistic, r.size, r.answer) for r in fast] == [
            (r.statistic, r.size, r.answer) for r in first
        ]
        compared += len(fast)
    assert compared > 0


def _chance_ledger(seed: int) -> tuple[np.ndarray, HolderSamples, np.random.Generator]:
    """A busy ledger of small random sets (bench/holder_false_positives.py, scaled down):
    20,000 units, 8,000 holders of 20-100 units, so that a unit has about 24 holders (its
    sample full) and a random holder meets a cell of 200 units in 0.6 units."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 2**63, size=20_000, dtype=np.int64).astype(np.uint64)
    samples = HolderSamples()
    for _ in range(8_000):
        members = ids[rng.integers(0, len(ids), size=int(rng.integers(20, 100)))]
        samples.add(int(rng.integers(1, 2**62)), len(np.unique(members)), members)
    return ids, samples, rng


def test_a_busy_ledger_of_random_sets_gives_no_one_unit_kernel_by_chance():
    """Issue 13: random small sets meet a cell in one unit each and are mostly disjoint, so
    five of them make a one-unit sunflower in most cells (711 of 1,000 in the bench); only
    a sunflower beyond chance counts. The same ledger with a planted one-unit kernel whose
    petals are too large to miss the cell by chance is still met."""
    ids, samples, rng = _chance_ledger(3)
    n_cells = 100
    cell = rng.integers(0, n_cells, size=len(ids))
    keys = rng.integers(0, 4096, size=len(ids))
    shown = np.ones(n_cells, dtype=bool)
    found = ledger_kernels(cell, ids, keys, samples.of(ids), samples.sizes, shown, 5)
    flagged = sum(f is not None and f[0] < 0 for f in found)
    print(f"one-unit kernels by chance: {flagged} of {n_cells} cells")
    assert flagged <= 1
    # Planted: u in cell 0, and 8 petals of 700 units outside it, pairwise disjoint
    # (700 · 199 ≥ 5 · 20,000: significant), each with a hash below every bound.
    u = int(np.flatnonzero(cell == 0)[0])
    outside = rng.permutation(np.flatnonzero(cell != 0))
    for j in range(8):
        members = np.r_[ids[u], ids[outside[j * 700 : (j + 1) * 700]]]
        samples.add(j + 1, len(members), members)
    found = ledger_kernels(cell, ids, keys, samples.of(ids), samples.sizes, shown, 5)
    assert found[0] is not None and found[0][0] == -1
