"""The differencing guard's index (guard_index.py): it finds every released set a few units
away, whatever the set's size or measure, and a look-up meets only the sets that share
cells with the new one; the guard compares across measures (renames, scaled copies)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    MagnitudeTable,
    OutputControlParameters,
    control_frequency_table,
    control_magnitude_table,
)
from catalogue.analysis.output_control.fingerprint import (
    SetFingerprint,
    differs_by_few,
    fingerprint,
    fingerprint_table,
)
from catalogue.analysis.output_control.guard_index import SetIndex
from catalogue.analysis.output_control.ledger import (
    COUNT_MEASURE,
    PAIRS_MEASURE,
    Release,
    ReleasedSet,
)
from catalogue.analysis.output_control.rules.differencing import Differencing
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
from catalogue.services.context import Context
from catalogue.storage.analysis_store import AnalysisStore

from .test_output_control_helpers import NOW, context, pseudonyms

POPULATION = pseudonyms(1500, seed=3)


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**63, size=n).astype(np.uint64)


def test_the_index_finds_every_near_set_of_every_size():
    """Brute force over every released set agrees with the index on every query: sets from
    1 to 3,000 units, queries 0 to 15 units away from one of them or far from all."""
    rng = np.random.default_rng(7)
    index = SetIndex()
    released: list[tuple[np.ndarray, ReleasedSet]] = []
    for k, size in enumerate([1, 2, 3, 5, 8, 12, 20, 25, 40, 100, 300, 1000, 3000] * 3):
        ids = _ids(rng, size)
        entry = ReleasedSet(f"measure-{k % 4}", "count", fingerprint(ids))
        index.add(entry)
        released.append((ids, entry))
    checked = 0
    for ids, _ in released:
        for difference in (0, 1, 2, 5, 9, 10, 15):
            removed = rng.choice(len(ids), size=min(difference // 2, len(ids)), replace=False)
            added = _ids(rng, difference - len(removed))
            query = fingerprint(np.concatenate([np.delete(ids, removed), added]))
            everything = [entry.fingerprint for _, entry in released]
            found = [entry.fingerprint for entry in index.near(query, 10)]
            assert differs_by_few(query, found, 10) is differs_by_few(query, everything, 10)
            checked += 1
    assert checked == len(released) * 7


def test_a_look_up_meets_only_sets_that_share_cells():
    """10,000 unrelated sets of 500 to 1,500 units: a query near one of them gets that one
    back and at most a handful of others (not every set of a similar size)."""
    rng = np.random.default_rng(8)
    index = SetIndex()
    target = _ids(rng, 1000)
    index.add(ReleasedSet("m", "count", fingerprint(target)))
    for _ in range(10_000):
        index.add(ReleasedSet("m", "count", fingerprint(_ids(rng, int(rng.integers(500, 1500))))))
    found = index.near(fingerprint(target[:-3]), 10)
    assert len(found) <= 3
    assert any(differs_by_few(fingerprint(target[:-3]), [f.fingerprint], 10) for f in found)


def test_a_scaled_copy_of_a_variable_over_a_near_set_looks_like_one_over_the_same_set():
    """Σ y over 40 units, then Σ 2y over the same 40 minus two: another measure (the values
    differ), the same units but two. Withheld, it told the near set from the same set (an
    oracle: red team test_snap_edges, 12/12); it is answered afresh as Σ 2y over all 40
    would be, with noise of its own (the difference is not the two units' values:
    conformance cases 17 and 18), and with the count registered for the 40 units, so that
    sum / mean does not tell the two sets apart either."""
    ledger = InMemoryReleaseLedger()
    ctx = context(POPULATION, ledger=ledger)
    units = POPULATION[:40]
    values = np.linspace(100, 900, 40)
    first = MagnitudeTable.from_cells("inntekt", ["x"], [(("a",), units, values)])
    total, mean = control_magnitude_table(first, ctx).rows[0].values
    assert isinstance(total, float) and isinstance(mean, float)
    scaled = MagnitudeTable.from_cells("lonn2", ["x"], [(("a",), units[:-2], 2 * values[:-2])])
    row = control_magnitude_table(scaled, ctx).rows[0]
    assert row.values[0] is not None and "differencing" not in row.reasons
    near_total, near_mean = row.values
    assert isinstance(near_total, float) and isinstance(near_mean, float)
    assert round(near_total / near_mean) == round(total / mean)  # the registered count
    assert abs((2 * total - near_total) / 2 - values[-2:].sum()) > 0  # its own noise
    # The same units with other values is another statistic on the same set: not blocked.
    other = MagnitudeTable.from_cells("formue", ["x"], [(("a",), units, values + 7)])
    assert control_magnitude_table(other, ctx).rows[0].values[0] is not None


# --- Conformance case 24, by counting: the work of a release does not grow with the ledger


class _Counting:
    """A ledger that counts what its look-ups hand the guard: the registered sets it then
    tests one by one (the work that grew with the ledger when a look-up scanned it)."""

    def __init__(self, ledger: InMemoryReleaseLedger) -> None:
        self.ledger = ledger
        self.looked_at = 0

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> Sequence[ReleasedSet]:
        found = self.ledger.near(fingerprint, within, pairs_of)
        self.looked_at += len(found)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)


def _filled(sets: int, seed: int) -> InMemoryReleaseLedger:
    """A ledger of `sets` unrelated sets of 60 to 600 units, of every kind the guard meets
    (counts with their published count, other measures, pair sets with an answer), over
    other units than the population's, in releases of 500 sets."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(60, 600, size=sets)
    table = fingerprint_table(np.repeat(np.arange(sets), sizes), _ids(rng, int(sizes.sum())), sets)
    ledger = InMemoryReleaseLedger()
    kinds = [
        lambda f: ReleasedSet(COUNT_MEASURE, "count", f, published=float(f.size)),
        lambda f: ReleasedSet("inntekt", "sum", f),
        lambda f: ReleasedSet(PAIRS_MEASURE, "sum", f, answer="registered"),
    ]
    for start in range(0, sets, 500):
        batch = range(start, min(sets, start + 500))
        released = tuple(kinds[i % 3](table[i]) for i in batch)
        ledger.record(Release("other", NOW, len(released), released))
    return ledger


