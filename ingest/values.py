"""Turning text fields into dates and numbers, and telling exactly which ones fail.

Fast path: one pyarrow cast of the whole column. Only when it fails is each text
classified, still vectorised: a regular expression for the form, numpy for the calendar.
Nulls (empty fields) stay null and are never a problem here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalogue.domain.enums import DataType

EPOCH = date(1970, 1, 1)
FIRST_DAY = (date(1, 1, 1) - EPOCH).days  # Python's dates, and ours, start in year 1
_DATE_FORM = r"^\d{4}-\d{2}-\d{2}$"
_LONG_FORM = r"^-?\d{1,19}$"
_DOUBLE_FORM = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass
class Parsed:
    values: pa.Array | pa.ChunkedArray  # typed; null where the text was empty or bad
    bad: np.ndarray | None = None  # texts of the wrong form (None: none)
    impossible: np.ndarray | None = None  # dates of the right form that do not exist

    @property
    def ok(self) -> bool:
        return self.bad is None and self.impossible is None


def parse_dates(texts: pa.Array | pa.ChunkedArray) -> Parsed:
    try:
        days = pc.cast(texts, pa.date32())
    except pa.ArrowInvalid:
        return _parse_dates_carefully(texts)
    if days.null_count == len(days) or pc.min(days).cast(pa.int32()).as_py() >= FIRST_DAY:
        return Parsed(days)
    return _parse_dates_carefully(texts)


def _parse_dates_carefully(texts: pa.Array | pa.ChunkedArray) -> Parsed:
    texts = _single(texts)
    present = _present(texts)
    well_formed = _matches(texts, _DATE_FORM)
    shaped = pc.if_else(pa.array(well_formed), texts, pa.scalar("1970-01-01"))
    year, month, day = (
        _to_numpy_int(pc.utf8_slice_codeunits(shaped, first, first + width))
        for first, width in ((0, 4), (5, 2), (8, 2))
    )
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    possible = (year >= 1) & month_ok & (day >= 1) & (day <= last_day)
    good = well_formed & possible
    values = pc.cast(pc.if_else(pa.array(good), texts, pa.scalar(None, pa.string())), pa.date32())
    return Parsed(values, _or_none(present & ~well_formed), _or_none(well_formed & ~possible))


def parse_numbers(texts: pa.Array | pa.ChunkedArray, data_type: DataType) -> Parsed:
    """LONG as int64, DOUBLE as float64 (finite, with a decimal point, never a comma)."""
    arrow_type = pa.int64() if data_type == DataType.LONG else pa.float64()
    form = _LONG_FORM if data_type == DataType.LONG else _DOUBLE_FORM
    try:
        values = pc.cast(texts, arrow_type)
        if data_type == DataType.LONG:
            # pyarrow's cast also reads hexadecimal (0x10); the format has only decimals.
            if not any(pc.any(pc.starts_with(texts, p)).as_py() for p in ("0x", "0X")):
                return Parsed(values)
        elif pc.all(pc.is_finite(values)).as_py() is not False:
            return Parsed(values)
    except pa.ArrowInvalid:
        pass
    texts = _single(texts)
    good = _matches(texts, form)
    try:
        values = pc.cast(
            pc.if_else(pa.array(good), texts, pa.scalar(None, pa.string())), arrow_type
        )
    except pa.ArrowInvalid:  # a long of 19 digits beyond the int64 range: rare, so Python
        good &= np.array([_fits_int64(t) for t in texts.to_pylist()], dtype=bool)
        values = pc.cast(
            pc.if_else(pa.array(good), texts, pa.scalar(None, pa.string())), arrow_type
        )
    if data_type == DataType.DOUBLE:
        finite = pc.fill_null(pc.is_finite(values), True).to_numpy(zero_copy_only=False)
        good &= finite
        values = pc.if_else(pa.array(finite), values, pa.scalar(None, arrow_type))
    return Parsed(values, _or_none(_present(texts) & ~good))


def _fits_int64(text: str | None) -> bool:
    try:
        return text is None or -(2**63) <= int(text) < 2**63
    except ValueError:
        return False


def _single(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    return texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts


def day_numbers(days: pa.Array | pa.ChunkedArray, fill: int) -> np.ndarray:
    """date32 as int32 days since 1970-01-01, nulls replaced by `fill`."""
    return pc.fill_null(days.cast(pa.int32()), fill).to_numpy(zero_copy_only=False)


def to_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def _present(texts: pa.Array) -> np.ndarray:
    return pc.is_valid(texts).to_numpy(zero_copy_only=False)


def _matches(texts: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(texts, pattern), False).to_numpy(
        zero_copy_only=False
    )


def _to_numpy_int(texts: pa.Array) -> np.ndarray:
    return pc.cast(texts, pa.int32()).to_numpy(zero_copy_only=False)


def _or_none(mask: np.ndarray) -> np.ndarray | None:
    return mask if mask.any() else None
