"""The variables scripts use most, given values that agree with the sample registers'
simulation rather than the generic rules: sex, birth, death, parents, residence, status,
incomes by age, education and sex, the education level, and the links from jobs, vehicles,
courses, metering points and accident persons to the person they belong to.

A rule gets the rows (unit indices), each row's day and year, and answers the values and
which rows to keep (a person with no known mother has no BEFOLKNING_MOR_FNR row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sample_registers.generator.dates import NEVER, Array, age_at, day, ymd
from sample_registers.generator.education import UNKNOWN
from sample_registers.generator.inntekt import _incomes
from sample_registers.generator.microdata.facts import Variable
from sample_registers.generator.microdata.world import World


@dataclass(frozen=True)
class Rows:
    unit: Array  # index into the variable's units
    when: Array  # day of the row (status date, period start, event start; 0 when FIXED)
    year: Array  # calendar year of the row (0 when FIXED)


Answer = tuple[np.ndarray, Array]  # (values as text, rows to keep)
Rule = Callable[[World, Variable, Rows], Answer]
RULES: dict[str, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for name in names:
            RULES[name] = fn
        return fn

    return register


def _all(rows: Rows) -> Array:
    return np.ones(len(rows.unit), dtype=bool)


def fnr(pid: Array) -> np.ndarray:
    return np.char.zfill(np.asarray(pid).astype(str), 11)


@rule("BEFOLKNING_KJOENN")
def _sex(world: World, var: Variable, rows: Rows) -> Answer:
    return np.where(world.people.male[rows.unit], "1", "2"), _all(rows)


@rule("BEFOLKNING_FOEDSELS_AAR_MND")
def _birth_month(world: World, var: Variable, rows: Rows) -> Answer:
    y, m, _ = ymd(world.people.birth[rows.unit])
    return (y * 100 + m).astype(str), _all(rows)


@rule("BEFOLKNING_DOEDS_DATO")
def _death(world: World, var: Variable, rows: Rows) -> Answer:
    death = world.people.death[rows.unit]
    dead = death != NEVER
    y, m, d = ymd(np.where(dead, death, 0))
    return (y * 10_000 + m * 100 + d).astype(str), dead


def _parent_of(world: World, person: Array, which: str) -> Array:
    """Population index of the person's parent, -1 when not known."""
    parents = world.parents
    table = parents.mother if which == "MOR" else parents.father
    return np.asarray(table[world.people.index[person]])


def _ancestor(world: World, person: Array, path: tuple[str, ...]) -> Array:
    table = {"MOR": world.parents.mother, "FAR": world.parents.father}
    at = world.people.index[person].astype(np.int64)
    for step in path:
        at = np.where(at >= 0, table[step][np.maximum(at, 0)], -1)
    return at


@rule(
    "BEFOLKNING_MOR_FNR",
    "BEFOLKNING_FAR_FNR",
    "BEFOLKNING_MORMOR_FNR",
    "BEFOLKNING_MORFAR_FNR",
    "BEFOLKNING_FARMOR_FNR",
    "BEFOLKNING_FARFAR_FNR",
)
def _parents(world: World, var: Variable, rows: Rows) -> Answer:
    word = var.name.split("_")[1]  # MOR, FAR, MORMOR, ...
    path = tuple(word[i : i + 3] for i in range(0, len(word), 3))
    found = _ancestor(world, rows.unit, path)
    known = found >= 0
    return fnr(world.pop.pid[np.maximum(found, 0)]), known


