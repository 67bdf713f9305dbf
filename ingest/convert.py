"""convert_dataset: one dataset's CSV → validated, pseudonymised Parquet files and a report.

The file streams through in batches: a reader thread parses and checks the next batches
while the main thread gives the current one its pseudonyms, and two more threads spill and
compress the previous one, so memory stays bounded by a few batches whatever the file
size. The whole-file checks run at the end over the spill files (ingest.periods). Once the
data has an error, nothing more is written; the caller deletes `out_dir` of a failed
conversion.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs

from catalogue.domain.enums import Temporality
from catalogue.domain.register import UnitType
from catalogue.domain.variable import VariableMetadata
from ingest.checks import OPEN, CheckedBatch, check_batch
from ingest.csv_reader import bytes_per_line, chunk_bytes_for, read_batches
from ingest.extract import DatasetSource
from ingest.id_cache import CachedPseudonyms
from ingest.messages import OPEN_END, Both
from ingest.parquet_writer import DatasetWriter, WrittenFile
from ingest.periods import Conflicts, PeriodSpill, check_units, partitions_for
from ingest.pipeline import SerialWorker, in_background
from ingest.plan import DatasetPlan
from ingest.pseudonym import PseudonymKeys
from ingest.report import Report
from ingest.values import to_date

Progress = Callable[[int, int], None]
_STOP_AFTER = 10  # stop reading after this many times max_problems errors
_PARTS_PER_FILE = 16  # a Parquet file holds up to this many batches of rows


@dataclass
class ConversionResult:
    ok: bool
    report: Report
    files: list[WrittenFile] = field(default_factory=list)
    row_count: int = 0
    unit_count: int = 0
    start_min: date | None = None
    stop_max: date | None = None
    value_counts: dict[str, int] | None = None  # rows per code, for enumerated values


def convert_dataset(
    source: DatasetSource,
    metadata: VariableMetadata,
    unit_types: Mapping[str, UnitType],
    keys: PseudonymKeys,
    filesystem: pafs.FileSystem,
    out_dir: str,
    *,
    version_label: str,
    batch_rows: int = 1_000_000,
    max_problems: int = 50,
    progress: Progress | None = None,
) -> ConversionResult:
    """Check `source`'s data file against `metadata` and write it as Parquet under `out_dir`
    (a fresh folder on `filesystem`), with pseudonyms from `keys`.

    Problems are collected in the result's report, never raised; when there is any
    error, ok is False and `files` is empty, and `out_dir` may hold partial files the
    caller deletes. Temporary spill files live in `out_dir/_spill` on local disk (in a
    private local temporary folder for other file systems) and are always removed.
    `progress(bytes_read, total_bytes)` is called after each batch of about `batch_rows`
    rows; a Parquet row group holds up to `batch_rows` rows and a file 16 times that."""
    report = Report(max_problems)
    try:
        plan = DatasetPlan.of(metadata, unit_types, version_label)
    except KeyError as unknown:
        report.record(
            "unknown-unit-type",
            source.json_path.name,
            None,
            "identifierVariables.0.unitType"
            if unknown.args[0] == metadata.unit_type
            else "measureVariables.0.unitType",
            unit_type=unknown.args[0],
            known=", ".join(sorted(unit_types)) or "-",
        )
        return ConversionResult(False, report)
    if not source.csv_path.is_file():
        report.record("missing-file", source.csv_path.name, expected=source.csv_path.name)
        return ConversionResult(False, report)
    if _is_empty(source):
        report.record("empty-file", source.csv_path.name)
        return ConversionResult(False, report)
    out_dir = out_dir.rstrip("/")
    filesystem.create_dir(out_dir, recursive=True)
    run = _Conversion(source, plan, keys, filesystem, out_dir, report, batch_rows)
    return run.execute(progress)


def _is_empty(source: DatasetSource) -> bool:
    with open(source.csv_path, "rb") as f:
        return f.read(4) in (b"", b"\xef\xbb\xbf")


class _Conversion:
    def __init__(
        self,
        source: DatasetSource,
        plan: DatasetPlan,
        keys: PseudonymKeys,
        filesystem: pafs.FileSystem,
        out_dir: str,
        report: Report,
        batch_rows: int,
    ) -> None:
        self.source, self.plan, self.report = source, plan, report
        self.csv_name = source.csv_path.name
        self.total_bytes = source.csv_path.stat().st_size
        per_line = bytes_per_line(source.csv_path)
        self.chunk_bytes = chunk_bytes_for(per_line, batch_rows)
        self.units = CachedPseudonyms(keys.hasher(plan.unit_type.name))
        self.value_ids: CachedPseudonyms | None = None
        if plan.value_unit_type is not None and plan.value_unit_type.requires_pseudonymization:
            self.value_ids = CachedPseudonyms(keys.hasher(plan.value_unit_type.name))
        self.writer = DatasetWriter(
            filesystem,
            out_dir,
            plan.schema,
            by_start_year=plan.by_start_year,
            row_group_rows=batch_rows,
            rows_per_file=_PARTS_PER_FILE * batch_rows,
        )
        spill_fs, spill_dir = _spill_place(filesystem, out_dir)
        partitions = partitions_for(int(self.total_bytes / per_line))
        self.spill = PeriodSpill(spill_fs, spill_dir, partitions, plan.temporality)
        self.stats = _Stats(plan)

    def execute(self, progress: Progress | None) -> ConversionResult:
        # Spilling and writing Parquet each have a thread, with one batch waiting at most.
        spilling, writing = SerialWorker(depth=1), SerialWorker(depth=1)
        files: list[WrittenFile] = []
        try:
            # Reading and checking run in a thread of their own up to two batches ahead,
            # so they go on while the first batches, full of new identifiers, are hashed.
            batches = read_batches(self.source.csv_path, self.chunk_bytes)
            checked = (check_batch(raw, self.plan) for raw in batches)
            with contextlib.closing(in_background(checked, depth=2)) as stream:
                for batch in stream:
                    self._take(batch, spilling, writing)
                    if progress is not None:
                        progress(batch.bytes_done, self.total_bytes)
                    if self.report.total_errors >= _STOP_AFTER * self.report.max_problems:
                        self.report.stopped_after_row = batch.last_line
                        break
            spilling.close()
            writing.close()
            self.spill.close()
            self._check_units()
            if self.report.ok:
                files = self.writer.close()
        finally:
            spilling.close_quietly()  # all no-ops after a normal close
            writing.close_quietly()
            self.writer.abort()
            self.spill.remove()
        return self.stats.result(self.report, files)

    def _take(self, batch: CheckedBatch, spilling: SerialWorker, writing: SerialWorker) -> None:
        """Report the batch's problems, give it pseudonyms, queue its rows for writing."""
        self._record(batch)
        unit_keys = self.units.of_grouped(batch.unit_groups)
        spilling.submit(
            functools.partial(
                self.spill.add,
                *_sound(batch, unit_keys, batch.start_days, batch.stop_days, batch.all_lines()),
            )
        )
        self.stats.add(batch)
        if self.report.ok:
            writing.submit(functools.partial(self.writer.write, self._output(batch, unit_keys)))

    def _output(self, batch: CheckedBatch, unit_keys: np.ndarray) -> pa.Table:
        if self.plan.unit_type.requires_pseudonymization:
            unit_id: Any = pa.array(unit_keys, pa.int64())
        else:
            assert batch.unit_ids is not None
            unit_id = batch.unit_ids
        value = batch.value
        if self.value_ids is not None:
            assert batch.value_groups is not None
            value = pa.array(self.value_ids.of_grouped(batch.value_groups), pa.int64())
        return pa.Table.from_arrays(
            [unit_id, value, batch.start, batch.stop], schema=self.plan.schema
        )

    def _record(self, batch: CheckedBatch) -> None:
        for found in batch.line_problems:
            self.report.record_rows(found.code, self.csv_name, None, found.lines, found.params)
        for problem in batch.problems:
            self.report.record_rows(
                problem.code,
                self.csv_name,
                problem.column,
                batch.lines.of(problem.rows),
                problem.params,
            )

    def _check_units(self) -> None:
        check = check_units(self.spill, self.plan.temporality, keep=self.report.max_problems)
        self.stats.unit_count = check.units
        conflicts = check.conflicts
        column = "unit_id" if conflicts.code == "duplicate-id" else "start"
        self.report.record_rows(
            conflicts.code,
            self.csv_name,
            column,
            conflicts.lines,
            functools.partial(_conflict_params, conflicts),
        )
        # Only the first max_problems conflicts keep their details; the rest are counted.
        self.report.count(conflicts.code, conflicts.total - len(conflicts.lines))


