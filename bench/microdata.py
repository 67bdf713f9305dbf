"""How long the microdata.no-shaped datastore takes to generate, for a population size.

    python bench/microdata.py [--persons 5500000] [--all]

Builds the population and times writing a sample of variables that covers every way rows
are made (FIXED, STATUS, ACCUMULATED and EVENT; the special rules for sex, residence,
incomes and education; a generic code list, a generic amount; a job variable), then
extrapolates to all 732 variables by rows: the whole catalogue writes about
ROWS_PER_PERSON rows per person (measured on 20,000 persons, `--all` measures it anew).
Prints seconds, rows, rows/s and the estimate. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from sample_registers.generator.microdata import generate_microdata  # noqa: E402

SAMPLE = (
    "BEFOLKNING_KJOENN",
    "BEFOLKNING_KOMMNR_FORMELL",
    "INNTEKT_WLONN",
    "NUDB_BU",
    "ARBSTATUS_AKT_DAGP",
    "SKATT_BANKINNSKUDD",
    "ARBLONN_LONN_FAST",
    "ARBLONN_ARB_ANSETTELSESFORM",
)
ROWS_PER_PERSON = 1049  # 20,972,920 rows for 20,000 persons, all variables, 5 years


def rows_in(folder: Path) -> int:
    count = 0
    for csv in folder.rglob("*.csv"):
        with open(csv, "rb") as f:
            count += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=5_500_000)
    parser.add_argument("--all", action="store_true", help="every variable, not the sample")
    args = parser.parse_args()
    names = None if args.all else SAMPLE
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        written = generate_microdata(
            Path(tmp), persons=args.persons, population=args.persons, names=names
        )
        seconds = time.perf_counter() - started
        rows = sum(rows_in(folder) for folder in written.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"persons {args.persons:,}  variables {'all' if names is None else len(names)}")
    print(f"seconds {seconds:.1f}  rows {rows:,}  rows/s {rows / seconds:,.0f}  peak {peak} MB")
    if names is not None:
        estimate = ROWS_PER_PERSON * args.persons / (rows / seconds)
        print(f"all 732 variables, estimated by rows at this rate: {estimate / 60:,.0f} min")


if __name__ == "__main__":
    main()
