"""Reading NAME.csv in chunks of whole lines, every row tied to its line number.

The file is read in chunks of roughly `chunk_bytes`, cut after a line break, so a chunk
holds whole lines and the line number of its first line is known. pyarrow parses a chunk
(on all cores). When pyarrow's rows correspond one-to-one to the chunk's lines (the normal
case), row i is line first_line + i and nothing else is done. Otherwise, or when the chunk
is not UTF-8, a careful pass finds the offending lines with numpy (empty lines, wrong
number of fields, bytes that are not UTF-8, stray CR), reports each with its line number,
and parses the remaining lines.

Fields stay text here (pyarrow's typed CSV conversion is laxer than the format: it trims
spaces and reads 0x10 as 16), empty fields become nulls. Memory is bounded by the chunk
size.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

COLUMNS = ("unit_id", "value", "start", "stop", "attribute")
DATA_COLUMNS = COLUMNS[:4]  # the attribute column is not used by regcat and not kept
_BOM = b"\xef\xbb\xbf"
_NEWLINE, _CR, _QUOTE, _SEMICOLON = 10, 13, 34, 59
_COUNT_STEP = 1 << 20


@dataclass
class LineProblems:
    """One kind of structural problem on some lines, with per-line numbers for the message."""

    code: str
    lines: np.ndarray  # line numbers in the file, ascending
    details: dict[str, np.ndarray] = field(default_factory=dict)

    def params(self, k: int) -> dict[str, int]:
        return {name: int(values[k]) for name, values in self.details.items()}


@dataclass(frozen=True)
class LineMap:
    """The line number of each row of a chunk's table."""

    first_line: int
    kept: np.ndarray | None = None  # chunk-relative line index of each row, if lines were dropped

    def of(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        return self.first_line + (rows if self.kept is None else self.kept[rows])


@dataclass
class RawBatch:
    table: pa.Table  # DATA_COLUMNS as strings; an empty field is null
    lines: LineMap
    problems: list[LineProblems]
    bytes_done: int  # bytes of the file consumed up to and including this chunk
    last_line: int  # line number of the chunk's last line


def bytes_per_line(path: Path) -> float:
    """The average line length of the file's first 64 KiB."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    return max(1.0, len(head) / max(1, head.count(b"\n")))


def chunk_bytes_for(per_line: float, batch_rows: int) -> int:
    """Bytes per chunk so a chunk holds about `batch_rows` lines; at most 256 MiB."""
    return int(min(max(batch_rows * per_line, 256), 1 << 28))


@dataclass(frozen=True)
class _Chunk:
    """Whole lines of the file: data[start:end], not copied out of the read buffer."""

    data: bytes | bytearray
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start

    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(self.data).slice(self.start, self.size)

    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.uint8, count=self.size, offset=self.start)

    def ends_with_newline(self) -> bool:
        return self.data[self.end - 1] == _NEWLINE

    def line_count(self) -> int:
        data, breaks = self.array(), 0
        for first in range(0, len(data), _COUNT_STEP):  # small steps: no big temporaries
            breaks += int(np.count_nonzero(data[first : first + _COUNT_STEP] == _NEWLINE))
        return breaks + (0 if self.ends_with_newline() else 1)

    def piece(self, first: int, last: int) -> bytes:
        """Bytes first:last, counted from the chunk's start."""
        return bytes(self.data[self.start + first : self.start + last])


def read_batches(path: Path, chunk_bytes: int) -> Iterator[RawBatch]:
    """The file as RawBatches; an empty file gives none. One buffer is filled again for
    every chunk (pyarrow copies what it parses out of it), so reading a large file does
    not allocate fresh memory chunk after chunk."""
    first_line, offset, carried = 1, 0, 0  # carried: bytes of a partial line kept in front
    with open(path, "rb", buffering=0) as f:
        # No bigger than the file (and a byte, so that a file that fits is read as one
        # chunk that is not full, as a bigger buffer reads it): a small file's buffer of a
        # whole chunk (30 MB at a million rows) was zeroed and scanned for ASCII for
        # nothing, per dataset (732 datasets of a few KB in tests/conftest.py's microdata).
        buffer = bytearray(min(chunk_bytes, os.fstat(f.fileno()).st_size + 1))
        while True:
            size = carried + _fill(f, buffer, carried)
            if size == 0:
                return
            full = size == len(buffer)
            end = buffer.rfind(b"\n", 0, size) + 1 if full else size
            if end == 0:  # one line longer than the buffer: make room and read on
                buffer, carried = buffer + bytearray(len(buffer)), size
                continue
            start = len(_BOM) if offset == 0 and buffer.startswith(_BOM) else 0
            if end > start:
                chunk = _Chunk(buffer, start, end)
                batch = parse_chunk(chunk, first_line, offset + start, offset + end)
                first_line = batch.last_line + 1
                yield batch
            offset += end
            carried = size - end
            buffer[:carried] = buffer[end:size]


def _fill(f: io.FileIO, buffer: bytearray, at: int) -> int:
    """Read into buffer[at:] until it is full or the file ends; the bytes read."""
    view = memoryview(buffer)
    got = 0
    try:
        while at + got < len(buffer):
            n = f.readinto(view[at + got :])
            if not n:
                break
            got += n
    finally:
        view.release()
    return got


def parse_chunk(chunk: _Chunk, first_line: int, file_offset: int, bytes_done: int) -> RawBatch:
    line_count = chunk.line_count()
    last_line = first_line + line_count - 1
    table = _read_whole_chunk(chunk, line_count)
    if table is not None:
        return RawBatch(table, LineMap(first_line), [], bytes_done, last_line)
    return _read_carefully(chunk, first_line, file_offset, bytes_done, last_line)


def _read_whole_chunk(chunk: _Chunk, line_count: int) -> pa.Table | None:
    """pyarrow's reading of the chunk, or None when its rows might not be the chunk's lines
    one-to-one (it skipped or merged lines), the chunk is not UTF-8, or a row is blank
    (pyarrow reads an empty line as a row of empty fields)."""
    if not _is_utf8(chunk):
        return None
    skipped = 0

    def skip(_row: object) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    try:
        table = _pyarrow_read(chunk.buffer(), skip)
    except pa.ArrowInvalid:
        return None
    if skipped or table.num_rows != line_count or table["unit_id"].null_count:
        return None
    return table


def _pyarrow_read(data: pa.Buffer, on_invalid_row: object = None) -> pa.Table:
    return pacsv.read_csv(
        data,
        read_options=pacsv.ReadOptions(column_names=list(COLUMNS), use_threads=True),
        parse_options=pacsv.ParseOptions(
            delimiter=";",
            newlines_in_values=False,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in COLUMNS},
            include_columns=list(DATA_COLUMNS),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            check_utf8=False,  # checked for the whole chunk at once by _is_utf8
        ),
    )


