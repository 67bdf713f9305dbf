"""Benchmark: appending a month to a monthly register costs the same whatever the number
of months already released (issue 17, docs/MONTHLY.md §4).

    python bench/monthly_append.py [--persons 200000] [--runs 5] [--near 6] [--far 60]

Generates the sample a-ordning register (four monthly datasets, cohorts 1961-1963) for
PERSONS persons, releases its first month, then appends one month at a time as a steward
does (`regcat ingest --append` of that month's rows, then `regcat release`), up to month
FAR + RUNS - 1. Prints best and median wall time of ingest + release for the RUNS appends
from month NEAR and from month FAR, and their ratio: about 1 means the cost does not grow
with the months already released. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.config import load_config
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import release_draft
from catalogue.services.setup import initialise
from sample_registers.generator import generate_samples


def month_extracts(register: Path, out: Path) -> list[Path]:
    """One extract folder per month, in order, each with that month's rows of every dataset."""
    lines: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    datasets = sorted(p for p in register.iterdir() if p.is_dir())
    for folder in datasets:
        with open(folder / f"{folder.name}.csv", encoding="utf-8") as f:
            for line in f:
                lines[line.split(";")[2][:7]][folder.name].append(line)
    folders = []
    for month in sorted(lines):
        target = out / month / register.name
        target.mkdir(parents=True)
        shutil.copy(register / "register.json", target)
        for folder in datasets:
            (target / folder.name).mkdir()
            shutil.copy(folder / f"{folder.name}.json", target / folder.name)
            text = "".join(lines[month][folder.name])
            (target / folder.name / f"{folder.name}.csv").write_text(text, encoding="utf-8")
        folders.append(target)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--near", type=int, default=6)
    parser.add_argument("--far", type=int, default=60)
    args = parser.parse_args()
    last = args.far + args.runs - 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate_samples(work / "samples", persons=args.persons, registers=["aordningen"])
        extracts = month_extracts(work / "samples" / "aordningen", work / "months")
        if len(extracts) < last:
            sys.exit(f"the register has {len(extracts)} months; --far + --runs - 1 = {last}")
        config = load_config({"REGCAT_HOME": str(work / "home"), "REGCAT_USER": "bench"})
        seconds: dict[int, float] = {}
        cpu: dict[int, float] = {}
        with Context.open(config) as ctx:
            initialise(ctx)
            ingest_extract(ctx, extracts[0])
            release_draft(ctx, f"{extracts[0].parent.name}")
            for month in range(2, last + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                ingest_extract(ctx, extracts[month - 1], append=True)
                release_draft(ctx, extracts[month - 1].parent.name)
                seconds[month] = time.perf_counter() - start
                cpu[month] = time.process_time() - start_cpu
        far_csv = extracts[args.far - 1] / "AORD_LOENN_MND" / "AORD_LOENN_MND.csv"
        rows = len(far_csv.read_text(encoding="utf-8").splitlines())
    print(
        f"{args.persons} persons; 4 datasets of about {rows} rows a month; ingest --append + "
        f"release of one month, {args.runs} months each"
    )
    # Wall time and the process's CPU time (every thread): on a shared machine the CPU
    # time is the steadier of the two, and the wall time also holds the disk's fsyncs.
    for name, measured in (("wall", seconds), ("cpu", cpu)):
        near = [measured[m] for m in range(args.near, args.near + args.runs)]
        far = [measured[m] for m in range(args.far, args.far + args.runs)]
        print(f"{'appending (' + name + ')':24} {'best s':>8} {'median s':>9}")
        for label, values in (
            (f"months {args.near}-{args.near + args.runs - 1}", near),
            (f"months {args.far}-{args.far + args.runs - 1}", far),
        ):
            print(f"{label:24} {min(values):8.3f} {statistics.median(values):9.3f}")
        print(
            f"ratio far/near ({name}): best {min(far) / min(near):.2f}, "
            f"median {statistics.median(far) / statistics.median(near):.2f}"
        )


if __name__ == "__main__":
    main()
