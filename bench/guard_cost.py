"""Benchmark: the differencing guard's cost per release as the ledger grows (OUTPUT_CONTROL.md
conformance case 24; issue 13).

    python bench/guard_cost.py [--sets 100000] [--small 10] [--cells 1000] [--repeats 7]

Registers SMALL sets in one ledger and SETS in another (sets of 100 to 1,100 units drawn
from a population of 5.5 million, every measure mixed, sizes overlapping the table's cells
so that a scan by size would meet about a hundred sets per size). The sets are filled in
bulk through the ledger backend (`BulkBackend`: committed rows a persistent ledger catches
up with at its first bind, as a worker does after a restart), so 100,000 of them take
seconds of CPU, not 100,000 releases. Then, REPEATS times, alternating between the two:

- guard: the differencing rule alone over a 1,000-cell table of fresh cells (about 500
  units each), against each ledger (index look-ups and exact fingerprint tests);
- release: the real path, `control_frequency_table` of a 40 × 25 table (1,000 cells of
  about 500 units, its 65 margins and total) in a bound `PersistentReleaseLedger`
  (counting, cell key noise, the guard with its snap, core sharing, holders, exposure,
  budget, the record); the backend drops what a release records (a rolled-back
  transaction), so every repeat meets the same ledger.

Prints best and median of both and their ratio (target: ≤ 2).

Measured 2026-12-07 on two cores shared with other engineers' tests (load 20-27, so times
are CPU seconds of this process, `time.process_time`, not wall time; 5 repeats after a
warm-up; `nice python bench/guard_cost.py --sets 100000 --repeats 5`):
    ledgers of 10 and 100000 sets built in 476.5 s wall (29.4 s CPU)
    guard    after 10: best  67.0 ms, median  68.0 ms; after 100000: best  87.1 ms,
             median  87.5 ms; ratio best 1.30, median 1.29
    release  after 10: best 902.6 ms, median 982.5 ms; after 100000: best 901.2 ms,
             median 973.9 ms; ratio best 1.00, median 0.99
The same day, wall clock, the guard alone over an InMemoryReleaseLedger (load 9-11):
best 413.7 / 568.7 ms, median 475.7 / 601.6 ms (ratio 1.37 best, 1.26 median).
The guard is a tenth of the release. Its look-ups meet no registered set in either ledger
(fresh cells) and probe the same buckets (at most 32 a cell), so its 1.3x is memory: the
same probes in a dictionary of 2 million keys instead of 200. The rest of the release does
not look at the registered sets (the budget and holder questions are look-ups).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.analysis.output_control import (
    ControlContext,
    CountTable,
    InMemoryReleaseLedger,
    KeyTable,
    control_frequency_table,
)
from catalogue.analysis.output_control.fingerprint import (
    SetFingerprint,
    fingerprint_table,
)
from catalogue.analysis.output_control.ledger import COUNT_MEASURE, Release, ReleasedSet
from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.differencing import (
    Differencing,
    DifferencingSubject,
)
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger, ledger_memory

POPULATION = 5_500_000
SECRET = b"bench-guard-cost-secret-0123456789"
CHUNK = 5_000  # sets fingerprinted at once (bounds the memory of the pair arrays)


def random_sets(rng: np.random.Generator, n: int, low: int, high: int) -> list[SetFingerprint]:
    ids = rng.permutation(POPULATION).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    found: list[SetFingerprint] = []
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        sizes = rng.integers(low, high, size=count)
        cell = np.repeat(np.arange(count), sizes)
        units = ids[rng.integers(0, POPULATION, size=int(sizes.sum()))]
        table = fingerprint_table(cell, units, count)
        found.extend(table[c] for c in range(count))
    return found


def ledger_of(sets: list[SetFingerprint]) -> InMemoryReleaseLedger:
    ledger = InMemoryReleaseLedger()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 1_000
    for start in range(0, len(sets), batch):
        released = tuple(
            ReleasedSet(f"measure-{(start + i) % 7}", "count", s)
            for i, s in enumerate(sets[start : start + batch])
        )
        ledger.record(Release("bench", at, len(released), released))
    return ledger


def table_cells(rng: np.random.Generator, cells: int) -> list[SetFingerprint | None]:
    """A 1,000-cell table over fresh units: cells of about 500, disjoint."""
    units = (rng.permutation(POPULATION)[: cells * 500] + POPULATION).astype(np.uint64)
    cell = rng.integers(0, cells, size=len(units))
    table = fingerprint_table(cell, units * np.uint64(0xC2B2AE3D27D4EB4F), cells)
    return [table[c] for c in range(cells)]


def guard_seconds(
    rule: Differencing, ledger: Any, cells: list, clock: Callable[[], float] = time.perf_counter
) -> float:
    started = clock()
    decisions = rule.apply(DifferencingSubject("count", "count", cells, ledger, False))
    elapsed = clock() - started
    assert len(decisions) == len(cells)
    return elapsed


L = TypeVar("L")  # a ledger, of whatever kind the bench builds


def growth_arguments(description: str, *extra: tuple[str, dict[str, object]]) -> argparse.Namespace:
    """The options every "cost after few and after many registered sets" bench takes
    (this one, core_cost.py, holder_cost.py), and `extra` ones of its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    for flag, options in extra:
        parser.add_argument(flag, **options)  # type: ignore[arg-type]
    return parser.parse_args()


