"""The simulated persons every register describes: birth, sex, death and identity number.

Everything else about a person (residence, education, cancer, ...) is derived by the
register modules through `Population.derive`, each from its own random stream, so any
subset of registers sees the same persons and the same derived facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from sample_registers.generator.dates import NEVER, Array, day, year_of
from sample_registers.generator.identifiers import synthetic_person_ids
from sample_registers.generator.streams import stream

FIRST_BIRTH_YEAR = 1925
LAST_BIRTH_YEAR = 2024
FIRST_DEATH_YEAR = 2016
LAST_DEATH_YEAR = 2025
# Nothing in the samples happens after this day: it is the extract date.
EXTRACT_END = day(2025, 12, 31)

CHUNK = 200_000

# Relative cohort sizes by age on 1 January 2016, after emigration and deaths before 2016:
# the shape of Norway's population pyramid (large cohorts born in the 1940s and 1960s).
_PYRAMID_AGE = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 88, 91]
_PYRAMID_SIZE = [
    0.96,
    1.0,
    1.0,
    1.0,
    1.07,
    1.16,
    1.13,
    1.12,
    1.15,
    1.2,
    1.13,
    1.03,
    0.96,
    0.93,
    0.8,
    0.55,
    0.4,
    0.28,
    0.18,
    0.1,
]
# Births 2016-2024 relative to the same scale: fertility has been falling.
_RECENT_BIRTHS = [0.95, 0.92, 0.9, 0.89, 0.87, 0.9, 0.83, 0.8, 0.82]

T = TypeVar("T")


def _cohort_weights() -> Array:
    years = np.arange(FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR + 1)
    age_2016 = 2015.5 - years
    weights = np.interp(age_2016, _PYRAMID_AGE, _PYRAMID_SIZE)
    weights[years >= 2016] = _RECENT_BIRTHS
    return weights / weights.sum()


def surviving_share(birth_year: Array) -> Array:
    """Rough share of a cohort still in the population in 2016: old cohorts have lost
    most of their members, so they are thinly represented as parents."""
    return np.clip(np.interp(2015.5 - birth_year, _PYRAMID_AGE, _PYRAMID_SIZE), 0.0, 1.0)


def _annual_death_risk(age: Array, male: Array) -> Array:
    # Gompertz: mortality doubles about every seven years of age; men die earlier.
    risk = np.exp(-10.9 + 0.098 * age) * np.where(male, 1.3, 0.8)
    return np.minimum(risk, 0.6)


class Population:
    """Persons in id order: index i is the person with the i-th smallest identity number."""

    def __init__(self, persons: int, seed: int) -> None:
        if persons < 1:
            raise ValueError("persons must be at least 1")
        self.seed = seed
        rng = stream(seed, "population", "core")
        years = FIRST_BIRTH_YEAR + rng.choice(
            LAST_BIRTH_YEAR - FIRST_BIRTH_YEAR + 1, size=persons, p=_cohort_weights()
        )
        first_day = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        length = np.where(years % 4 == 0, 366, 365)  # every fourth year is leap in 1925-2024
        birth = (first_day + (rng.random(persons) * length).astype(np.int64)).astype(np.int32)

        # Women outlive men, so the old cohorts are mostly women.
        age_2016 = 2016 - years
        p_male = np.interp(age_2016, [0, 55, 91], [0.513, 0.505, 0.36])
        male = rng.random(persons) < p_male
        death = self._simulate_deaths(rng, birth, male)

        ids = synthetic_person_ids(birth, male)
        order = np.argsort(ids, kind="stable")
        self.pid: Array = ids[order]
        self.birth: Array = birth[order]
        self.male: Array = male[order]
        self.death: Array = death[order]
        self.birth_year: Array = year_of(self.birth)
        self._derived: dict[str, Any] = {}

    @staticmethod
    def _simulate_deaths(rng: np.random.Generator, birth: Array, male: Array) -> Array:
        death = np.full(len(birth), NEVER, dtype=np.int32)
        birth_year = year_of(birth)
        for year in range(FIRST_DEATH_YEAR, LAST_DEATH_YEAR + 1):
            start, end = day(year), day(year + 1)
            at_risk = (death == NEVER) & (birth < end)
            # Those born during the year are at risk only for the rest of it.
            exposure = np.clip((end - np.maximum(birth, start)) / (end - start), 0.0, 1.0)
            p = _annual_death_risk(year - birth_year, male) * exposure
            dies = at_risk & (rng.random(len(birth)) < p)
            first = np.minimum(np.maximum(birth[dies].astype(np.int64) + 1, start), end - 1)
            death[dies] = first + (rng.random(int(dies.sum())) * (end - first)).astype(np.int64)
        return death

    @property
    def n(self) -> int:
        return len(self.pid)

    def stream(self, *names: str) -> np.random.Generator:
        return stream(self.seed, *names)

    def derive(self, key: str, compute: Callable[[Population], T]) -> T:
        """A derived fact, computed once per population from its own stream."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        result: T = self._derived[key]
        return result

    def chunks(self) -> Iterator[slice]:
        for start in range(0, self.n, CHUNK):
            yield slice(start, min(start + CHUNK, self.n))

    def alive_on(self, when: int, part: slice = slice(None)) -> Array:
        """Born on or before `when` and not dead by then (for the persons in `part`)."""
        return (self.birth[part] <= when) & (self.death[part] > when)