def _sound(batch: CheckedBatch, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """The columns at the rows whose unit and period are sound: as they are (no copy) when
    every row is, as in valid data."""
    if batch.period_rows.all():
        return columns
    return tuple(column[batch.period_rows] for column in columns)


def _conflict_params(conflicts: Conflicts, k: int) -> dict[str, Any]:
    return {
        "start": _day(conflicts.starts[k]),
        "stop": _day(conflicts.stops[k]),
        "other_row": int(conflicts.other_lines[k]),
        "other_start": _day(conflicts.other_starts[k]),
        "other_stop": _day(conflicts.other_stops[k]),
    }


def _day(day: int) -> str | Both:
    return OPEN_END if day == OPEN else to_date(int(day)).isoformat()


def _spill_place(filesystem: pafs.FileSystem, out_dir: str) -> tuple[pafs.FileSystem, str]:
    """Spill next to the output when it is on local disk (so deleting out_dir cleans up
    after a crash); for object storage, a private local temporary folder instead."""
    base = filesystem.base_fs if isinstance(filesystem, pafs.SubTreeFileSystem) else filesystem
    if isinstance(base, pafs.LocalFileSystem):
        return filesystem, f"{out_dir}/_spill"
    return pafs.LocalFileSystem(), tempfile.mkdtemp(prefix="regcat-spill-")


class _Stats:
    def __init__(self, plan: DatasetPlan) -> None:
        self.plan = plan
        self.rows = 0
        self.unit_count = 0
        self.start_min: int | None = None
        self.stop_max: int | None = None
        self.code_counts: np.ndarray | None = None

    def add(self, batch: CheckedBatch) -> None:
        self.rows += batch.num_rows
        if batch.code_counts is not None:
            self.code_counts = (
                batch.code_counts
                if self.code_counts is None
                else self.code_counts + batch.code_counts
            )
        if self.plan.temporality == Temporality.FIXED:
            return
        starts, stops = _sound(batch, batch.start_days, batch.stop_days)
        if not len(starts):
            return
        first = int(starts.min())
        self.start_min = first if self.start_min is None else min(self.start_min, first)
        if self.plan.temporality == Temporality.EVENT:
            stops = stops[stops != OPEN]
        if len(stops):
            last = int(stops.max())
            self.stop_max = last if self.stop_max is None else max(self.stop_max, last)

    def result(self, report: Report, files: list[WrittenFile]) -> ConversionResult:
        counts = None
        if self.plan.codes is not None:
            names = self.plan.codes.dictionary.to_pylist()
            found = self.code_counts if self.code_counts is not None else np.zeros(len(names))
            counts = {name: int(n) for name, n in zip(names, found, strict=True) if n}
        return ConversionResult(
            ok=report.ok,
            report=report,
            files=files,
            row_count=self.rows,
            unit_count=self.unit_count,
            start_min=None if self.start_min is None else to_date(self.start_min),
            stop_max=None if self.stop_max is None else to_date(self.stop_max),
            value_counts=counts,
        )