@rule("BEFOLKNING_EKT_FNR", "BEFOLKNING_SAMB_FNR", "BEFOLKNING_SOESKEN_FNR")
def _relatives(world: World, var: Variable, rows: Rows) -> Answer:
    """A partner (or sibling) of about the same age among the whole population."""
    rng = world.pop.stream("microdata", "relatives", var.name)
    pop = world.pop
    order = np.argsort(pop.birth, kind="stable")
    target = world.people.birth[rows.unit] + rng.normal(0, 900, len(rows.unit)).astype(np.int64)
    at = np.clip(np.searchsorted(pop.birth[order], target), 0, pop.n - 1)
    other = order[at]
    age = np.where(rows.year > 0, rows.year - world.people.birth_year[rows.unit], 40)
    sibling = var.name.endswith("SOESKEN_FNR")
    share = 0.8 if sibling else (0.5 if "EKT" in var.name else 0.18)
    adult = sibling | (age >= 22)
    keep = adult & (rng.random(len(rows.unit)) < share) & (other != world.people.index[rows.unit])
    return fnr(pop.pid[other]), keep


@rule("BEFOLKNING_KOMMNR_FORMELL", "BEFOLKNING_KOMMNR_FAKTISK", "BEFOLKNING_FOEDEKOMMNR")
def _residence(world: World, var: Variable, rows: Rows) -> Answer:
    when = np.where(rows.when > 0, rows.when, day(2016))
    if var.name == "BEFOLKNING_FOEDEKOMMNR":
        keep = world.people.birth_year[rows.unit] >= 2016
        when = np.maximum(world.people.birth[rows.unit], day(2016))
        return world.municipality_on(rows.unit, when), keep
    return world.municipality_on(rows.unit, when), _all(rows)


@rule("BEFOLKNING_STATUSKODE")
def _status(world: World, var: Variable, rows: Rows) -> Answer:
    rng = world.pop.stream("microdata", "status")
    emigrated = rng.random(world.people.n)[rows.unit] < 0.015
    return np.where(emigrated, "3", "1"), _all(rows)


@rule("BEFOLKNING_FODELAND")
def _birth_country(world: World, var: Variable, rows: Rows) -> Answer:
    rng = world.pop.stream("microdata", "birth-country")
    draw = rng.random(world.people.n)[rows.unit]
    codes = [c.code for c in var.codes if c.code != "000"]
    abroad = np.array(codes)[(draw * 1e6).astype(np.int64) % len(codes)]
    return np.where(draw < 0.84, "000", abroad), _all(rows)


# --- incomes: the sample registers' model of wages and total income by age, education and
# sex, and its parts split so that they add up.

_INCOME = (
    "INNTEKT_WLONN",
    "INNTEKT_WSAMINNT",
    "INNTEKT_WYRKINNT",
    "INNTEKT_WNARINNT",
    "INNTEKT_WKAPINNT",
    "INNTEKT_WOVERFOR",
    "INNTEKT_WSKPLOVF",
    "INNTEKT_WSKFROVF",
    "INNTEKT_WSKATOVF",
    "INNTEKT_WIES",
)


@rule(*_INCOME)
def _income(world: World, var: Variable, rows: Rows) -> Answer:
    keep = np.zeros(len(rows.unit), dtype=bool)
    out = np.zeros(len(rows.unit))
    block = rows.unit // INCOME_BLOCK
    for year in np.unique(rows.year):
        for b in np.unique(block[rows.year == year]):
            at = np.flatnonzero((rows.year == year) & (block == b))
            parts, present = _income_parts(world, int(year), int(b))
            local = rows.unit[at] - int(b) * INCOME_BLOCK
            keep[at] = present[local]
            out[at] = parts[var.name][local]
    if var.data_type == "DOUBLE":
        return np.round(out, 2).astype(str), keep
    return np.rint(out).astype(np.int64).astype(str), keep


# Incomes are simulated for blocks of persons, each from its own stream, and only the
# blocks of the chunk being written are kept: memory stays flat for millions of persons.
INCOME_BLOCK = 200_000


def _income_parts(world: World, year: int, block: int) -> tuple[dict[str, Array], Array]:
    key = (year, block)
    kept: dict[tuple[int, int], tuple[dict[str, Array], Array]] = world.cache.setdefault(
        "income", {}
    )
    if key not in kept:
        if any(b != block for _, b in kept):
            kept.clear()  # a new chunk of persons: the last one's incomes are not needed again
        kept[key] = _simulate_incomes(world, year, block)
    return kept[key]