def _is_utf8(chunk: _Chunk) -> bool:
    if chunk.data.isascii():  # the whole buffer: true for most files, and cheap to ask
        return True
    offsets = pa.py_buffer(np.array([0, chunk.size], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, chunk.buffer()])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _read_carefully(
    chunk: _Chunk, first_line: int, file_offset: int, bytes_done: int, last_line: int
) -> RawBatch:
    lines = _LineIndex(chunk)
    problems: list[LineProblems] = []
    bad = np.zeros(lines.count, dtype=bool)

    def found(code: str, where: np.ndarray, **details: np.ndarray) -> None:
        where = np.asarray(where, dtype=np.int64)
        fresh = ~bad[where]  # one problem per line: the first found
        if fresh.any():
            problems.append(
                LineProblems(
                    code,
                    first_line + where[fresh],
                    {k: np.asarray(v)[fresh] for k, v in details.items()},
                )
            )
            bad[where] = True

    found("empty-line", np.flatnonzero(lines.ends == lines.starts))
    undecodable, details = _not_utf8(lines, file_offset)
    found("not-utf8", undecodable, **details)
    found("stray-carriage-return", lines.containing(_CR))
    wrong, counts = _wrong_field_counts(lines, bad)
    found("wrong-column-count", wrong, found=counts)
    good = np.flatnonzero(~bad)
    table = _read_lines(chunk, lines, good)
    kept = None if len(good) == lines.count else good
    problems.sort(key=_first_line)
    return RawBatch(table, LineMap(first_line, kept), problems, bytes_done, last_line)


