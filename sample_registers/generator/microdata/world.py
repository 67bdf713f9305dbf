"""Everything a variable's values may depend on, built once per run: the persons, the units
of every unit type, and the person facts the sample registers already simulate
(education careers, residence, parents), taken from the same Population so that a person
lives where the sample registers say and earns by the same education."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from sample_registers.generator.dates import Array, iso
from sample_registers.generator.education import Careers, careers
from sample_registers.generator.family import Parents, Residence, parents, residence
from sample_registers.generator.metadata import Code
from sample_registers.generator.microdata import units as u
from sample_registers.generator.places import PLACES
from sample_registers.generator.population import Population


class World:
    def __init__(self, pop: Population, persons: int) -> None:
        self.pop = pop
        self.people = u.People(pop, persons)
        self.cache: dict[str, Any] = {}  # facts shared by several variables (incomes per year)

    @cached_property
    def units(self) -> dict[str, u.Units]:
        accidents, in_accidents = u.accidents(self.people)
        found = [
            self.people.units,
            u.municipalities(),
            u.jobs(self.people),
            u.vehicles(self.people),
            u.courses(self.people),
            u.metering_points(self.people),
            u.hospital_stays(self.people),
            accidents,
            in_accidents,
        ]
        return {units.unit_type: units for units in found}

    @cached_property
    def careers(self) -> Careers:
        return careers(self.pop)

    @cached_property
    def residence(self) -> Residence:
        return residence(self.pop)

    @cached_property
    def parents(self) -> Parents:
        return parents(self.pop)

    def municipality_on(self, person: Array, when: Array) -> np.ndarray:
        """The code of the municipality each person (index into people) lives in on `when`."""
        where = self.residence
        years = np.asarray(when).astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        place = where.place[where.place_in(years), self.people.index[person]]
        out = np.empty(len(person), dtype=object)
        for day_number in np.unique(when):
            rows = np.flatnonzero(when == day_number)
            table = np.array([_code_on(p.history, iso(int(day_number))) for p in PLACES])
            out[rows] = table[place[rows]]
        return out.astype(str)


def _code_on(history: tuple[Code, ...], when: str) -> str:
    """The code in use on `when`; before a place's first code, its first code."""
    for c in history:
        if c.valid_from <= when and (c.valid_until is None or when <= c.valid_until):
            return c.code
    return history[0].code if when < history[0].valid_from else history[-1].code
