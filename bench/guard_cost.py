"""Benchmark: the differencing guard's cost per release as the ledger grows (OUTPUT_CONTROL.md
conformance case 24; issue 13).

    python bench/guard_cost.py [--sets 100000] [--small 10] [--cells 1000] [--repeats 7]

Registers SMALL sets in one ledger and SETS in another (sets of 100 to 1,100 units drawn
from a population of 5.5 million, every measure mixed, sizes overlapping the table's cells
so that a scan by size would meet about a hundred sets per size), then times the guard over
a 1,000-cell table of fresh cells (about 500 units each) against each ledger, REPEATS
times, alternating. Prints best and median of both and their ratio (target: ≤ 2). The
time is the guard alone (index look-ups and exact fingerprint tests), not the counting.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.analysis.output_control import InMemoryReleaseLedger
from catalogue.analysis.output_control.fingerprint import (
    SetFingerprint,
    fingerprint_table,
)
from catalogue.analysis.output_control.ledger import Release, ReleasedSet
from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.differencing import (
    Differencing,
    DifferencingSubject,
)

POPULATION = 5_500_000
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


def guard_seconds(rule: Differencing, ledger: InMemoryReleaseLedger, cells: list) -> float:
    started = time.perf_counter()
    decisions = rule.apply(DifferencingSubject("count", "count", cells, ledger, False))
    elapsed = time.perf_counter() - started
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
    what: str, args: argparse.Namespace, ledgers: Sequence[L], once: Callable[[L], float]
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
            f"{args.cells}-cell table, {what} {name:>14} sets: best {min(found) * 1000:8.1f} ms,"
            f" median {statistics.median(found) * 1000:8.1f} ms"
        )
    best = min(times[1]) / min(times[0])
    median = statistics.median(times[1]) / statistics.median(times[0])
    print(
        f"ratio (after {args.sets} / after {args.small}): best {best:.2f}, median {median:.2f}"
        " (target ≤ 2)"
    )


def main() -> None:
    args = growth_arguments(__doc__.split("\n")[0])
    rng = np.random.default_rng(24)
    started = time.perf_counter()
    small = ledger_of(random_sets(rng, args.small, 100, 1100))
    large = ledger_of(random_sets(rng, args.sets, 100, 1100))
    print(
        f"ledgers of {args.small} and {args.sets} sets built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    cells = table_cells(rng, args.cells)
    rule = OutputControlParameters.defaults().rule(Differencing)
    report_growth("guard", args, (small, large), lambda ledger: guard_seconds(rule, ledger, cells))


if __name__ == "__main__":
    main()