def _simulate_incomes(world: World, year: int, block: int) -> tuple[dict[str, Array], Array]:
    """The sample registers' wage and total income for the block's persons in `year`, and
    the parts they are made of (business, capital, transfers, taxes), adding up."""
    people = world.people
    index = people.index[block * INCOME_BLOCK : (block + 1) * INCOME_BLOCK]
    n = len(index)
    rng = world.pop.stream("microdata", "incomes", str(year), str(block))
    wage, has_wage, total, has_total = _incomes(
        rng, world.pop, world.careers, index, np.array([year])
    )
    wage, total = wage[:, 0].astype(float), total[:, 0].astype(float)
    other = total - wage
    business = np.where(rng.random(n) < 0.07, np.exp(rng.normal(11.5, 1.0, n)), 0)
    capital = other * rng.uniform(0.05, 0.4, n)
    transfers = other - capital
    taxable = transfers * 0.85
    parts = {
        "INNTEKT_WLONN": wage,
        "INNTEKT_WNARINNT": business,
        "INNTEKT_WYRKINNT": wage + business,
        "INNTEKT_WKAPINNT": capital,
        "INNTEKT_WOVERFOR": transfers,
        "INNTEKT_WSKPLOVF": taxable,
        "INNTEKT_WSKFROVF": transfers - taxable,
        "INNTEKT_WSAMINNT": total + business,
        "INNTEKT_WSKATOVF": (total + business) * 0.26,
        "INNTEKT_WIES": (total + business) * 0.74,
    }
    return parts, (has_wage | has_total)[:, 0]


@rule("NUDB_BU")
def _education(world: World, var: Variable, rows: Rows) -> Answer:
    """A NUS code (six digits, the first the level) of the highest completed education."""
    person = world.people.index[rows.unit]
    level = world.careers.level_on(world.pop, person, rows.when)
    field = world.careers.field_on(level, person)
    known = (level != UNKNOWN) & (level >= 1)
    code = level.astype(np.int64) * 100_000 + np.maximum(field, 0).astype(np.int64) * 10_000 + 1199
    return code.astype(str), known


# --- links from other units to their person


@rule(
    "ARBEIDSFORHOLD_PERSON",
    "NUDB_KURS_FNR",
    "KJORETOY_KJORETOYID_FNR",
    "TRAFULYK_PERS_FNR",
    "ELHUB_PERS_MALEPUNKTID_FNR",
)
def _owner(world: World, var: Variable, rows: Rows) -> Answer:
    units = world.units[var.unit_type]
    return fnr(world.people.pid[units.person[rows.unit]]), _all(rows)


@rule("TRAFULYK_PERS_TRAFULYK")
def _accident(world: World, var: Variable, rows: Rows) -> Answer:
    persons = world.units["PERSON_I_TRAFIKKULYKKE"]
    assert persons.related is not None
    return world.units["TRAFIKKULYKKE"].ids[persons.related[rows.unit]], _all(rows)


@rule("TRAFULYK_PERS_ALDER")
def _age_in_accident(world: World, var: Variable, rows: Rows) -> Answer:
    units = world.units[var.unit_type]
    person = units.person[rows.unit]
    return age_at(world.people.birth[person], units.first[rows.unit]).astype(str), _all(rows)


@rule("ARBLONN_ARB_START", "INNDATO")
def _first_day(world: World, var: Variable, rows: Rows) -> Answer:
    return _iso(world.units[var.unit_type].first[rows.unit]), _all(rows)


@rule("ARBLONN_ARB_SLUTT", "UTDATO")
def _last_day(world: World, var: Variable, rows: Rows) -> Answer:
    last = world.units[var.unit_type].last[rows.unit]
    return _iso(np.where(last == NEVER, 0, last)), last != NEVER


def _iso(days: Array) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"))
