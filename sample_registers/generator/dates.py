"""Dates as int32 day numbers since 1970-01-01, so that whole populations fit in arrays."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

_EPOCH = date(1970, 1, 1).toordinal()

# "Never": the death date of the living, the end of an open spell. The largest int32 keeps
# comparisons such as `death > day` true without special cases.
NEVER = int(np.iinfo(np.int32).max)

DAYS_PER_YEAR = 365.2425


def day(year: int, month: int = 1, dom: int = 1) -> int:
    return date(year, month, dom).toordinal() - _EPOCH


def iso(day_number: int) -> str:
    return date.fromordinal(day_number + _EPOCH).isoformat()


def year_of(days: Array) -> Array:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def ymd(days: Array) -> tuple[Array, Array, Array]:
    as_days = days.astype("datetime64[D]")
    months = as_days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (as_days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


def age_at(birth: Array, when: Array | int) -> Array:
    """Completed years of age on `when` (negative before birth)."""
    by, bm, bd = ymd(birth)
    wy, wm, wd = ymd(np.broadcast_to(np.asarray(when, dtype=np.int64), birth.shape))
    not_yet = (wm < bm) | ((wm == bm) & (wd < bd))
    return wy - by - not_yet.astype(np.int64)


def years_to_days(years: Array) -> Array:
    return np.rint(years * DAYS_PER_YEAR).astype(np.int64)