def test_case_24_a_release_looks_at_as_many_sets_after_10_as_after_10_000():
    """OUTPUT_CONTROL.md case 24 (bench/guard_cost.py times it; this counts it): the same
    release (a 40-cell table with margins, sums by the same cells and their pair sets'
    registered answers) against a ledger of 10 registered sets and one of 10,010 hands the
    guard the same registered sets to test, and a look-up allocates no more: no copy of
    the ledger, no scan of it, in the index or around it."""
    population = pseudonyms(4000, seed=24)
    rng = np.random.default_rng(24)
    codes = np.stack([rng.integers(0, 8, 4000), rng.integers(0, 5, 4000)], axis=1)
    table = CountTable(("a", "b"), (tuple("abcdefgh"), tuple("vwxyz")), codes, population)
    values = rng.gamma(2.0, 300.0, size=4000)
    sums = MagnitudeTable("inntekt", table, values)
    small, large = _filled(10, seed=1), _filled(10_010, seed=1)
    rule = OutputControlParameters.defaults().rule(Differencing)
    probe = fingerprint(_ids(rng, 300))
    looked_at, allocated = [], []
    for ledger in (small, large):
        counting = _Counting(ledger)
        ctx = context(population, ledger=counting)  # type: ignore[arg-type]
        counts = control_frequency_table(table, ctx)
        control_magnitude_table(sums, ctx)
        assert sum(row.values[0] is not None for row in counts.rows) >= 40
        assert rule.registered_for("sum", probe, counting) is None  # type: ignore[arg-type]
        looked_at.append(counting.looked_at)
        tracemalloc.start()
        rule.registered_for("sum", probe, ledger)
        allocated.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # What the release registered itself (its margins beside its cells, the magnitude
    # cells beside the count cells) is all either ledger hands back.
    assert looked_at[1] == looked_at[0] > 0
    # A copy of 10,000 sets' references alone is 80,000 bytes.
    assert allocated[1] < allocated[0] + 8_000, allocated


