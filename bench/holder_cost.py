"""Benchmark: the cost per release of core-sharing's sunflowers across the ledger (holder
samples, guard_index.HolderSamples; kernels.ledger_kernels) as the ledger grows
(OUTPUT_CONTROL.md §1.10, case 24; issue 13).

    python bench/holder_cost.py [--sets 100000] [--small 10] [--cells 1000] [--repeats 7]

Two ledgers: one with SMALL registered count sets as holders, one with SETS (random sets of
100 to 1,100 units of the table's population of CELLS × 500 units, so that with SETS each
unit is held by about 120 sets and its sample is full; with SMALL most samples are empty).
Then times, against each, what a release of a 1,000-cell table (about 500 units a cell,
one-way: each unit in one cell) does: look its units' samples up, find the kernels, and
make the holder records of its cells; REPEATS times, alternating. Prints best and median of
both (CPU time of the process) and their ratio (target: ≤ 2). Not part of the test suite.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.guard_cost import growth_arguments, report_growth
from catalogue.analysis.output_control import InMemoryReleaseLedger
from catalogue.analysis.output_control.cell_key import KeyArrays, PositionKeys, derive_keys
from catalogue.analysis.output_control.cores import holder_records
from catalogue.analysis.output_control.fingerprint import fingerprint_table
from catalogue.analysis.output_control.kernels import ledger_kernels
from catalogue.analysis.output_control.ledger import Release, holder_set, set_key

SECRET = b"bench-holder-cost-secret-0123456"
AT = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 2_000


def ledger_of(rng: np.random.Generator, ids: np.ndarray, n: int) -> InMemoryReleaseLedger:
    """A ledger whose n count sets (random, 100-1,100 of `ids`) are recorded as holders."""
    ledger = InMemoryReleaseLedger()
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        sizes = rng.integers(100, 1100, size=count)
        cell = np.repeat(np.arange(count), sizes)
        members = ids[rng.integers(0, len(ids), size=int(sizes.sum()))]
        table = fingerprint_table(cell, members, count)
        ends = np.cumsum(sizes)
        records = []
        for c in range(count):
            fp = table[c]
            found = members[ends[c] - sizes[c] : ends[c]]
            records.append(holder_set(set_key(fp), fp.size, np.unique(found)))
        ledger.record(Release("bench", AT, 0, tuple(records)))
    return ledger


def main() -> None:
    args = growth_arguments(__doc__.split("\n")[0])
    rng = np.random.default_rng(26)
    started = time.perf_counter()
    n_units = args.cells * 500
    keys = PositionKeys(KeyArrays(derive_keys(SECRET, np.arange(1, n_units + 1))))
    units = np.arange(n_units, dtype=np.int64)
    located = keys.locate(units).keys()
    ids, record_keys = located.set_ids, located.record_keys
    ledgers = [ledger_of(rng, ids, n) for n in (args.small, args.sets)]
    print(
        f"ledgers of {args.small} and {args.sets} holder sets built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    cell = rng.integers(0, args.cells, size=n_units)
    table = fingerprint_table(cell, ids, args.cells)
    sets = [table[c] for c in range(args.cells)]
    shown = np.ones(args.cells, dtype=bool)

    def once(ledger: InMemoryReleaseLedger) -> float:
        # CPU time of this process: the machine the figures come from is shared, and its
        # wall clock says more about the neighbours than about this code.
        begun = time.process_time()
        samples = ledger.holders(ids)
        ledger_kernels(cell, ids, record_keys, samples, ledger.holder_sizes, shown, 5)
        holder_records(cell, ids, samples, sets, list(shown))
        return time.process_time() - begun

    report_growth("holders", args, ledgers, once)


if __name__ == "__main__":
    main()
