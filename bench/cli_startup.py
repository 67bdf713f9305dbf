"""Benchmark: how long the `regcat` command takes to start (issue 12 defect 11).

    python bench/cli_startup.py [--runs 15]

Runs each command in a fresh interpreter RUNS times, next to the baseline `python -c pass`
measured in the same run, and prints best and median wall time and their ratio to the
baseline. `--help` and `version` import no heavy library (tests/test_cli_startup.py);
`versions` opens an empty catalogue, so it shows what a simple command that reads the
database costs. Target: under one second each. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REGCAT = Path(sys.executable).with_name("regcat")


def timings(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "REGCAT_HOME": home, "REGCAT_LANGUAGE": "en"}
        subprocess.run([str(REGCAT), "init"], env=env, check=True, capture_output=True)
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "regcat --help": [str(REGCAT), "--help"],
            "regcat version": [str(REGCAT), "version"],
            "regcat versions": [str(REGCAT), "versions"],
        }
        results = {name: timings(cmd, runs, env) for name, cmd in commands.items()}
    base_best = min(results["python -c pass (baseline)"])
    base_median = statistics.median(results["python -c pass (baseline)"])
    print(f"{runs} runs each; wall time of a fresh process")
    print(f"{'command':28} {'best ms':>8} {'median ms':>10} {'x best':>7} {'x median':>9}")
    for name, seconds in results.items():
        best, median = min(seconds), statistics.median(seconds)
        print(
            f"{name:28} {best * 1000:8.0f} {median * 1000:10.0f} "
            f"{best / base_best:7.1f} {median / base_median:9.1f}"
        )


if __name__ == "__main__":
    main()