def report_growth(
    what: str,
    args: argparse.Namespace,
    ledgers: Sequence[L],
    once: Callable[[L], float],
    unit: str = "ms",
) -> None:
    """Times `once` on the ledger after args.small and after args.sets sets, alternately,
    args.repeats times after one warm-up, and prints best and median of each and their
    ratios (the target: the cost after many within 2x the cost after few). The ledgers are
    collected first: the steady state of a long-running worker, not the first collections
    that move a freshly built ledger into the old generation."""
    gc.collect()
    once(ledgers[0])  # warm-up (imports, caches, class fingerprints)
    times: list[list[float]] = [[], []]
    for _ in range(args.repeats):
        for i, ledger in enumerate(ledgers):
            times[i].append(once(ledger))
    for name, found in ((f"after {args.small}", times[0]), (f"after {args.sets}", times[1])):
        print(
            f"{args.cells}-cell table, {what} {name:>14} sets: best {min(found) * 1000:8.1f} {unit},"
            f" median {statistics.median(found) * 1000:8.1f} {unit}"
        )
    best = min(times[1]) / min(times[0])
    median = statistics.median(times[1]) / statistics.median(times[0])
    print(
        f"ratio (after {args.sets} / after {args.small}): best {best:.2f}, median {median:.2f}"
        " (target ≤ 2)"
    )


@dataclass(frozen=True)
class Stored:
    """A committed row of the ledger (persistent_ledger.StoredSet)."""

    id: int
    measure: str
    statistic: str
    size: int
    fingerprint: bytes
    published: float | None = None
    answer: str | None = None


class BulkBackend:
    """A `LedgerBackend` whose committed sets are given in bulk, chunk by chunk (each chunk's
    bytes are dropped once the ledger has caught up with it), and whose releases are rolled
    back: what a release records is dropped, so every repeat meets the same ledger."""

    def __init__(self, chunks: Iterable[Sequence[Stored]]) -> None:
        self._chunks: Iterator[Sequence[Stored]] | None = iter(chunks)
        self.recorded = 0

    def released_sets(self, datastore: str, after_id: int) -> Iterable[Stored]:
        chunks, self._chunks = self._chunks, None
        return (stored for chunk in chunks or () for stored in chunk)

    def cells_released(self, project: str, since: datetime) -> int:
        return 0

    def points_spent(self, project: str, since: datetime) -> int:
        return 0

    def has_result(self, project: str, digest: str, since: datetime) -> bool:
        return False

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]:
        return frozenset()

    def record_release(self, *args: object, **kwargs: object) -> None:
        self.recorded += 1


def stored_chunks(rng: np.random.Generator, n: int) -> Iterator[list[Stored]]:
    """`n` random sets (`random_sets`) as committed rows, CHUNK at a time, every measure
    mixed; count sets carry the count published for them (the snap's candidates)."""
    made = 0
    while made < n:
        count = min(CHUNK, n - made)
        rows = []
        for i, s in enumerate(random_sets(rng, count, 100, 1100)):
            k = made + i
            measure = MEASURES[k % len(MEASURES)]
            published = float(s.size) if measure == COUNT_MEASURE else None
            rows.append(Stored(k + 1, measure, measure, s.size, s.to_bytes(), published))
        made += count
        yield rows


MEASURES = (COUNT_MEASURE, "measure-1", "measure-2", "measure-3", "measure-4", "measure-5")


@dataclass
class Bound:
    """A persistent ledger of one datastore and the backend it is bound to."""

    ledger: PersistentReleaseLedger
    backend: BulkBackend

    @classmethod
    def filled(cls, rng: np.random.Generator, n: int) -> Bound:
        bound = cls(
            PersistentReleaseLedger("bench", "bench", ledger_memory(1)),
            BulkBackend(stored_chunks(rng, n)),
        )
        with bound.ledger.bound(bound.backend):  # catches up with every committed row
            pass
        return bound


def release_table(rng: np.random.Generator, cells: int) -> tuple[CountTable, np.ndarray]:
    """A two-way table of `cells` interior cells (rows × 25) over about 500 fresh units a
    cell, and its population."""
    columns = 25
    population = np.arange(1, cells * 500 + 1, dtype=np.int64) * 7919 + 11
    cell = rng.integers(0, cells, size=len(population))
    rows = -(-cells // columns)
    codes = np.stack([cell // columns, cell % columns], axis=1).astype(np.int64)
    categories = (
        tuple(f"r{r:03d}" for r in range(rows)),
        tuple(f"c{c:02d}" for c in range(columns)),
    )
    table = CountTable(("a", "b"), categories, codes, population)
    return table, population


def main() -> None:
    args = growth_arguments(__doc__.split("\n")[0])
    rng = np.random.default_rng(24)
    started, cpu = time.perf_counter(), time.process_time()
    ledgers = (Bound.filled(rng, args.small), Bound.filled(rng, args.sets))
    print(
        f"ledgers of {args.small} and {args.sets} sets built in "
        f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)"
    )
    cells = table_cells(rng, args.cells)
    rule = OutputControlParameters.defaults().rule(Differencing)

    def guard(bound: Bound) -> float:
        with bound.ledger.bound(bound.backend):
            return guard_seconds(rule, bound.ledger, cells, time.process_time)

    report_growth("guard", args, ledgers, guard, "ms CPU")
    table, population = release_table(rng, args.cells)
    keys = KeyTable.build(SECRET, population)
    contexts = {
        id(bound): ControlContext(
            OutputControlParameters.defaults(),
            keys,
            bound.ledger,
            "bench",
            "bench:1.0.0.0",
            population,
            now=datetime(2026, 6, 1, tzinfo=UTC),
        )
        for bound in ledgers
    }

    def release(bound: Bound) -> float:
        started = time.process_time()
        with bound.ledger.bound(bound.backend):
            result = control_frequency_table(table, contexts[id(bound)])
        elapsed = time.process_time() - started
        assert sum(v is not None for row in result.rows for v in row.values[:1]) > args.cells // 2
        return elapsed

    report_growth("release", args, ledgers, release, "ms CPU")


if __name__ == "__main__":
    main()
