"""Ingest throughput against plain pyarrow, on a generated ACCUMULATED extract.

    python bench/ingest.py [--rows 10000000] [--batch-rows 1000000]

Generates yearly incomes (ROWS/8 persons × 8 years, rows shuffled) as a microdata.no
extract in a temporary folder, then times, each in a fresh child process:

  (a) plain: pyarrow's streaming CSV reader straight into a zstd ParquetWriter, no checks;
  (b) regcat: convert_dataset with every check, pseudonyms and start-year partitions.

Each side runs --repeat times, alternating, and its fastest run counts (other processes on
the machine only ever slow a run down). Prints rows/s of both, the throughput ratio (b)/(a)
(target >= 0.6), CPU seconds, and each child's peak resident memory (target for (b) < 1 GiB).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# This file is called ingest.py too: run as a script, its folder would shadow the package.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from sample_registers.generator.identifiers import synthetic_person_ids  # noqa: E402

NAME = "INNTEKT_BENCH"
YEARS = 8
FIRST_YEAR = 2015

METADATA = {
    "shortName": NAME,
    "temporalityType": "ACCUMULATED",
    "sensitivityLevel": "PERSON_GENERAL",
    "populationDescription": [{"languageCode": "nb", "value": "Bosatte personer"}],
    "identifierVariables": [{"unitType": "PERSON"}],
    "measureVariables": [
        {
            "name": [{"languageCode": "nb", "value": "Lønnsinntekt"}],
            "description": [{"languageCode": "nb", "value": "Årlig lønnsinntekt i kroner"}],
            "dataType": "LONG",
            "valueDomain": {"description": [{"languageCode": "nb", "value": "Kroner"}]},
        }
    ],
}


def generate(folder: Path, rows: int) -> Path:
    """NAME/NAME.json and NAME/NAME.csv with `rows` rows in random order."""
    rng = np.random.default_rng(2024)
    persons = max(1, rows // YEARS)
    # Distinct synthetic fødselsnummer (valid control digits, as PERSON's rule requires),
    # born over a century in random order.
    births = rng.integers(-25_000, 11_000, size=persons).astype("datetime64[D]")
    ids = synthetic_person_ids(births, rng.random(persons) < 0.5)
    person = np.repeat(ids, YEARS)[:rows]
    year = np.tile(np.arange(FIRST_YEAR, FIRST_YEAR + YEARS), persons)[:rows]
    order = rng.permutation(len(person))
    person, year = person[order], year[order]
    income = rng.integers(0, 2_000_000, size=len(person))
    year_text = pc.cast(pa.array(year), pa.string())
    table = pa.table(
        {
            "unit_id": pc.utf8_lpad(pc.cast(pa.array(person), pa.string()), 11, "0"),
            "value": pc.cast(pa.array(income), pa.string()),
            "start": pc.binary_join_element_wise(year_text, "-01-01", ""),
            "stop": pc.binary_join_element_wise(year_text, "-12-31", ""),
            "attribute": pa.nulls(len(person), pa.string()),
        }
    )
    dataset = folder / NAME
    dataset.mkdir(parents=True)
    (dataset / f"{NAME}.json").write_text(json.dumps(METADATA), encoding="utf-8")
    csv_path = dataset / f"{NAME}.csv"
    options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
    pacsv.write_csv(table, csv_path, write_options=options)
    return dataset


def cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up() -> None:
    """One-off costs of a fresh process that are not conversion work: pyarrow imports
    pandas (when installed, ~0.25 s) the first time it converts to or from Python or
    numpy objects. Both sides pay them before the clock starts."""
    pa.array([0]).to_numpy()


def run_plain(dataset: Path, out: Path, batch_rows: int) -> dict[str, float]:
    import pyarrow.parquet as pq

    from ingest.csv_reader import bytes_per_line, chunk_bytes_for

    csv_path = dataset / f"{NAME}.csv"
    block = chunk_bytes_for(bytes_per_line(csv_path), batch_rows)
    names = ["unit_id", "value", "start", "stop", "attribute"]
    types = {
        "unit_id": pa.string(),
        "value": pa.int64(),
        "start": pa.date32(),
        "stop": pa.date32(),
        "attribute": pa.string(),
    }
    warm_up()
    began, cpu_before = time.perf_counter(), cpu_seconds()
    reader = pacsv.open_csv(
        csv_path,
        read_options=pacsv.ReadOptions(column_names=names, block_size=block),
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types=types, include_columns=names[:4]),
    )
    rows = 0
    with pq.ParquetWriter(out / "plain.parquet", reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return {
        "seconds": time.perf_counter() - began,
        "rows": rows,
        "peak_mib": peak_rss_mib(),
        "cpu": cpu_seconds() - cpu_before,
    }


def run_regcat(dataset: Path, out: Path, batch_rows: int) -> dict[str, float]:
    import pyarrow.fs as pafs

    from ingest import convert_dataset, create_key_file, load_keys, load_unit_types, read_extract

    unit_types = load_unit_types(ROOT / "catalogue" / "unit_types")
    create_key_file(out / "key")
    keys = load_keys(out / "key")
    warm_up()
    began, cpu_before = time.perf_counter(), cpu_seconds()
    extract = read_extract(dataset, unit_types)
    source = extract.datasets[0]
    assert source.metadata is not None, extract.report.render("en")
    result = convert_dataset(
        source,
        source.metadata,
        unit_types,
        keys,
        pafs.LocalFileSystem(),
        str(out / "regcat"),
        version_label="0.0.0.1",
        batch_rows=batch_rows,
    )
    seconds = time.perf_counter() - began
    assert result.ok, "\n".join(result.report.render("en"))
    return {
        "seconds": seconds,
        "rows": result.row_count,
        "peak_mib": peak_rss_mib(),
        "cpu": cpu_seconds() - cpu_before,
        "files": len(result.files),
        "units": result.unit_count,
    }


def in_child(kind: str, dataset: Path, out: Path, batch_rows: int) -> dict[str, float]:
    """Run one side in a fresh interpreter so each peak memory is its own."""
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        str(dataset),
        str(out),
        "--batch-rows",
        str(batch_rows),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DATASET", "OUT"), help="internal")
    args = parser.parse_args()
    if args.child:
        kind, dataset, out = args.child
        run = run_plain if kind == "plain" else run_regcat
        print(json.dumps(run(Path(dataset), Path(out), args.batch_rows)))
        return
    with tempfile.TemporaryDirectory(prefix="regcat-bench-") as temp:
        folder = Path(temp)
        began = time.perf_counter()
        dataset = generate(folder / "extract", args.rows)
        size = (dataset / f"{NAME}.csv").stat().st_size
        print(
            f"extract: {args.rows:,} rows, {size / 2**20:,.0f} MiB "
            f"(generated in {time.perf_counter() - began:.1f} s)"
        )
        runs: dict[str, list[dict[str, float]]] = {"plain": [], "regcat": []}
        for attempt in range(args.repeat):
            for kind in runs:
                out = folder / f"{kind}-{attempt}"
                runs[kind].append(in_child(kind, dataset, out, args.batch_rows))
                subprocess.run(["rm", "-rf", str(out)], check=True)
    plain, regcat = (min(runs[kind], key=lambda r: r["seconds"]) for kind in ("plain", "regcat"))
    for label, kind, run in (
        ("(a) plain pyarrow", "plain", plain),
        ("(b) regcat ingest", "regcat", regcat),
    ):
        rate = run["rows"] / run["seconds"]
        all_seconds = ", ".join(f"{r['seconds']:.2f}" for r in runs[kind])
        print(
            f"{label:20s} {run['seconds']:7.2f} s {rate / 1e6:6.2f} M rows/s "
            f"cpu {run['cpu']:5.1f} s  peak {run['peak_mib']:5.0f} MiB   (runs: {all_seconds})"
        )
    ratio = (regcat["rows"] / regcat["seconds"]) / (plain["rows"] / plain["seconds"])
    print(
        f"throughput ratio (b)/(a): {ratio:.2f} (target >= 0.6); "
        f"peak (b) {regcat['peak_mib']:.0f} MiB (target < 1024)"
    )


if __name__ == "__main__":
    main()
