"""Benchmark: how many cells of a fresh table core-sharing's sunflowers across the ledger
(kernels.ledger_kernels) answer without a kernel when the ledger holds only random sets,
no attack (issue 13: a random ledger should almost never flag, or utility dies at scale).

    python bench/holder_false_positives.py [--sets 20000] [--cells 1000] [--tables 1]

The ledger: SETS random count sets of 100 to 1,100 units of a population of CELLS × 500
units (bench/holder_cost.py's), recorded as holders. Then TABLES fresh one-way tables of
CELLS cells (each unit in a random cell) are checked against it, as a release does, and
the cells answered without a kernel of their own (and the cells the kernels moved to) are
counted. Prints the figure per table and in all, with the kernels' sizes. Not a test.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.holder_cost import SECRET, ledger_of
from bench.options import whole_numbers
from catalogue.analysis.output_control.cell_key import KeyArrays, PositionKeys, derive_keys
from catalogue.analysis.output_control.kernels import ledger_kernels


def main() -> None:
    args = whole_numbers(__doc__.split("\n")[0], sets=20_000, cells=1000, tables=1, witnesses=5)
    rng = np.random.default_rng(26)
    started = time.perf_counter()
    n_units = args.cells * 500
    keys = PositionKeys(KeyArrays(derive_keys(SECRET, np.arange(1, n_units + 1))))
    located = keys.locate(np.arange(n_units, dtype=np.int64)).keys()
    ids, record_keys = located.set_ids, located.record_keys
    ledger = ledger_of(rng, ids, args.sets)
    print(
        f"ledger of {args.sets} random holder sets built in {time.perf_counter() - started:.1f} s"
    )
    samples = ledger.holders(ids)
    shown = np.ones(args.cells, dtype=bool)
    flagged = moved = 0
    sizes: Counter[int] = Counter()
    for t in range(args.tables):
        cell = rng.integers(0, args.cells, size=n_units)
        begun = time.process_time()
        found = ledger_kernels(
            cell, ids, record_keys, samples, ledger.holder_sizes, shown, args.witnesses
        )
        spent = time.process_time() - begun
        own = [-f[0] for f in found if f is not None and f[0] < 0]
        flagged += len(own)
        moved += sum(f is not None and f[0] > 0 for f in found)
        sizes.update(own)
        print(
            f"table {t + 1}: {len(own)} of {args.cells} cells answered without a kernel of "
            f"their own ({spent * 1000:.0f} ms CPU)"
        )
    cells = args.cells * args.tables
    print(
        f"false positives after {args.sets} random sets: {flagged} of {cells} cells "
        f"({100 * flagged / cells:.2f} %), {moved} cells took a moved kernel; kernel sizes "
        f"{dict(sorted(sizes.items()))}"
    )


if __name__ == "__main__":
    main()