def _first_line(problems: LineProblems) -> int:
    return int(problems.lines[0])


class _LineIndex:
    """Where each line of a chunk starts and ends (without its CR LF), found with numpy."""

    def __init__(self, chunk: _Chunk) -> None:
        self.chunk = chunk
        self.data = chunk.array()
        breaks = np.flatnonzero(self.data == _NEWLINE)
        self.starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
        self.ends = np.concatenate((breaks, [chunk.size])).astype(np.int64)
        if chunk.ends_with_newline():  # nothing after the final line break
            self.starts, self.ends = self.starts[:-1], self.ends[:-1]
        before_end = self.data[np.maximum(self.ends - 1, 0)]
        self.ends = self.ends - ((self.ends > self.starts) & (before_end == _CR))
        self.count = len(self.starts)

    def of_positions(self, positions: np.ndarray) -> np.ndarray:
        """The line index of each byte position."""
        return np.searchsorted(self.starts, positions, side="right") - 1

    def containing(self, byte: int) -> np.ndarray:
        """Lines with `byte` inside them (before the stripped line end)."""
        positions = np.flatnonzero(self.data == byte)
        line = self.of_positions(positions)
        return np.unique(line[positions < self.ends[line]])

    def text(self, line: int) -> bytes:
        return self.chunk.piece(int(self.starts[line]), int(self.ends[line]))


def _not_utf8(lines: _LineIndex, file_offset: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Lines that do not decode, with the first bad byte: its value, its offset in the line
    and in the file. Only lines with bytes >= 0x80 can be wrong, so only those are decoded."""
    candidates = np.unique(lines.of_positions(np.flatnonzero(lines.data >= 0x80)))
    where, value, in_line, in_file = [], [], [], []
    for line in candidates.tolist():
        raw = lines.text(line)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            where.append(line)
            value.append(raw[e.start])
            in_line.append(e.start)
            in_file.append(file_offset + int(lines.starts[line]) + e.start)
    details = {"byte": value, "line_offset": in_line, "file_offset": in_file}
    return np.array(where, dtype=np.int64), {
        name: np.array(numbers, dtype=np.int64) for name, numbers in details.items()
    }


def _wrong_field_counts(lines: _LineIndex, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lines (not yet bad) without exactly five fields, and their field counts. Without
    quotes a field count is the number of semicolons plus one; lines with quotes are split
    by Python's csv module, which reads quotes the way pyarrow does."""
    semicolons = np.flatnonzero(lines.data == _SEMICOLON)
    counts = np.searchsorted(semicolons, lines.ends) - np.searchsorted(semicolons, lines.starts) + 1
    for line in lines.containing(_QUOTE).tolist():
        if not bad[line]:
            counts[line] = len(next(csv.reader([lines.text(line).decode()], delimiter=";")))
    wrong = np.flatnonzero((counts != len(COLUMNS)) & ~bad)
    return wrong, counts[wrong]


def _read_lines(chunk: _Chunk, lines: _LineIndex, good: np.ndarray) -> pa.Table:
    """The good lines of a chunk as a table: the runs of consecutive good lines are joined
    and handed to pyarrow; if pyarrow still disagrees, Python's csv module reads them."""
    if not len(good):
        return pa.table({name: pa.array([], pa.string()) for name in DATA_COLUMNS})
    run_starts = np.flatnonzero(np.diff(good, prepend=-2) != 1)
    run_ends = np.append(run_starts[1:], len(good)) - 1
    pieces = []
    for first, last in zip(good[run_starts].tolist(), good[run_ends].tolist(), strict=True):
        pieces.append(chunk.piece(int(lines.starts[first]), int(lines.ends[last])))
    cleaned = b"\n".join(pieces) + b"\n"
    try:
        table = _pyarrow_read(pa.py_buffer(cleaned))
        if table.num_rows == len(good):
            return table
    except pa.ArrowInvalid:
        pass
    return _python_read([lines.text(i).decode() for i in good.tolist()])


def _python_read(texts: list[str]) -> pa.Table:
    rows = [next(csv.reader([text], delimiter=";")) for text in texts]
    columns = {}
    for i, name in enumerate(DATA_COLUMNS):
        column = pa.array([r[i] for r in rows], pa.string())
        columns[name] = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    return pa.table(columns)
