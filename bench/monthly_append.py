"""Benchmark: appending a month to a monthly register costs the same whatever the number
of months already released (issue 17, docs/MONTHLY.md §4).

    python bench/monthly_append.py [--persons 200000] [--runs 5] [--near 6] [--far 60]

Generates the sample a-ordning register (four monthly datasets, cohorts 1961-1963) for
PERSONS persons and builds two catalogues from it, releasing one month at a time as a
steward does (`regcat ingest --append` of that month's rows, then `regcat release`): one up
to month NEAR - 1, the other up to month FAR - 1 (untimed). Then it appends the next RUNS
months to each, alternating between the two (which goes first alternates too), so that a
change in the machine's load weighs on both alike. Prints best and median wall and CPU
time of ingest + release for the RUNS appends from month NEAR and from month FAR, their
ratio (about 1: the cost does not grow with the months already released), the load
average before and after, the rows and documents one append writes (and how many revisions
its index update read), and the parts of the output-control key store (a cycle of 1-16
parts, see _key_parts). Not part of the test suite.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.options import whole_numbers
from catalogue.config import load_config
from catalogue.search import current_generation
from catalogue.services.context import Context
from catalogue.services.indexing import STATE_FILE
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


def _append(ctx: Context, extract: Path) -> tuple[float, float]:
    start, start_cpu = time.perf_counter(), time.process_time()
    ingest_extract(ctx, extract, append=True)
    release_draft(ctx, extract.parent.name)
    return time.perf_counter() - start, time.process_time() - start_cpu


def _rows(ctx: Context) -> dict[str, int]:
    tables = ("dataset_revisions", "dataset_files", "code_list_entries")
    with ctx.db.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


def _key_parts(ctx: Context) -> int:
    """The parts of the output-control key store: a release whose month brings new units
    adds one, and the store merges them into one when there are more than 16
    (analysis/unit_keys/store.py, MAX_PARTS). Every append looks units up in each part, so
    the two series' costs differ by where they are in that cycle (bounded, whatever the
    months released): printed so that a ratio can be read with it."""
    return len(list((ctx.config.home / "analysis" / "keys").glob("*/part-*")))


def main() -> None:
    args = whole_numbers(__doc__.split("\n\n")[0], persons=200_000, runs=5, near=6, far=60)
    last = args.far + args.runs - 1
    seconds: dict[str, list[float]] = {"near": [], "far": []}
    cpu: dict[str, list[float]] = {"near": [], "far": []}
    written: dict[str, dict[str, int]] = {}
    documents: dict[str, int] = {}
    index_work: dict[str, str] = {}
    parts: dict[str, list[int]] = {"near": [], "far": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate_samples(work / "samples", persons=args.persons, registers=["aordningen"])
        extracts = month_extracts(work / "samples" / "aordningen", work / "months")
        if len(extracts) < last:
            sys.exit(f"the register has {len(extracts)} months; --far + --runs - 1 = {last}")
        with ExitStack() as stack:
            contexts = {}
            for label, first in (("near", args.near), ("far", args.far)):
                home = str(work / f"home-{label}")
                config = load_config({"REGCAT_HOME": home, "REGCAT_USER": "bench"})
                ctx = contexts[label] = stack.enter_context(Context.open(config))
                initialise(ctx)
                ingest_extract(ctx, extracts[0])
                release_draft(ctx, extracts[0].parent.name)
                for month in range(2, first):
                    _append(ctx, extracts[month - 1])
            load_before = os.getloadavg()
            for run in range(args.runs):
                order = ("near", "far") if run % 2 == 0 else ("far", "near")
                for label in order:
                    ctx = contexts[label]
                    month = (args.near if label == "near" else args.far) + run
                    before = _rows(ctx)
                    wall, used = _append(ctx, extracts[month - 1])
                    seconds[label].append(wall)
                    cpu[label].append(used)
                    written[label] = {t: n - before[t] for t, n in _rows(ctx).items()}
                    documents[label], index_work[label] = _index_state(ctx)
                    parts[label].append(_key_parts(ctx))
            load_after = os.getloadavg()
        far_csv = extracts[args.far - 1] / "AORD_LOENN_MND" / "AORD_LOENN_MND.csv"
        rows = len(far_csv.read_text(encoding="utf-8").splitlines())
    print(
        f"{args.persons} persons; 4 datasets of about {rows} rows a month; ingest --append + "
        f"release of one month, {args.runs} months each, the two series alternating"
    )
    print(
        "load average (1, 5, 15 min) before the timed appends "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    # Wall time and the process's CPU time (every thread): on a shared machine the CPU
    # time is the steadier of the two, and the wall time also holds the disk's fsyncs.
    near_label = f"months {args.near}-{args.near + args.runs - 1}"
    far_label = f"months {args.far}-{args.far + args.runs - 1}"
    for name, measured in (("wall", seconds), ("cpu", cpu)):
        near, far = measured["near"], measured["far"]
        print(f"{'appending (' + name + ')':24} {'best s':>8} {'median s':>9}")
        for label, values in ((near_label, near), (far_label, far)):
            print(f"{label:24} {min(values):8.3f} {statistics.median(values):9.3f}")
        print(
            f"ratio far/near ({name}): best {min(far) / min(near):.2f}, "
            f"median {statistics.median(far) / statistics.median(near):.2f}"
        )
    for label, months in (("near", near_label), ("far", far_label)):
        print(
            f"written by the last append of {months}: "
            + ", ".join(f"{t} {n}" for t, n in written[label].items())
            + f"; search documents after it: {documents[label]} ({index_work[label]})"
            + f"; key-store parts after each append: {parts[label]}"
        )


def _index_state(ctx: Context) -> tuple[int, str]:
    """The live index's documents, and how the release's index update made them: an update
    from the revisions of two versions, or a rebuild from every version's."""
    live = current_generation(ctx.config.index_dir)
    assert live is not None
    state = json.loads((live / STATE_FILE).read_text(encoding="utf-8"))
    work = f"{state['mode']} from {state['revisions_read']} revisions"
    return len(state["documents"]), work


if __name__ == "__main__":
    main()
