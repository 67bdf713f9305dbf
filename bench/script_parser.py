"""Benchmark: parsing scripts (issue 15's target: 10,000 lines in under 0.5 s), and that the
time is linear in the lines (no line re-reads the ones before it).

    python bench/script_parser.py [--lines 10000] [--repeat 7]

Parses a script of LINES lines (commands, options, an `if`, a comment, as microdata.no's
scripts mix them) and, as the baseline measured in the same run, a tenth of it; REPEAT
times each, alternating, after one warm-up parse that builds the parsers. Prints best and
median of both, the seconds against the 0.5 s target, and the ratio
time(LINES) / (10 × time(LINES / 10)) (1.0 is linear; target ≤ 1.2).

Not part of the test suite: a timed bound there would fail whenever the machine is busy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.script import parse_script

LINES = [
    "generate alder = 2020 - year(fodselsdato) if kjonn == '2'",
    "tabulate kjonn bosted, missing rowpct",
    "import db/INNTEKT_WLONN 2020-12-31 as lonn",
    "// a comment",
    "regress lonn alder i.kjonn, robust",
]


def script_of(lines: int) -> str:
    return "\n".join((LINES * (lines // len(LINES) + 1))[:lines])


def seconds(text: str) -> float:
    started = time.perf_counter()
    parse_script(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    large, small = script_of(args.lines), script_of(args.lines // 10)
    parse_script(small)  # builds the parsers once
    large_times, small_times = [], []
    for _ in range(args.repeat):
        small_times.append(seconds(small))
        large_times.append(seconds(large))
    for label, found in (
        (f"{args.lines // 10:,} lines", small_times),
        (f"{args.lines:,} lines", large_times),
    ):
        print(f"{label:>14}: best {min(found):.3f} s, median {statistics.median(found):.3f} s")
    best = min(large_times) / (10 * min(small_times))
    median = statistics.median(large_times) / (10 * statistics.median(small_times))
    print(f"target: {args.lines:,} lines in under 0.5 s (best {min(large_times):.3f} s)")
    print(
        f"ratio time({args.lines:,}) / (10 × time({args.lines // 10:,})): best {best:.2f}, median {median:.2f} (target ≤ 1.2)"
    )


if __name__ == "__main__":
    main()