def test_a_request_s_own_sets_are_looked_up_in_an_index_too(sqlite_ctx: Context) -> None:
    """A persistent ledger keeps what the bound request recorded apart until it commits;
    a look-up there meets only the sets near the new one, not every set the request
    recorded before it (a request of many statistics was quadratic in them)."""
    rng = np.random.default_rng(25)
    ledger = PersistentReleaseLedger(sqlite_ctx.db.url, "no.regcat.demo")
    near_one = _ids(rng, 400)
    recorded = [ReleasedSet("m", "count", fingerprint(near_one))] + [
        ReleasedSet("m", "count", fingerprint(_ids(rng, int(size))))
        for size in rng.integers(380, 420, size=2000)
    ]
    with sqlite_ctx.db.transaction() as session:
        store = AnalysisStore(session)
        store.lock_audit()
        with ledger.bound(store):
            ledger.record(Release("p", NOW, len(recorded), tuple(recorded)))
            assert ledger.near(fingerprint(_ids(rng, 400)), 20) == []
            found = ledger.near(fingerprint(near_one[3:]), 20)
            # The index keeps its own copy of each fingerprint (FingerprintRows): the same
            # set, not the same object.
            assert len(found) == 1 and found[0].fingerprint.same_set(recorded[0].fingerprint)


def test_the_in_memory_budget_questions_agree_with_a_scan_of_the_releases():
    """InMemoryReleaseLedger answers the budget's questions from running totals per
    project (no scan of every release per call): the same answers as the scan, releases
    recorded out of time order included."""
    rng = np.random.default_rng(26)
    ledger = InMemoryReleaseLedger()
    releases = []
    for i in range(200):
        at = NOW + timedelta(hours=int(rng.integers(0, 100)))
        release = Release(
            f"p{i % 3}",
            at,
            int(rng.integers(0, 20)),
            (),
            points=int(rng.integers(0, 50)),
            digest=f"d{rng.integers(0, 30)}",
            inputs=tuple(f"v{k}" for k in rng.integers(0, 10, size=int(rng.integers(0, 3)))),
        )
        ledger.record(release)
        releases.append(release)
    for project in ("p0", "p1", "p2", "p3"):
        for hours in (-1, 0, 10, 50, 99, 100):
            since = NOW + timedelta(hours=hours)
            mine = [r for r in releases if r.project == project and r.at > since]
            assert ledger.cells_released(project, since) == sum(r.cells for r in mine)
            assert ledger.points_spent(project, since) == sum(r.points for r in mine)
            assert ledger.inputs_used(project, since) == {i for r in mine for i in r.inputs}
            for k in range(30):
                assert ledger.has_result(project, f"d{k}", since) == any(
                    r.digest == f"d{k}" for r in mine
                )


def test_registered_for_is_handed_only_the_pair_sets_of_its_statistic():
    """Pair sets of other statistics over the same pairs (every model of one outcome and
    regressors over one population) share the new set's buckets; `registered_for` is
    handed only those of its own statistic, from their own buckets, and answers as before."""
    rng = np.random.default_rng(27)
    pairs = _ids(rng, 500)
    ledger = InMemoryReleaseLedger()
    others = tuple(
        ReleasedSet(PAIRS_MEASURE, f"other-{k}", fingerprint(pairs[k % 7 :]), answer=f"o{k}")
        for k in range(300)
    )
    mine = ReleasedSet(PAIRS_MEASURE, "sum", fingerprint(pairs[3:]), answer="mine")
    ledger.record(Release("p", NOW, 301, (*others, mine)))
    counting = _Counting(ledger)
    rule = OutputControlParameters.defaults().rule(Differencing)
    assert rule.registered_for("sum", fingerprint(pairs), counting) == ("mine", True)  # type: ignore[arg-type]
    assert counting.looked_at == 1
    assert len(ledger.near(fingerprint(pairs), 20)) == 301  # the guard's look-up: all


# --- Fast paths, held equal to their references ----------------------------------------------


