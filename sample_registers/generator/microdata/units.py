"""The units every microdata variable describes: persons (a systematic sample of the
sample registers' population, with the same identity numbers), municipalities, and the
units that belong to persons (jobs, vehicles, courses, metering points, hospital stays,
traffic accidents and the persons in them).

Each unit has an identifier (as text, in its unit type's form), the days it exists
(`first` .. `last`, NEVER when it still does) and the person it belongs to (an index into
`people`, -1 when none). A variable's value for a unit on a day is only written while the
unit exists, so a vehicle is never measured before it is registered and a dead person has
no income. Every kind of unit is built from its own random stream (population.stream), so
adding a kind changes no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sample_registers.generator.dates import NEVER, Array, day
from sample_registers.generator.places import PLACES
from sample_registers.generator.population import EXTRACT_END, Population


@dataclass(frozen=True)
class Units:
    unit_type: str
    ids: np.ndarray  # str, the identifier as the extract writes it
    first: Array  # int64 day numbers
    last: Array  # int64 day numbers, NEVER while it lasts
    person: Array  # int64 index into People, -1 for none
    weight: Array  # float: relative size (inhabitants of a municipality, 1 otherwise)
    related: Array | None = None  # index of a related unit (a person's accident), if any

    @property
    def n(self) -> int:
        return len(self.ids)

    def exists(self, index: Array, when: int) -> Array:
        return (self.first[index] <= when) & (self.last[index] >= when)


class People:
    """The persons of the microdata datastore: every `step`-th person of the population,
    so each has the identity number, sex, birth and death it has in the sample registers."""

    def __init__(self, pop: Population, persons: int) -> None:
        step = max(pop.n // max(persons, 1), 1)
        self.pop = pop
        self.index: Array = np.arange(0, pop.n, step)[:persons]
        self.pid: Array = pop.pid[self.index]
        self.birth: Array = pop.birth[self.index].astype(np.int64)
        self.death: Array = pop.death[self.index].astype(np.int64)
        self.male: Array = pop.male[self.index]
        self.birth_year: Array = pop.birth_year[self.index]

    @property
    def n(self) -> int:
        return len(self.index)

    def age_in(self, year: int) -> Array:
        return year - self.birth_year

    @cached_property
    def units(self) -> Units:
        return Units(
            "PERSON",
            _fnr_text(self.pid),
            self.birth,
            np.where(self.death == NEVER, NEVER, self.death - 1),
            np.arange(self.n),
            np.ones(self.n),
        )


def _fnr_text(pid: Array) -> np.ndarray:
    return np.char.zfill(pid.astype(str), 11)


def municipalities() -> Units:
    """Every municipality code of the sample registers' places, valid while it was in use."""
    ids, first, last, weight = [], [], [], []
    for place in PLACES:
        for code in place.history:
            ids.append(code.code)
            first.append(_day_of(code.valid_from))
            last.append(_day_of(code.valid_until) if code.valid_until else NEVER)
            weight.append(float(place.population))
    return Units(
        "KOMMUNE",
        np.array(ids),
        np.array(first, dtype=np.int64),
        np.array(last, dtype=np.int64),
        np.full(len(ids), -1, dtype=np.int64),
        np.array(weight),
    )


def _day_of(iso: str) -> int:
    y, m, d = (int(p) for p in iso.split("-"))
    return day(y, m, d)


def _owned(
    people: People,
    rng: np.random.Generator,
    counts: Array,
    unit_type: str,
    spans: tuple[Array, Array],
    serial_base: int,
) -> Units:
    """`counts[i]` units for person i, existing over `spans` (first, last) per unit."""
    owner = np.repeat(np.arange(people.n), counts)
    first, last = spans
    serial = (
        serial_base + np.arange(len(owner), dtype=np.int64) * 7 + rng.integers(0, 7, len(owner))
    )
    return Units(unit_type, serial.astype(str), first, last, owner, np.ones(len(owner)))


def _spans(
    rng: np.random.Generator, people: People, owner: Array, min_age: float, years: float
) -> tuple[Array, Array]:
    """A start after the owner turned `min_age` (and from 2000), a stay of about `years`."""
    earliest = np.maximum(people.birth[owner] + int(min_age * 365.25), day(2000))
    latest = np.minimum(people.death[owner], EXTRACT_END)
    start = earliest + (rng.random(len(owner)) * np.maximum(latest - earliest, 1)).astype(np.int64)
    length = (rng.exponential(years * 365.25, len(owner))).astype(np.int64) + 1
    stop = np.minimum(start + length, latest)
    stop = np.where(stop >= EXTRACT_END, NEVER, stop)
    return start, stop


