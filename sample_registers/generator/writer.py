"""CSV and JSON output in microdata.no's extract format, and atomic register folders.

Rows are assembled as byte matrices, one row per line, where the byte 0 means "nothing
here": fields are left-aligned or right-aligned inside fixed-width columns and the zero
padding is dropped when the matrix is flattened. That formats millions of rows with a
handful of numpy operations and no Python loop per row.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from sample_registers.generator.dates import NEVER, Array, day

_TABLE_FIRST = day(1900, 1, 1)
_TABLE_END = day(2031, 1, 1)
# One formatted row per calendar day, plus an all-zero row that stands for "no date".
_DATE_ROWS = np.vstack(
    [
        np.datetime_as_string(np.arange(_TABLE_FIRST, _TABLE_END).astype("datetime64[D]"))
        .astype("S10")
        .view(np.uint8)
        .reshape(-1, 10),
        np.zeros((1, 10), dtype=np.uint8),
    ]
)
_NO_DATE_ROW = len(_DATE_ROWS) - 1
_SEMICOLON = ord(";")
_NEWLINE = ord("\n")


def code_column(codes: Sequence[str], index: Array) -> Array:
    """The code at `index` of `codes`, for every row."""
    table = np.array([c.encode("utf-8") for c in codes])
    width = table.dtype.itemsize
    return table.view(np.uint8).reshape(-1, width)[index]


def date_column(days: Array) -> Array:
    """YYYY-MM-DD for every row; NEVER gives an empty field."""
    days = np.asarray(days, dtype=np.int64)
    rows = days - _TABLE_FIRST
    known = days != NEVER
    if np.any(known & ((rows < 0) | (rows >= _NO_DATE_ROW))):
        raise ValueError("date outside 1900-01-01 .. 2030-12-31")
    return _DATE_ROWS[np.where(known, rows, _NO_DATE_ROW)]


def number_column(values: Array, width: int | None = None) -> Array:
    """Non-negative integers in decimal; zero-padded to `width` digits when it is given."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and values.min() < 0:
        raise ValueError("negative numbers are not written by the generator")
    widest = len(str(int(values.max()))) if values.size else 1
    digits = widest if width is None else width
    powers = 10 ** np.arange(digits - 1, -1, -1, dtype=np.int64)
    matrix = (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)
    if width is None:
        leading = (values[:, None] < powers) & (powers > 1)
        matrix[leading] = 0
    return matrix


def csv_bytes(
    unit: Array, value: Array, start: Array | None = None, stop: Array | None = None
) -> bytes:
    """`unit;value;start;stop;` lines from byte-matrix columns."""
    n = len(unit)
    empty = np.zeros((n, 0), dtype=np.uint8)
    fields = [unit, value, empty if start is None else start, empty if stop is None else stop]
    width = sum(f.shape[1] + 1 for f in fields) + 1
    out = np.zeros((n, width), dtype=np.uint8)
    col = 0
    for f in fields:
        out[:, col : col + f.shape[1]] = f
        col += f.shape[1]
        out[:, col] = _SEMICOLON
        col += 1
    out[:, col] = _NEWLINE
    return out[out != 0].tobytes()


def json_bytes(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class DatasetFiles:
    """`<folder>/<NAME>/<NAME>.json` and `.csv`; the CSV is written in chunks."""

    def __init__(self, register_folder: Path, name: str, metadata: dict[str, Any]) -> None:
        self.folder = register_folder / name
        self.folder.mkdir()
        (self.folder / f"{name}.json").write_bytes(json_bytes(metadata))
        self._csv: BinaryIO = open(self.folder / f"{name}.csv", "wb")  # noqa: SIM115
        self.rows = 0

    def write(
        self, unit: Array, value: Array, start: Array | None = None, stop: Array | None = None
    ) -> None:
        if len(unit):
            self._csv.write(csv_bytes(unit, value, start, stop))
            self.rows += len(unit)

    def write_lines(self, lines: bytes, rows: int) -> None:
        """CSV lines already formatted (the microdata generator joins them in pyarrow)."""
        self._csv.write(lines)
        self.rows += rows

    def close(self) -> None:
        self._csv.close()

    def __enter__(self) -> DatasetFiles:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:  # the register is abandoned; nothing to report
            self._csv.close()


def write_register_atomically(out_dir: Path, register: str, build: Callable[[Path], None]) -> Path:
    """Build the register in a hidden sibling folder and swap it in only when complete, so a
    reader never sees a half-written register and a failed run leaves the old one intact."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / register
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    work = out_dir / f".{register}.tmp-{tag}"
    work.mkdir()
    try:
        build(work)
        if target.exists():
            retired = out_dir / f".{register}.old-{tag}"
            os.rename(target, retired)
            os.rename(work, target)
            shutil.rmtree(retired)
        else:
            os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target