def test_a_table_s_first_cells_equal_each_set_s_own():
    """guard_index._first_cells of a table's set (its table's keys, computed for every set
    at once, in chunks) equals _first_cells_one of the same set's own cells, for every n a
    look-up or an add asks: sets of every size, from empty to more units than cells, with
    counts that cancel to 0 and negative counts."""
    from catalogue.analysis.output_control import guard_index

    rng = np.random.default_rng(24)
    sizes = np.r_[0, 1, 2, 5, 19, 20, 21, 31, 40, rng.integers(0, 3000, size=300)]
    table = fingerprint_table(
        np.repeat(np.arange(len(sizes)), sizes), _ids(rng, int(sizes.sum())), len(sizes)
    )
    counts = table.counts.copy()
    counts[::7, 3] = 0
    counts[::11, 5] = -2
    odd = type(table)(table.sizes, counts, table.id_xor, table.check_xor)
    original = guard_index._CHUNK
    guard_index._CHUNK = 64  # several chunks
    try:
        for t in (table, odd):
            for c in range(len(sizes)):
                fast, own = (
                    t[c],
                    SetFingerprint(int(t.sizes[c]), t.counts[c], t.id_xor[c], t.check_xor[c]),
                )
                assert fast.table is not None and own.table is None
                for n in (1, 20, 20 + 14, 39, 40):
                    assert guard_index._first_cells(fast, n) == guard_index._first_cells_one(own, n)
    finally:
        guard_index._CHUNK = original


def test_stored_fingerprints_read_as_one_table_equal_each_read_alone():
    """FingerprintTable.from_bytes (a ledger's catch-up) gives the sets that
    SetFingerprint.from_bytes gives one by one, to the bit; a stored set of the wrong
    length is refused as one alone is."""
    from catalogue.analysis.output_control.fingerprint import FingerprintTable

    rng = np.random.default_rng(7)
    sizes = np.r_[0, 1, 250, rng.integers(0, 900, size=40)]
    table = fingerprint_table(
        np.repeat(np.arange(len(sizes)), sizes), _ids(rng, int(sizes.sum())), len(sizes)
    )
    stored = [table[c].to_bytes() for c in range(len(sizes))]
    read = FingerprintTable.from_bytes(stored)
    for c, data in enumerate(stored):
        one, many = SetFingerprint.from_bytes(data), read[c]
        assert one.size == many.size and one.same_set(many)
        for a, b in (
            (one.counts, many.counts),
            (one.id_xor, many.id_xor),
            (one.check_xor, many.check_xor),
        ):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert len(FingerprintTable.from_bytes([]).sizes) == 0
    try:
        FingerprintTable.from_bytes([stored[0], stored[1][:-8]])
    except ValueError:
        pass
    else:
        raise AssertionError("a short fingerprint was read")


def test_the_index_answers_a_table_s_sets_as_it_answers_their_copies():
    """A look-up (and an add) by a set of a table, whose keys come from the table's, finds
    the very sets a look-up by a copy of it without its table finds."""
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 400, size=120)
    table = fingerprint_table(
        np.repeat(np.arange(len(sizes)), sizes), _ids(rng, int(sizes.sum())), len(sizes)
    )

    def copy(f: SetFingerprint) -> SetFingerprint:
        return SetFingerprint(f.size, f.counts.copy(), f.id_xor.copy(), f.check_xor.copy())

    by_table, by_copy = SetIndex(), SetIndex()
    for c in range(0, len(sizes), 2):
        by_table.add(ReleasedSet(COUNT_MEASURE, "count", table[c]))
        by_copy.add(ReleasedSet(COUNT_MEASURE, "count", copy(table[c])))
        by_table.add(ReleasedSet(PAIRS_MEASURE, "s", table[c], answer="a"))
        by_copy.add(ReleasedSet(PAIRS_MEASURE, "s", copy(table[c]), answer="a"))
    assert all(r.fingerprint.table is None for r in by_table)  # no table kept alive
    for c in range(len(sizes)):
        for within, pairs_of in ((10, None), (15, None), (15, "s"), (15, "t")):
            a = by_table.near(table[c], within, pairs_of)
            b = by_copy.near(copy(table[c]), within, pairs_of)
            assert [(r.measure, r.size) for r in a] == [(r.measure, r.size) for r in b]
            same = [r.fingerprint.same_set(s.fingerprint) for r, s in zip(a, b, strict=True)]
            assert all(same)