def jobs(people: People) -> Units:
    """Employment relations: most persons of working age hold one to three jobs over the
    years; the job's id is the person's identity number and the employer's organisation
    number (20 digits, the JOBB unit type's form)."""
    rng = people.pop.stream("microdata", "units", "jobs")
    adult = (people.birth_year <= 2008) & (people.birth_year >= 1950)
    counts = np.where(adult, rng.choice([0, 1, 1, 2, 2, 3], people.n), 0)
    owner = np.repeat(np.arange(people.n), counts)
    first, last = _spans(rng, people, owner, 17, 6)
    employer = 900_000_000 + rng.integers(0, 4_000, len(owner)) * 211
    ids = np.char.add(_fnr_text(people.pid[owner]), employer.astype(str))
    return Units("JOBB", ids, first, last, owner, np.ones(len(owner)))


def vehicles(people: People) -> Units:
    rng = people.pop.stream("microdata", "units", "vehicles")
    adult = people.birth_year <= 2006
    counts = np.where(adult, rng.choice([0, 0, 1, 1, 1, 2], people.n), 0)
    owner = np.repeat(np.arange(people.n), counts)
    return _owned(people, rng, counts, "KJORETOY", _spans(rng, people, owner, 18, 9), 10_000_000)


def courses(people: People) -> Units:
    """Enrolments in upper secondary and higher education."""
    rng = people.pop.stream("microdata", "units", "courses")
    young = (people.birth_year >= 1975) & (people.birth_year <= 2008)
    counts = np.where(young, rng.choice([0, 1, 2, 3], people.n), 0)
    owner = np.repeat(np.arange(people.n), counts)
    return _owned(people, rng, counts, "KURS", _spans(rng, people, owner, 16, 1), 20_000_000)


def metering_points(people: People) -> Units:
    rng = people.pop.stream("microdata", "units", "metering")
    counts = np.where((people.birth_year <= 2004) & (rng.random(people.n) < 0.5), 1, 0)
    owner = np.repeat(np.arange(people.n), counts)
    return _owned(people, rng, counts, "MALEPUNKT", _spans(rng, people, owner, 20, 12), 30_000_000)


def hospital_stays(people: People) -> Units:
    """Stays that begin in 2023 (the period NPR's variables cover); more for the old."""
    rng = people.pop.stream("microdata", "units", "stays")
    age = people.age_in(2023)
    rate = np.interp(age, [0, 20, 50, 70, 90], [0.08, 0.05, 0.1, 0.25, 0.45])
    alive = (people.birth < day(2023, 12, 31)) & (people.death > day(2023))
    counts = np.where(alive, rng.poisson(rate), 0)
    owner = np.repeat(np.arange(people.n), counts)
    earliest = np.maximum(people.birth[owner], day(2023))
    latest = np.minimum(people.death[owner], day(2023, 12, 31))
    start = earliest + (rng.random(len(owner)) * (latest - earliest + 1)).astype(np.int64)
    stop = np.minimum(start + rng.geometric(0.3, len(owner)) - 1, day(2023, 12, 31))
    return _owned(people, rng, counts, "BEHANDLINGSOPPHOLD", (start, stop), 40_000_000)


def accidents(people: People) -> tuple[Units, Units]:
    """Traffic accidents (about three a year per thousand persons) and the persons in them:
    one to three each, drawn among the living persons of the year."""
    rng = people.pop.stream("microdata", "units", "accidents")
    count = max(int(people.n * 0.003 * 10), 1)
    when = day(2014) + rng.integers(0, day(2024) - day(2014), count)
    serial = 50_000_000 + np.arange(count, dtype=np.int64) * 3
    accident = Units(
        "TRAFIKKULYKKE", serial.astype(str), when, when, np.full(count, -1), np.ones(count)
    )
    involved = rng.choice([1, 1, 2, 2, 3], count)
    which = np.repeat(np.arange(count), involved)
    person = rng.integers(0, people.n, len(which))
    alive = (people.birth[person] <= when[which]) & (people.death[person] > when[which])
    which, person = which[alive], person[alive]
    serial = 60_000_000 + np.arange(len(which), dtype=np.int64) * 3
    in_accident = Units(
        "PERSON_I_TRAFIKKULYKKE",
        serial.astype(str),
        when[which],
        when[which],
        person,
        np.ones(len(which)),
        which,
    )
    return accident, in_accident
