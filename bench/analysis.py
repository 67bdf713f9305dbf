"""The analysis engine against a hand-written DuckDB script over the same Parquet files.

    python bench/analysis.py [--persons 5500000] [--home DIR] [--threads 0] [--repeat 3] [--cpu]
                             [--profile FILE]

Generates the Folkeregisteret, NUDB and income sample registers for PERSONS persons
(sample_registers.generator), ingests and releases them into a catalogue in HOME (kept and
reused when HOME is given and already released), then runs, each in a fresh child process:

  (a) baseline: one DuckDB script reading the released Parquet files, doing the same joins
      (municipality 2020-01-01 STATUS, sex and birth date FIXED, education 2020-10-01
      STATUS, wage income 2020 ACCUMULATED) and the same aggregates (mean income by
      municipality × education; the OLS of income on sex, age and education dummies from
      X'X and X'y grouped by regressor values, solved with numpy), with no output control,
      on a connection configured as the engine's (insertion order not kept);
  (b) regcat, cold: through catalogue.services.workspaces, as the API does: create a
      workspace, import the five variables and derive age (one request, as a client sends
      its script), tabulate municipality × education with mean income, fit the OLS with
      HC1 errors: output control, ledger and audit log included, and the record keys
      computed for the first time (they are then cached per unit); the statistics' and
      step verbs' modules loaded before the clock starts, as the service loads them at
      startup;
  (c) regcat, warm: the same again in a new process, the keys already cached.
(a) and (c) run REPEAT times each, alternating; the best run of each side and the median
of each side are compared. (b) and (c) first read, before their clock starts, what a worker
reads once and keeps (services/runtime.py): the released version's datasets, as (a) reads
them before its clock, and the datastore's release ledger (every set released so far, 1,705
after one (b)); the seconds it took are printed, not counted.

Prints each step's time (--cpu: the CPU seconds of the process, all its threads, which a
machine loaded by others inflates far less than the wall time) and peak memory (the
process's high-water mark, reset before each step), how much of (b) and (c) is spent
inside output control, and the ratios (b)/(a), (c)/(a) and (c) without output control
over (a) (target ≤ 1.5, peak ≤ 4 GiB). --profile FILE: after the comparison, one more (c)
run under cProfile, on the step clock (with --cpu, CPU seconds of all threads, so a DuckDB
query counts its threads' work), its timed steps only; the stats are written to FILE and
the dearest functions printed. Its own figures are not compared (the profiler slows the
Python part). Not part of the test suite.

Figures (2026-12-07, 5.5 M persons, a fresh copy of the lead's home each, --repeat 3,
under nice, on 2 cores shared with other agents, load average 16-24 for the whole run, so
wall times are inflated and noisy, not a quiet figure):
  main at dd3a8a7 (the ledger and the pinned version read inside (c)'s clock), wall:
    (a) best 11.31 s, median 19.73 s; (c) best 28.80 s, median 41.16 s;
    (c)/(a) best 2.55, median 2.09; output control 5.83 s of the best (c).
  with the reads before the clock (python bench/analysis.py --home COPY), wall:
    (a) best 13.36 s, median 14.68 s; (c) best 24.40 s, median 27.61 s;
    (c)/(a) best 1.83, median 1.88; output control 6.43 s of the best (c), and (c)
    without it / (a) 1.31; (b) 49.97 s (unit keys 24.69 s); read before the clock 1.08 s.
  the same, --cpu (CPU seconds, the same copy right after):
    (a) best 3.35 s (join 3.16 s), median 3.72 s; (c) best 6.48 s, median 7.17 s:
    steps (join and checkpoint) 3.94 s, tabulate 1.10 s, regress 1.44 s, of which output
    control 1.87 s; (c)/(a) best 1.93, median 1.93, without output control 1.34; read
    before the clock 0.26 s (the ledger's 1,705 sets about 0.19 s of it).
  with output control v2 (issue 13), --cpu, 18:43-19:04 UTC, load average 17-28:
    main at 866a2c5: (a) best 4.09 s (join 3.81 s), median 4.15 s; (c) best 7.83 s,
    median 7.89 s: steps 4.58 s, tabulate 1.20 s, regress 2.04 s, of which output
    control 2.43 s; (c)/(a) best 1.91, median 1.90, without output control 1.29; (b)
    17.93 s (unit keys 9.25 s).
    main at 22da88e (a fresh copy right after, load 17-22): (a) best 3.77 s (join
    3.50 s), median 3.90 s; (c) best 7.99 s, median 7.99 s: steps 4.44 s, tabulate 1.44 s,
    regress 2.10 s, of which output control 2.68 s; (c)/(a) best 2.12, median 2.05,
    without output control 1.37; (b) 17.54 s (unit keys 8.97 s).
    cheaper evidence (branch perf, issue 13; fresh copies of the lead's p5m home each,
    main at f35a95a then this, --cpu, nice'd, load 16-20): main (a) best 3.87 s, median
    4.03 s; (c) best 8.24 s, median 8.54 s: steps 4.37 s, tabulate 1.27 s, regress 2.60 s,
    of which output control 2.98 s; (c)/(a) best 2.13, median 2.12, without output control
    1.32. This: (a) best 3.75 s, median 4.12 s; (c) best 7.66 s, median 7.68 s: steps
    4.41 s, tabulate 1.26 s, regress 1.99 s, of which output control 2.39 s; (c)/(a) best
    2.04, median 1.86, without output control 1.37. What went (cProfile of one (c), CPU):
    the outcome's modes per cell 0.42 -> 0.08 s (model_support.ModeHint: a bucket bound
    settles every cell at the most common income, no sort), the clipped outcome of the fit
    statistics 0.21 -> 0.05 s (one partition for the median and the caps' ends, not a
    sort), largest_of 0.17 -> about 0.06 s for its four calls (a strided sample's k-th
    largest narrows 5.5 million values to a few thousand before the partition). Left in
    (c)'s output control: the 13 term pair sets of the repeated model (native
    row_pair_fingerprints, 0.6 s, eight hashes per row and term), the table's evidence and
    exposure (aggregates 0.15 s, Exposure 0.26 s), the guard's look-ups (0.25 s for 1,666)
    and the model's affine form and influence (0.4 s).
Where (c)'s CPU goes (--profile, cProfile on the CPU clock, the timed steps of one (c) at
866a2c5, 8.51 s in all against 7.83 to 7.99 s unprofiled): the join (state.create, one
CREATE TABLE of the five imports and alder) 3.55 s, what (a)'s join costs (3.2 to 3.8 s); the
checkpoint after the steps (workspace._compact) 0.98 s; tabulate 1.77 s, of which reading
the cells (tabulate._cells, one scan of rowid, cell and value) 0.43 s and
control_magnitude_table 1.06 s; regress 2.08 s, of which the patterns and the model's rows
0.4 s, model_evidence 0.94 s (the outcome's modes per cell, _cell_modes, 0.36 s) and
registering the model's pairs (native row_pair_fingerprints) 0.61 s. So the steps alone
(4.5 s) leave about 1.6 s of (a)'s 1.5 × 4.1 s for both statistics, which take 3.2 s
today: the target needs the checkpoint gone or cheaper (earlier: 0.6 to 0.8 s, most of it
copying the rows, not choosing their compression: 0.57 s with force_compression =
'uncompressed'; without it, alternating with (c), 6.58 and 6.59 s against 6.52 and 6.94 s:
what it costs, the statistics' scans of the compressed rows won back. Again at 588313b,
one (c) child each side alternating on one copy, --cpu, load 17-23: without it 7.64, 7.44,
8.80 and 7.85 s against 8.16, 7.77, 7.96 and 8.15 s with it (medians: steps 0.9 s
cheaper, tabulate 0.4 s and regress 0.2 s dearer), the statistics' peaks 1.56 and 1.13 GiB
against 0.91 and 0.96 GiB: about 0.3 s for 0.6 GiB, not taken) and output control's
per-row evidence (2.4 s, every statistic's rows read and hashed in numpy or the native
loops, already compiled and split over two threads) about halved; what (a) does in 0.3 s is two
DuckDB aggregates with no per-row evidence at all.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

REGISTERS = ["folkeregisteret", "nudb", "inntekt"]
STEPS = [
    (
        "import kommune (STATUS)",
        {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    ),
    ("kjonn (FIXED)", {"import": "BEFOLKNING_KJOENN", "as": "kjonn"}),
    ("fodselsdato (FIXED)", {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"}),
    ("utdanning (STATUS)", {"import": "NUDB_BU", "date": "2020-10-01", "as": "utdanning"}),
    ("lonn (ACCUMULATED)", {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"}),
    ("alder", {"generate": "alder", "expr": "2020 - year(fodselsdato)"}),
]
TABULATE = {"vars": ["kommune", "utdanning"], "summarize": "lonn", "stats": ["mean"]}
REGRESS = {"y": "lonn", "x": ["kjonn", "alder", "i.utdanning"], "robust": True}
GIB = 1024**3


# --- measuring ------------------------------------------------------------------------------

# What a step's seconds are read from: the wall clock, or (--cpu) the process's CPU time.
CLOCK = [time.perf_counter]
# The profiler of the timed steps (--profile, in the child that runs them), or None.
PROFILER: list[cProfile.Profile | None] = [None]


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the high-water mark of resident memory."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class Steps:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def run(self, name: str, action: Any) -> Any:
        _reset_peak()
        profiler = PROFILER[0]
        started = CLOCK[0]()
        if profiler is not None:
            profiler.enable()
        try:
            result = action()
        finally:
            if profiler is not None:
                profiler.disable()
        self.rows.append({"step": name, "seconds": CLOCK[0]() - started, "peak": _peak_bytes()})
        return result


# --- the two sides (each runs in a child process) --------------------------------------------


def run_baseline(home: Path, threads: int) -> list[dict[str, Any]]:
    import duckdb
    import numpy as np

    from catalogue.services.context import Context
    from catalogue.services.workspaces import pinned_version
    from tests.conftest import make_config

    with Context.open(make_config(home)) as ctx:
        pinned = pinned_version(ctx, None, None)

    def scan(name: str) -> str:
        paths = ", ".join(f"'{p}'" for p in pinned.datasets[name].paths)
        return f"read_parquet([{paths}], hive_partitioning = false)"

    steps = Steps()
    # As the engine's own connections: no row order kept where none is asked for.
    config: dict[str, Any] = {"preserve_insertion_order": False}
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    link = f"""
        CREATE TABLE linked AS
        SELECT k.unit_id, k.value AS kommune, CAST(s.value AS DOUBLE) AS kjonn,
               2020 - year(f.value) AS alder, CAST(u.value AS VARCHAR) AS utdanning,
               CAST(l.value AS DOUBLE) AS lonn
        FROM (SELECT unit_id, value FROM {scan("BEFOLKNING_BOSTED_KOMMUNE")}
              WHERE start = DATE '2020-01-01') AS k
        LEFT JOIN {scan("BEFOLKNING_KJOENN")} AS s USING (unit_id)
        LEFT JOIN {scan("BEFOLKNING_FOEDSELSDATO")} AS f USING (unit_id)
        LEFT JOIN (SELECT unit_id, value FROM {scan("NUDB_BU")}
                   WHERE start = DATE '2020-10-01') AS u USING (unit_id)
        LEFT JOIN (SELECT unit_id, value FROM {scan("INNTEKT_WLONN")}
                   WHERE start <= DATE '2020-12-31' AND stop >= DATE '2020-12-31') AS l
             USING (unit_id)
    """
    steps.run("join five variables", lambda: con.execute(link))
    steps.run(
        "mean income by kommune × utdanning",
        lambda: con.sql(
            "SELECT kommune, utdanning, AVG(lonn), COUNT(*) FROM linked "
            "WHERE kommune IS NOT NULL AND utdanning IS NOT NULL AND lonn IS NOT NULL "
            "GROUP BY ALL"
        ).fetchall(),
    )

    def ols() -> Any:
        patterns = con.sql(
            "SELECT kjonn, alder, utdanning, COUNT(*) AS n, SUM(lonn) AS sy, AVG(lonn) AS my, "
            "VAR_POP(lonn) * COUNT(*) AS m2 FROM linked WHERE kjonn IS NOT NULL AND "
            "alder IS NOT NULL AND utdanning IS NOT NULL AND lonn IS NOT NULL GROUP BY ALL"
        ).fetchnumpy()
        levels = sorted(set(patterns["utdanning"].tolist()))
        x = np.column_stack(
            [patterns["kjonn"], patterns["alder"]]
            + [patterns["utdanning"] == level for level in levels[1:]]
            + [np.ones(len(patterns["n"]))]
        ).astype(float)
        n = patterns["n"].astype(float)
        xtx = (x * n[:, None]).T @ x
        beta = np.linalg.solve(xtx, x.T @ patterns["sy"])
        e2 = patterns["m2"] + n * (patterns["my"] - x @ beta) ** 2
        inverse = np.linalg.inv(xtx)
        return beta, np.sqrt(np.diag(inverse @ ((x * e2[:, None]).T @ x) @ inverse))

    steps.run("OLS (X'X grouped, HC1)", ols)
    return steps.rows


# Seconds spent inside output control, for the breakdown: the controller's entry points,
# and finding the rows' units in the key store and reading the population (once per
# generation of rows, see catalogue/analysis/unit_keys/rows.py).
PARTS = {"of which output control": 0.0, "of which unit keys": 0.0}


def _time_output_control() -> None:
    """Wrap the output-control calls the benchmark's statistics make, to report how much of
    each step is output control (rules, keys of cells, fingerprints, the units' keys) and
    how much engine."""
    from catalogue.analysis.statistics import tabulate
    from catalogue.analysis.statistics.shared import model_levels, ols
    from catalogue.analysis.workspace import Workspace

    def timed(function: Any, part: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = CLOCK[0]()
            try:
                return function(*args, **kwargs)
            finally:
                PARTS[part] += CLOCK[0]() - started

        return wrapper

    control = "of which output control"
    tabulate.control_magnitude_table = timed(tabulate.control_magnitude_table, control)
    ols.control_regression = timed(ols.control_regression, control)
    # A model's rows, read for its checks (its levels, then its evidence).
    model_levels.model_rows = timed(model_levels.model_rows, control)
    ols.evidence_of = timed(ols.evidence_of, control)
    ols.fit_sums = timed(ols.fit_sums, control)  # the totals behind its fit statistics
    Workspace.control_units = timed(Workspace.control_units, "of which unit keys")  # type: ignore[method-assign]


def _load_registries() -> None:
    """What the service loads once at startup, not per request: every statistic's and
    every step verb's module (catalogue/web/access.py lists the statistics when the app is
    imported). Found on first use, they were imported inside the first timed step and the
    first statistic (about 2.5 s under load, all compiled from source where bytecode is not
    written), a cost of the benchmark's fresh process, not of the engine; (a) likewise
    imports duckdb and numpy before it is timed."""
    from catalogue.analysis import statistic, step

    statistic.registry()
    step.registry()


def run_regcat(home: Path, threads: int) -> list[dict[str, Any]]:
    from catalogue.analysis.limits import WorkspaceLimits
    from catalogue.services import workspaces
    from catalogue.services.context import Context
    from catalogue.services.setup import require_initialised
    from tests.conftest import make_config

    _time_output_control()
    _load_registries()
    steps = Steps()
    # A project of its own per run: every release is charged to its project's budget, and
    # a reused home would otherwise run out of budget after some dozen runs.
    owner = f"bench-researcher-{os.getpid()}-{time.time_ns()}"
    with Context.open(make_config(home)) as ctx:
        # What the service has done before a researcher's request reaches a workspace: its
        # token authenticated, which checks the schema's revision (services/tokens.py:
        # require_initialised, every request), importing alembic once per worker (0.4 to
        # 0.8 s of a fresh process, timed inside "create workspace" until now). (a) reads
        # the pinned version before its clock starts likewise.
        require_initialised(ctx)
        WARM["read before the clock"] = _warm(ctx)
        view = steps.run(
            "create workspace",
            lambda: workspaces.create_workspace(
                ctx, owner, limits=WorkspaceLimits(threads=threads)
            ),
        )
        # One request, as a client sends a script: the imports are joined in one pass.
        steps.run(
            "steps: " + ", ".join(name for name, _ in STEPS),
            lambda: workspaces.add_steps(ctx, owner, view.handle, [step for _, step in STEPS]),
        )
        steps.run(
            "tabulate kommune × utdanning, mean lonn",
            lambda: workspaces.run_statistic(ctx, owner, view.handle, "tabulate", TABULATE),
        )
        steps.run(
            "regress lonn on kjonn alder i.utdanning (HC1)",
            lambda: workspaces.run_statistic(ctx, owner, view.handle, "regress", REGRESS),
        )
    steps.rows += [{"step": part, "seconds": seconds, "peak": 0} for part, seconds in PARTS.items()]
    steps.rows += [{"step": part, "seconds": seconds, "peak": 0} for part, seconds in WARM.items()]
    return steps.rows


# Seconds spent before the clock starts reading what a worker holds in memory once it has
# served a request (services/runtime.py), as (a) reads the pinned version before its clock.
WARM = {"read before the clock": 0.0}


def _warm(ctx: Any) -> float:
    """What every worker reads once and keeps (per runtime), not once per request: the
    released version's datasets (workspaces.pinned_version: SQLAlchemy compiling its
    queries and the metadata validated in a fresh process) and the datastore's release
    ledger (persistent_ledger.py: every set released so far, read from the catalogue
    database at a worker's first release and caught up with at every later one: 0.19 s of
    CPU for the 1,705 sets one (b) leaves, more as researchers release more). A warm
    worker holds both; (c) measured them inside "create workspace" and its first
    statistic, 0.26 s of CPU and 1 s of wall time under load. Returns the seconds spent."""
    from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
    from catalogue.services.audit import AuditLog
    from catalogue.services.workspaces import pinned_version
    from catalogue.storage.analysis_store import AnalysisStore

    started = CLOCK[0]()
    pinned = pinned_version(ctx, None, None)
    ledger = PersistentReleaseLedger(ctx.db.url, pinned.datastore, ctx.runtime.ledger_sets)
    with ctx.db.transaction() as session:
        store = AnalysisStore(session)
        AuditLog(store).lock()  # as a release binds it (services/workspaces.py)
        with ledger.bound(store):
            pass
    return float(CLOCK[0]() - started)


# --- setting up -------------------------------------------------------------------------------


def prepare(home: Path, persons: int) -> None:
    from catalogue.services.context import Context
    from catalogue.services.publishing import ingest_extract
    from catalogue.services.reading import datastore_summaries
    from catalogue.services.releasing import release_draft
    from catalogue.services.setup import initialise
    from sample_registers.generator import generate_samples
    from tests.conftest import make_config

    with Context.open(make_config(home)) as ctx:
        initialise(ctx)
        if any(s.latest_version for s in datastore_summaries(ctx)):
            print(f"reusing the released catalogue in {home}")
            return
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            folders = generate_samples(Path(scratch), persons=persons, registers=REGISTERS)
            print(f"generated {persons:,} persons in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            for folder in folders:
                ingest_extract(ctx, folder)
            release_draft(ctx, f"Benchmark sample, {persons} persons")
            print(f"ingested and released in {time.perf_counter() - started:.0f} s")


def _child(
    side: str, home: Path, threads: int, cpu: bool = False, profile: Path | None = None
) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--home", str(home), "--threads", str(threads)]
        + ["--cpu"] * cpu
        + ([] if profile is None else ["--profile", str(profile)]),
        check=True,
        stdout=subprocess.PIPE,  # the child's errors go to ours, not lost with its output
        text=True,
    )
    rows: list[dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1])
    return rows


def _print(title: str, rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Prints the steps; returns the total and the part spent in output control."""
    parts = [r for r in rows if r["step"] in PARTS]
    warm = [r for r in rows if r["step"] in WARM]
    steps = [r for r in rows if r["step"] not in PARTS and r["step"] not in WARM]
    total = sum(r["seconds"] for r in steps)
    print(f"\n{title}")
    for r in steps:
        print(f"  {r['step'][:58]:<58} {r['seconds']:8.2f} s   peak {r['peak'] / GIB:5.2f} GiB")
    print(f"  {'total':<58} {total:8.2f} s   peak {max(r['peak'] for r in steps) / GIB:5.2f} GiB")
    for r in parts:
        print(f"  {'  ' + r['step']:<58} {r['seconds']:8.2f} s")
    for r in warm:
        print(f"  ({r['step'] + ', not in the total':<56} {r['seconds']:8.2f} s)")
    return total, sum(r["seconds"] for r in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=5_500_000)
    parser.add_argument("--home", type=Path, default=None, help="Catalogue to (re)use.")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads; 0 = all.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of (a) and (c) each.")
    parser.add_argument(
        "--cpu", action="store_true", help="Steps in CPU seconds (all threads), not wall time."
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="Profile one more (c) run's steps (cProfile) into this file.",
    )
    parser.add_argument("--child", choices=["baseline", "regcat"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu:
        CLOCK[0] = time.process_time
    if args.child:
        run = run_baseline if args.child == "baseline" else run_regcat
        if args.profile is not None:
            PROFILER[0] = cProfile.Profile(CLOCK[0])
        rows = run(args.home, args.threads)
        if PROFILER[0] is not None:
            PROFILER[0].dump_stats(str(args.profile))
        print(json.dumps(rows))
        return
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch) / "home"
        prepare(home, args.persons)
        # Record keys are computed once per unit and cached: (b) starts without the cache.
        shutil.rmtree(home / "analysis" / "keys", ignore_errors=True)
        cold, _ = _print(
            "(b) regcat, keys computed", _child("regcat", home, args.threads, args.cpu)
        )
        # (a) and (c) alternate, best of `repeat` each: the machine's noise hits both alike.
        runs: dict[str, list[list[dict[str, Any]]]] = {"baseline": [], "regcat": []}
        for _ in range(args.repeat):
            for side in runs:
                runs[side].append(_child(side, home, args.threads, args.cpu))
        best = {side: min(found, key=_total) for side, found in runs.items()}
        baseline, _ = _print(f"(a) hand-written DuckDB, best of {args.repeat}", best["baseline"])
        warm, control = _print(f"(c) regcat, keys cached, best of {args.repeat}", best["regcat"])
        median = {side: statistics.median(map(_total, found)) for side, found in runs.items()}
        print(
            f"\nratio (b)/(a) = {cold / baseline:.2f}   ratio (c)/(a) = {warm / baseline:.2f}"
            f"   (target ≤ 1.5)\nratio (c) without output control / (a) = "
            f"{(warm - control) / baseline:.2f}\n"
            f"medians of {args.repeat}: (a) {median['baseline']:.2f} s, (c) "
            f"{median['regcat']:.2f} s, ratio (c)/(a) = "
            f"{median['regcat'] / median['baseline']:.2f}"
        )
        if args.profile is not None:
            _profile(home, args.threads, args.cpu, args.profile)


def _profile(home: Path, threads: int, cpu: bool, into: Path) -> None:
    """One more (c) run with its timed steps profiled: the dearest functions, by their own
    time and with what they call."""
    _print("(c) regcat under cProfile (not compared)", _child("regcat", home, threads, cpu, into))
    found = pstats.Stats(str(into))
    for order in ("tottime", "cumulative"):
        print(f"\nprofile of (c)'s steps by {order} ({into})")
        found.sort_stats(order).print_stats(25)


def _total(rows: list[dict[str, Any]]) -> float:
    return float(
        sum(r["seconds"] for r in rows if r["step"] not in PARTS and r["step"] not in WARM)
    )


if __name__ == "__main__":
    main()
