"""Writing a dataset's rows as Parquet files on any pyarrow file system (docs/ARCHITECTURE.md §4).

STATUS and ACCUMULATED files are partitioned by start year (`start_year=2020/part-00000
.parquet`), FIXED and EVENT are not (`part-00000.parquet`); a part is closed and the next
one begun after `rows_per_file` rows. Rows of a year are buffered until there are enough
for a row group, so a file that jumps between years still gets large row groups; when
more than a row group's worth is buffered in all, the largest buffer is written out. Each file's SHA-256 is computed from the bytes as they are
written, so nothing is read back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to the output folder, '/'-separated
    sha256: str
    size: int
    rows: int


class _HashingSink:
    """A file-like object that forwards to a pyarrow output stream and hashes on the way."""

    def __init__(self, stream: pa.NativeFile) -> None:
        self._stream = stream
        self._sha = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def tell(self) -> int:
        return self.size

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self.closed = True

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


@dataclass
class _Part:
    path: str
    sink: _HashingSink
    writer: pq.ParquetWriter
    rows: int = 0


@dataclass
class _Partition:
    folder: str  # '' or 'start_year=2020/'
    number: int = 0  # of the part being written
    part: _Part | None = None
    pending: list[pa.Table] = field(default_factory=list)
    pending_rows: int = 0


class DatasetWriter:
    def __init__(
        self,
        filesystem: pafs.FileSystem,
        out_dir: str,
        schema: pa.Schema,
        *,
        by_start_year: bool,
        row_group_rows: int,
        rows_per_file: int,
    ) -> None:
        self._fs = filesystem
        self._out_dir = out_dir.rstrip("/")
        self._schema = schema
        self._by_start_year = by_start_year
        self._row_group_rows = max(1, row_group_rows)
        self._rows_per_file = max(self._row_group_rows, rows_per_file)
        self._partitions: dict[str, _Partition] = {}
        self._pending_rows = 0
        self._written: list[WrittenFile] = []
        # Dictionary pages only where values repeat: dates, codes. Pseudonyms and measures
        # are mostly distinct, where trying a dictionary first only costs time.
        self._dictionary_columns = ["start", "stop"] + (
            ["value"] if pa.types.is_dictionary(schema.field("value").type) else []
        )

    def write(self, table: pa.Table) -> None:
        if not self._by_start_year:
            self._buffer("", table)
            return
        years = pc.year(table["start"])
        low, high = pc.min_max(years).values()
        if low == high:
            self._buffer(f"start_year={low.as_py()}/", table)
            return
        order = pc.sort_indices(years)
        table, years_sorted = table.take(order), years.take(order).to_numpy()
        bounds = np.flatnonzero(np.diff(years_sorted)) + 1
        for first, last in zip(
            np.concatenate(([0], bounds)),
            np.concatenate((bounds, [len(years_sorted)])),
            strict=True,
        ):
            self._buffer(f"start_year={years_sorted[first]}/", table.slice(first, last - first))

    def _buffer(self, folder: str, table: pa.Table) -> None:
        partition = self._partitions.setdefault(folder, _Partition(folder))
        partition.pending.append(table)
        partition.pending_rows += table.num_rows
        self._pending_rows += table.num_rows
        if partition.pending_rows >= self._row_group_rows:
            self._flush(partition)
        while self._pending_rows > self._row_group_rows:
            self._flush(max(self._partitions.values(), key=lambda p: p.pending_rows))

    def _flush(self, partition: _Partition) -> None:
        if not partition.pending_rows:
            return
        table = pa.concat_tables(partition.pending)
        self._pending_rows -= partition.pending_rows
        partition.pending, partition.pending_rows = [], 0
        while table.num_rows:
            part = partition.part or self._open(partition)
            room = self._rows_per_file - part.rows
            piece, table = table.slice(0, room), table.slice(room)
            part.writer.write_table(piece, row_group_size=self._row_group_rows)
            part.rows += piece.num_rows
            if part.rows >= self._rows_per_file:
                self._close_part(partition)

    def _open(self, partition: _Partition) -> _Part:
        relative = f"{partition.folder}part-{partition.number:05d}.parquet"
        if partition.folder:
            self._fs.create_dir(f"{self._out_dir}/{partition.folder.rstrip('/')}", recursive=True)
        sink = _HashingSink(self._fs.open_output_stream(f"{self._out_dir}/{relative}"))
        writer = pq.ParquetWriter(
            sink,
            self._schema,
            compression="zstd",
            use_dictionary=self._dictionary_columns,
            write_statistics=True,
        )
        partition.part = _Part(relative, sink, writer)
        return partition.part

    def _close_part(self, partition: _Partition) -> None:
        part = partition.part
        if part is None:
            return
        part.writer.close()
        part.sink.close()
        self._written.append(
            WrittenFile(part.path, part.sink.hexdigest(), part.sink.size, part.rows)
        )
        partition.part = None
        partition.number += 1

    def close(self) -> list[WrittenFile]:
        """Flush and close everything; the files written, in path order."""
        for partition in self._partitions.values():
            self._flush(partition)
            self._close_part(partition)
        return sorted(self._written, key=lambda f: f.path)

    def abort(self) -> None:
        """Close open files without listing them; the caller deletes the output folder."""
        for partition in self._partitions.values():
            if partition.part is not None:
                try:
                    partition.part.writer.close()
                finally:
                    partition.part.sink.close()
                partition.part = None
