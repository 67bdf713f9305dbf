"""Benchmark: the core-sharing rule's cost per release as the ledger grows (OUTPUT_CONTROL.md
§1.10; rules/core_sharing.py, cores.py).

    python bench/core_cost.py [--sets 100000] [--small 10] [--cells 1000] [--repeats 7]

Two ledgers: one with SMALL registered sets, one with SETS (sets of 100 to 1,100 units, as in
bench/guard_cost.py) and as many core records. Both also hold the classes of five variables
(2 to 64 classes each) over the table's units, so that the rule meets them. Then times
finding the small cores of a 1,000-cell table (about 500 units a cell) against each ledger
and counting their holders, REPEATS times, alternating; prints best and median of both and
their ratio (target ≤ 2). Not part of the test suite.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.guard_cost import growth_arguments, ledger_of, random_sets, report_growth
from catalogue.analysis.output_control import InMemoryReleaseLedger
from catalogue.analysis.output_control.cell_key import KeyArrays, PositionKeys, derive_keys
from catalogue.analysis.output_control.cores import UnitClasses, find_cores, held_elsewhere
from catalogue.analysis.output_control.fingerprint import fingerprint_table
from catalogue.analysis.output_control.ledger import CORE_MEASURE, Release, ReleasedSet
from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoise

SECRET = b"bench-core-cost-secret-0123456789"
AT = datetime(2026, 1, 1, tzinfo=UTC)


def main() -> None:
    args = growth_arguments(
        __doc__.split("\n")[0],
        (
            "--witnesses",
            {"type": int, "default": 5, "help": "shared kernels (kernels.py); 0: cores only"},
        ),
    )
    rng = np.random.default_rng(25)
    started = time.perf_counter()
    # Key positions, as a workspace hands them over (PositionKeys: a plain array read).
    units = rng.permutation(args.cells * 500).astype(np.int64)
    population = np.arange(1, len(units) + 1, dtype=np.int64)
    keys = PositionKeys(KeyArrays(derive_keys(SECRET, population)))
    cell = rng.integers(0, args.cells, size=len(units))
    classes = [
        UnitClasses(f"v{n}", np.sort(units), rng.integers(0, n, size=len(units)), n)
        for n in (2, 5, 12, 30, 64)
    ]
    ledgers: list[InMemoryReleaseLedger] = []
    for n in (args.small, args.sets):
        ledger = ledger_of(random_sets(rng, n, 100, 1100))
        registered = [
            ReleasedSet("count", "count", c.fingerprints(keys)[x])
            for c in classes
            for x in range(c.n_codes)
        ]
        ledger.record(Release("bench", AT, len(registered), tuple(registered)))
        held = random_sets(rng, min(n, 1000), 100, 200)
        cores = tuple(ReleasedSet(CORE_MEASURE, f"{k:016x}", held[k % len(held)]) for k in range(n))
        ledger.record(Release("bench", AT, 0, cores))
        ledgers.append(ledger)
    print(
        f"ledgers of {args.small} and {args.sets} sets (and core records) built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    noise = OutputControlParameters.defaults().rule(CellKeyNoise)
    sets = fingerprint_table(cell, keys.locate(units).keys().set_ids, args.cells)
    table_sets = [sets[c] for c in range(args.cells)]

    def once(ledger: InMemoryReleaseLedger) -> float:
        begun = time.perf_counter()
        found = find_cores(
            cell, units, args.cells, [True] * args.cells, classes, keys, ledger, noise, 20,
            witnesses=args.witnesses,
        )  # fmt: skip
        held_elsewhere(found, table_sets, ledger)
        return time.perf_counter() - begun

    report_growth("cores", args, ledgers, once)


if __name__ == "__main__":
    main()
