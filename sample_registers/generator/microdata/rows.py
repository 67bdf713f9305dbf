"""Which rows a variable has, by temporality, and their values.

- FIXED: one row per unit that has the variable (no dates).
- STATUS: one row per unit existing on each status date: the day of the year the
  variable's period starts on (1 January for most), in each covered year.
- ACCUMULATED: one row per unit and calendar year, the year cut to the variable's period.
- EVENT: at most one event per unit and year, inside the year and the unit's life, lasting
  days to months; the last year's may still be open (no stop date). Events of a unit
  therefore never overlap.

Units are handled in chunks of CHUNK, so memory stays flat however many persons there
are; the chunk loop is the streaming the CSV writer relies on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np

from sample_registers.generator.dates import NEVER, Array, day
from sample_registers.generator.microdata import values as v
from sample_registers.generator.microdata.facts import Variable
from sample_registers.generator.microdata.special import INCOME_BLOCK, RULES, Rows, fnr
from sample_registers.generator.microdata.world import World

CHUNK = INCOME_BLOCK  # a chunk of persons is one block of simulated incomes

# Persons below this age have no income, job or benefit rows; these families of variables
# describe children too.
ADULT_AGE = 16
_ALL_AGES = ("BEFOLKNING", "NUDB", "BARNEVERN", "BARNETRMOTFDT", "BOSATTEFDT", "NPRID")


@dataclass(frozen=True)
class Batch:
    """Rows of one chunk: unit identifiers, values and dates as text ('' when none)."""

    unit: np.ndarray
    value: np.ndarray
    start: np.ndarray
    stop: np.ndarray


def batches(world: World, var: Variable, most_years: int) -> Iterator[Batch]:
    units = world.units[var.unit_type]
    rng = world.pop.stream("microdata", "values", var.name)
    coverage = _coverage(var)
    for first in range(0, max(units.n, 1), CHUNK):
        index = np.arange(first, min(first + CHUNK, units.n))
        covered = rng.random(len(index)) < coverage
        level = rng.random(len(index))
        if var.temporality == "FIXED":
            yield _batch(world, var, rng, index[covered], level[covered], 0, 0, 0)
            continue
        for year in var.years(most_years):
            redraw = rng.random(len(index)) < 0.2
            level = np.where(redraw, rng.random(len(index)), level)
            start, stop = _window(var, year)
            if var.temporality == "STATUS":
                on = start
                alive = units.exists(index, on)
            else:
                alive = (units.first[index] <= stop) & (units.last[index] >= start)
            keep = covered & alive & _old_enough(world, var, index, year)
            if var.temporality == "EVENT":
                keep &= rng.random(len(index)) < _event_share(var)
            rows, lv = index[keep], level[keep]
            if var.temporality == "STATUS":
                yield _batch(world, var, rng, rows, lv, year, on, on)
            elif var.temporality == "ACCUMULATED":
                yield _batch(world, var, rng, rows, lv, year, start, stop)
            else:
                lo = np.maximum(units.first[rows], start)
                hi = np.minimum(units.last[rows], stop)
                begin = lo + (rng.random(len(rows)) * (hi - lo + 1)).astype(np.int64)
                end = np.minimum(begin + rng.geometric(1 / 60, len(rows)) - 1, hi)
                last_year = year == var.years(most_years)[-1]
                still = last_year & (rng.random(len(rows)) < 0.1)
                yield _batch(world, var, rng, rows, lv, year, begin, np.where(still, NEVER, end))


def _batch(
    world: World,
    var: Variable,
    rng: np.random.Generator,
    rows: Array,
    level: Array,
    year: int,
    start: Array | int,
    stop: Array | int,
) -> Batch:
    n = len(rows)
    starts = np.broadcast_to(np.asarray(start, dtype=np.int64), (n,))
    stops = np.broadcast_to(np.asarray(stop, dtype=np.int64), (n,))
    value, keep = _values(world, var, rng, Rows(rows, starts, np.full(n, year)), level)
    units = world.units[var.unit_type]
    dated = var.temporality != "FIXED"
    return Batch(
        units.ids[rows][keep],
        value[keep],
        _iso(starts[keep]) if dated else np.full(int(keep.sum()), ""),
        _iso(stops[keep]) if dated else np.full(int(keep.sum()), ""),
    )


def _values(
    world: World, var: Variable, rng: np.random.Generator, rows: Rows, level: Array
) -> tuple[np.ndarray, Array]:
    everyone = np.ones(len(rows.unit), dtype=bool)
    if var.name in RULES:
        return RULES[var.name](world, var, rows)
    if var.link == "PERSON":
        other = (level * world.pop.n).astype(np.int64)
        return fnr(world.pop.pid[other]), everyone
    if var.codes:
        return v.coded(rng, var, level), everyone
    if var.data_type == "DATE":
        when = np.where(rows.unit >= 0, rows.when, 0)
        when = np.where(when > 0, when, day(2010)) + (level * 300).astype(np.int64)
        return _iso(when), everyone
    if var.data_type == "STRING":
        return _text(world, var, rows, level), everyone
    units = world.units[var.unit_type]
    return v.number(rng, var, level, units.weight[rows.unit], rows.year), everyone


def _text(world: World, var: Variable, rows: Rows, level: Array) -> np.ndarray:
    if "tid" in var.value_type:
        return v.clock(level)
    if "KOMM" in var.name:  # a municipality: where the unit's person lives, else any
        units = world.units[var.unit_type]
        when = np.where(rows.when > 0, rows.when, day(2016))
        owner = rows.unit if var.unit_type == "PERSON" else units.person[rows.unit]
        if (owner >= 0).all():
            return world.municipality_on(owner, when)
        kommune = world.units["KOMMUNE"]
        pick = np.searchsorted(np.cumsum(kommune.weight) / kommune.weight.sum(), level)
        return kommune.ids[np.minimum(pick, kommune.n - 1)]
    return v.text(var, level)


def _coverage(var: Variable) -> float:
    """Share of the units that have the variable at all."""
    if var.unit_type == "KOMMUNE":
        return 1.0
    if var.unit_type != "PERSON":
        return v.share(var.name, 0.85, 1.0)
    if var.name.startswith("BEFOLKNING"):  # everyone has a sex and a birth
        return 1.0 if var.temporality == "FIXED" else v.share(var.name, 0.9, 1.0)
    return v.share(var.name, 0.35, 0.95)


def _event_share(var: Variable) -> float:
    return v.share(var.name, 0.05, 0.3) if var.unit_type == "PERSON" else 0.7


def _old_enough(world: World, var: Variable, index: Array, year: int) -> Array:
    if var.unit_type != "PERSON" or var.name.startswith(_ALL_AGES):
        return np.ones(len(index), dtype=bool)
    return world.people.age_in(year)[index] >= ADULT_AGE


def _window(var: Variable, year: int) -> tuple[int, int]:
    """The variable's period cut to the calendar year: (first day, last day); STATUS uses
    the first as its status date (the period's own day of the year)."""
    first, last = var.period()
    if var.temporality == "STATUS":
        on = date(year, first.month, min(first.day, 28))
        on = min(max(on, first), last)
        return _day(on), _day(on)
    start = max(first, date(year, 1, 1))
    stop = min(last, date(year, 12, 31))
    return _day(start), _day(max(stop, start))


def _day(when: date) -> int:
    return day(when.year, when.month, when.day)


def _iso(days: Array) -> np.ndarray:
    # Each distinct day written once: a STATUS or ACCUMULATED batch has one or two days
    # for all its rows, and numpy's datetime_as_string was a sixth of the generator's time.
    distinct, where = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    text = np.datetime_as_string(distinct.astype("datetime64[D]"))
    result: np.ndarray = np.where(distinct == NEVER, "", text)[where.reshape(-1)]
    return result
