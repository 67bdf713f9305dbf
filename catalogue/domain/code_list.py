"""A code list is sliced into validity periods; a code appears at most once per period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from catalogue.domain.variable import Code


@dataclass(frozen=True)
class CodeListPeriod:
    valid_from: date
    valid_until: date | None  # inclusive; None is open-ended
    codes: tuple[Code, ...]


def slice_periods(codes: Iterable[Code]) -> list[CodeListPeriod]:
    """Cut the time line at every validFrom and every day after a validUntil, and list the
    codes valid in each slice. Slices in which no code is valid are left out."""
    codes = list(codes)
    cuts: set[date] = set()
    for c in codes:
        cuts.add(c.valid_from)
        if c.valid_until is not None:
            cuts.add(c.valid_until + timedelta(days=1))
    bounds = sorted(cuts)
    periods: list[CodeListPeriod] = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] - timedelta(days=1) if i + 1 < len(bounds) else None
        valid = tuple(sorted((c for c in codes if c.valid_on(start)), key=lambda c: c.code))
        if valid:
            periods.append(CodeListPeriod(start, end, valid))
    return periods


def duplicate_codes_in_a_period(codes: Iterable[Code]) -> list[tuple[str, date]]:
    """(code, first day) for every code listed more than once on the same day."""
    found: list[tuple[str, date]] = []
    for period in slice_periods(codes):
        seen: set[str] = set()
        for c in period.codes:
            if c.code in seen:
                found.append((c.code, period.valid_from))
            seen.add(c.code)
    return found
