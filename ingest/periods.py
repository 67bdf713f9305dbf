"""Checks that need every row of a unit at once: a FIXED unit appears once, a STATUS unit
once per date, and the periods of an ACCUMULATED or EVENT unit do not intersect.

A file may not fit in memory, so while it streams by, each row's (unit key, start, stop,
line) goes to one of several spill files, chosen by the low bits of the unit key: all
rows of a unit land in the same file. Each batch's piece of a file is sorted by unit and
start before it is written (while the file streams, when a core has time to spare), so at
the end a file is a few sorted runs that a stable sort merges quickly; the files are
checked two at a time. Unit keys are pseudonyms, so no identifier is written to the spill
files either.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs

from catalogue.domain.enums import Temporality

SPILL_SCHEMA = pa.schema(
    [("unit", pa.int64()), ("start", pa.int32()), ("stop", pa.int32()), ("line", pa.int64())]
)
_ROWS_PER_PARTITION = 160_000  # sorting is fastest when a partition fits the CPU cache
# Every partition keeps a file open while the data streams by; stay well below the usual
# limit of 1024 open files. Beyond 80 M rows partitions grow instead (1 G rows: 2 M rows,
# 48 MiB, each).
_MAX_PARTITIONS = 512


def partitions_for(estimated_rows: int) -> int:
    """A power of two, so a partition is picked by masking the key's low bits."""
    wanted = max(1, -(-estimated_rows // _ROWS_PER_PARTITION))
    return min(_MAX_PARTITIONS, 1 << (wanted - 1).bit_length())


class PeriodSpill:
    """Hash-partitioned Arrow IPC files of (unit, start, stop, line) in `folder`."""

    def __init__(
        self, filesystem: pafs.FileSystem, folder: str, partitions: int, temporality: Temporality
    ) -> None:
        self._fs = filesystem
        self._folder = folder
        self._partitions = partitions
        self._temporality = temporality
        self._writers: dict[int, tuple[pa.NativeFile, pa.ipc.RecordBatchStreamWriter]] = {}
        filesystem.create_dir(folder, recursive=True)

    def _path(self, partition: int) -> str:
        return f"{self._folder}/part-{partition:05d}.arrow"

    def add(self, unit: np.ndarray, start: np.ndarray, stop: np.ndarray, line: np.ndarray) -> None:
        """Spill rows (in line order); each partition's piece goes out sorted by sort_key."""
        columns = [unit, start, stop, line]
        partition = (unit & (self._partitions - 1)).astype(np.uint16)
        by_partition = np.argsort(partition, kind="stable")  # a radix sort for 16-bit keys
        counts = np.bincount(partition, minlength=self._partitions)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        columns = [column[by_partition] for column in columns]  # gathered once, then sliced
        for p in np.flatnonzero(counts).tolist():
            piece = [column[bounds[p] : bounds[p + 1]] for column in columns]
            order = self._line_stable_order(piece)
            self._write(p, [column[order] for column in piece])

    def _line_stable_order(self, piece: list[np.ndarray]) -> np.ndarray:
        return _stable_order(sort_key(piece[0], piece[1], self._temporality))

    def _write(self, partition: int, columns: list[np.ndarray]) -> None:
        if partition not in self._writers:
            sink = self._fs.open_output_stream(self._path(partition))
            self._writers[partition] = (sink, pa.ipc.new_stream(sink, SPILL_SCHEMA))
        batch = pa.record_batch([pa.array(c) for c in columns], schema=SPILL_SCHEMA)
        self._writers[partition][1].write_batch(batch)

    def close(self) -> None:
        """Finish the files; closing again does nothing."""
        for sink, writer in self._writers.values():
            if not sink.closed:
                try:
                    writer.close()
                finally:
                    sink.close()

    def read(self, partition: int) -> dict[str, np.ndarray] | None:
        if partition not in self._writers:
            return None
        with self._fs.open_input_stream(self._path(partition)) as source:
            table = pa.ipc.open_stream(source).read_all()
        return {name: table[name].to_numpy() for name in SPILL_SCHEMA.names}

    def used_partitions(self) -> list[int]:
        return sorted(self._writers)

    def remove(self) -> None:
        try:
            self.close()
        finally:
            self._fs.delete_dir(self._folder)


@dataclass
class Conflicts:
    """Rows in conflict with an earlier row of the same unit. Only the `keep` lowest rows
    are kept with their details; `total` counts them all."""

    code: str
    total: int
    lines: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    other_lines: np.ndarray
    other_starts: np.ndarray
    other_stops: np.ndarray


@dataclass
class UnitCheck:
    units: int
    conflicts: Conflicts


CONFLICT_CODES = {
    Temporality.FIXED: "duplicate-id",
    Temporality.STATUS: "duplicate-status-date",
    Temporality.ACCUMULATED: "overlapping-periods",
    Temporality.EVENT: "overlapping-periods",
}


def check_units(
    spill: PeriodSpill, temporality: Temporality, keep: int, threads: int = 2
) -> UnitCheck:
    def one(partition: int) -> UnitCheck:
        data = spill.read(partition)
        assert data is not None
        return check_partition(data, temporality, keep)

    with ThreadPoolExecutor(max_workers=threads) as pool:  # numpy sorts without the GIL
        results = list(pool.map(one, spill.used_partitions()))
    return _merge(results, CONFLICT_CODES[temporality], keep)


def check_partition(data: dict[str, np.ndarray], temporality: Temporality, keep: int) -> UnitCheck:
    unit, start, stop, line = (data[name] for name in SPILL_SCHEMA.names)
    code = CONFLICT_CODES[temporality]
    n = len(unit)
    if n == 0:
        return UnitCheck(0, _no_conflicts(code))
    order = _by_unit_and_start(unit, start, temporality)
    unit, start, stop, line = unit[order], start[order], stop[order], line[order]
    first_of_unit = np.ones(n, dtype=bool)
    first_of_unit[1:] = unit[1:] != unit[:-1]
    position = np.arange(n)
    if temporality == Temporality.FIXED:
        # Every row after the first of its unit is a duplicate of that first row.
        in_conflict = ~first_of_unit
        other = np.maximum.accumulate(np.where(first_of_unit, position, 0))
    elif temporality == Temporality.STATUS:
        first_of_date = first_of_unit.copy()
        first_of_date[1:] |= start[1:] != start[:-1]
        in_conflict = ~first_of_date
        other = np.maximum.accumulate(np.where(first_of_date, position, 0))
    else:
        in_conflict, other = _intersecting(first_of_unit, start, stop)
    units = int(first_of_unit.sum())
    rows = np.flatnonzero(in_conflict)
    total = len(rows)
    if total > keep:
        rows = np.sort(rows[np.argpartition(line[rows], keep)[:keep]])
    rows = rows[np.argsort(line[rows], kind="stable")]
    partners = other[rows]
    return UnitCheck(
        units,
        Conflicts(
            code,
            total,
            line[rows],
            start[rows],
            stop[rows],
            line[partners],
            start[partners],
            stop[partners],
        ),
    )


_START_BITS = 22  # 0001-01-01 to 9999-12-31 is 3.65 M days, fewer than 2**22
_FIRST_DAY = -719_162  # 0001-01-01 as days since 1970-01-01


def sort_key(unit: np.ndarray, start: np.ndarray, temporality: Temporality) -> np.ndarray:
    """One int64 that orders rows by unit and then start: the unit's top 42 bits with the
    start's 22 bits below them (sorting one key is much faster than sorting two). Two units
    that share their top 42 bits, about one partition in ten thousand, would mix; that is
    checked where the key is used."""
    if temporality == Temporality.FIXED:
        return unit
    return (unit & ~np.int64((1 << _START_BITS) - 1)) | (start.astype(np.int64) - _FIRST_DAY)


def _stable_order(key: np.ndarray) -> np.ndarray:
    """argsort(key, kind="stable"), but by the faster unstable sort when no two keys are
    equal, as in valid data (equal keys are duplicates or overlaps)."""
    order = np.argsort(key)
    ordered = key[order]
    if (ordered[1:] == ordered[:-1]).any():
        return np.argsort(key, kind="stable")
    return order


def _by_unit_and_start(unit: np.ndarray, start: np.ndarray, temporality: Temporality) -> np.ndarray:
    """The order of rows by unit, then start, then line. The spill file holds runs sorted by
    sort_key, written in line order, so a stable sort (a merge of the runs) keeps equal keys
    in line order. If two units share a key prefix, the two keys are sorted after all."""
    key = sort_key(unit, start, temporality)
    order = np.argsort(key, kind="stable")
    if temporality != Temporality.FIXED:
        ordered, units = key[order], unit[order]
        same_prefix = (ordered[1:] >> _START_BITS) == (ordered[:-1] >> _START_BITS)
        if (same_prefix & (units[1:] != units[:-1])).any():
            order = np.lexsort((start, unit))
    return order


def _intersecting(
    first_of_unit: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """With rows sorted by unit and start: row i intersects an earlier period of its unit
    when its start is not after the latest stop so far in that unit (periods include both
    ends). Returns that mask and, per row, the earlier row holding the latest stop.

    The running maximum restarts per unit by putting the unit's ordinal above the stop:
    (ordinal << 32) + stop is monotone across units, so one cumulative max does it."""
    n = len(start)
    ordinal = np.cumsum(first_of_unit, dtype=np.int64)
    key = (ordinal << 32) + (stop.astype(np.int64) - np.iinfo(np.int32).min)
    running = np.maximum.accumulate(key)
    position = np.arange(n)
    holder = np.maximum.accumulate(np.where(key == running, position, 0))
    latest_stop = (running & 0xFFFFFFFF) + np.iinfo(np.int32).min
    in_conflict = np.zeros(n, dtype=bool)
    in_conflict[1:] = ~first_of_unit[1:] & (start[1:] <= latest_stop[:-1])
    other = np.zeros(n, dtype=np.int64)
    other[1:] = holder[:-1]
    return in_conflict, other


def _no_conflicts(code: str) -> Conflicts:
    empty = np.empty(0, dtype=np.int64)
    return Conflicts(code, 0, empty, empty, empty, empty, empty, empty)


def _merge(results: Iterable[UnitCheck], code: str, keep: int) -> UnitCheck:
    results = list(results)
    if not results:
        return UnitCheck(0, _no_conflicts(code))
    parts = [r.conflicts for r in results]
    fields = ("lines", "starts", "stops", "other_lines", "other_starts", "other_stops")
    joined = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
    order = np.argsort(joined["lines"], kind="stable")[:keep]
    return UnitCheck(
        sum(r.units for r in results),
        Conflicts(code, sum(p.total for p in parts), *(joined[f][order] for f in fields)),
    )
