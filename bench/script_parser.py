"""Benchmark: parsing scripts (issue 15's target: 10,000 lines in under 0.5 s), and that the
time is linear in the lines (no line re-reads the ones before it).

    python bench/script_parser.py [--lines 10000] [--repeat 7]

Parses three scripts of LINES lines, REPEAT times each, alternating, after one warm-up parse
that builds the parsers, and as the baseline measured in the same run a tenth of the first:

  mixed     commands, options, an `if`, a comment, as microdata.no's scripts mix them (5
            lines over and over);
  bench40   bench/scripts.py's 40-line script over and over (loops, bindings, text
            blocks): the script issue 15's figure is measured on;
  distinct  the mixed lines, each with its own trailing comment, so that no line's text
            is met twice: parse_script reads a line met before from what it read then,
            and this script measures the reading itself, with nothing read twice.

Prints, per script, best and median of the process's CPU time (the machine is shared:
CPU time says less about the others' load than the wall clock, which is printed too), the
seconds against the 0.5 s target, the ratio time(LINES) / (10 × time(LINES / 10)) of the
mixed script (1.0 is linear; target ≤ 1.2), and the load average before and after.

Not part of the test suite: a timed bound there would fail whenever the machine is busy.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.script import parse_script

ROOT = Path(__file__).resolve().parents[1]

LINES = [
    "generate alder = 2020 - year(fodselsdato) if kjonn == '2'",
    "tabulate kjonn bosted, missing rowpct",
    "import db/INNTEKT_WLONN 2020-12-31 as lonn",
    "// a comment",
    "regress lonn alder i.kjonn, robust",
]


def script_of(lines: int, body: list[str] = LINES) -> str:
    return "\n".join((body * (lines // len(body) + 1))[:lines])


def distinct_script_of(lines: int) -> str:
    return "\n".join(f"{line} // {n}" for n, line in enumerate(script_of(lines).split("\n")))


def bench40_body() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_scripts", ROOT / "bench" / "scripts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    spec.loader.exec_module(module)
    sys.path[:] = saved
    return str(module.SCRIPT).strip("\n").split("\n")


def timed(text: str) -> tuple[float, float]:
    """CPU seconds and wall seconds of one parse."""
    started, used = time.perf_counter(), time.process_time()
    parse_script(text)
    return time.process_time() - used, time.perf_counter() - started


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    scripts = {
        f"mixed {args.lines // 10:,}": script_of(args.lines // 10),
        f"mixed {args.lines:,}": script_of(args.lines),
        f"bench40 {args.lines:,}": script_of(args.lines, bench40_body()) + "\n",
        f"distinct {args.lines:,}": distinct_script_of(args.lines),
    }
    print(f"load average before: {load()}")
    for text in scripts.values():
        parse_script(text)  # builds the parsers once
    cpu: dict[str, list[float]] = {label: [] for label in scripts}
    wall: dict[str, list[float]] = {label: [] for label in scripts}
    for _ in range(args.repeat):
        for label, text in scripts.items():
            used, took = timed(text)
            cpu[label].append(used)
            wall[label].append(took)
    for label in scripts:
        print(
            f"{label:>16}: CPU best {min(cpu[label]):.3f} s, median {statistics.median(cpu[label]):.3f} s"
            f"   (wall best {min(wall[label]):.3f} s, median {statistics.median(wall[label]):.3f} s)"
        )
    small, large = cpu[f"mixed {args.lines // 10:,}"], cpu[f"mixed {args.lines:,}"]
    worst = max(min(cpu[label]) for label in scripts)
    print(f"target: {args.lines:,} lines in under 0.5 s CPU (slowest script's best {worst:.3f} s)")
    best = min(large) / (10 * min(small))
    median = statistics.median(large) / (10 * statistics.median(small))
    print(
        f"ratio time({args.lines:,}) / (10 × time({args.lines // 10:,})), mixed: best {best:.2f}, median {median:.2f} (target ≤ 1.2)"
    )
    print(f"load average after: {load()} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
