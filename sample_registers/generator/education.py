"""Education careers: the highest level each person will reach, when each step is taken,
and the field of study. Shared by the education register and the income model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_registers.generator.dates import Array, age_at
from sample_registers.generator.population import Population

UNKNOWN = 9  # NUS level "Uoppgitt"

# Share of each cohort ending at NUS level 0..8, for three anchor cohorts; cohorts in
# between are interpolated. Younger cohorts are far more educated.
_ANCHOR_COHORTS = (1930, 1960, 1990)
_FINAL_LEVEL_SHARES = np.array(
    [
        [1.0, 3.0, 42.0, 18.0, 22.0, 1.0, 9.5, 3.0, 0.5],
        [0.5, 0.5, 22.0, 14.0, 30.0, 3.0, 20.0, 9.0, 1.0],
        [0.5, 0.5, 15.0, 10.0, 25.0, 4.0, 28.0, 15.0, 2.0],
    ]
)
# Among cohorts born after 1960, women more often take higher education.
_WOMEN_SHIFT = np.array([0, 0, -3.0, -2.0, -3.0, 0, 5.0, 3.0, 0])

# Age (on 1 October) at which a level is completed, before personal delays.
_STEP_AGE = {2: 16, 3: 17, 4: 19, 5: 20, 6: 22, 7: 24, 8: 30}


@dataclass(frozen=True)
class Careers:
    final: Array  # int8: highest level the person will complete, or UNKNOWN
    delay: Array  # int8: years behind schedule in higher education
    vocational_field: Array  # int8: field of upper secondary education
    higher_field: Array  # int8: field of higher education

    def level_on(self, pop: Population, index: Array, when: Array | int) -> Array:
        """Highest completed level of persons `index` on day `when` (NUS level, or UNKNOWN);
        levels never decrease as `when` moves forward."""
        final = self.final[index].astype(np.int64)
        age = age_at(pop.birth[index], when)
        delay = self.delay[index]
        level = np.where(final <= 1, final, 0)
        steps = [(2, 0), (3, 0), (4, 0), (5, 1), (6, 1), (7, 2), (8, 3)]
        for step, delay_factor in steps:
            reached = (final >= step) & (age >= _STEP_AGE[step] + delay_factor * delay)
            if step == 5:
                reached &= final == 5  # level 5 is a dead end, not a step to level 6
            level = np.where(reached & (final != UNKNOWN), step, level)
        return np.where(final == UNKNOWN, UNKNOWN, level)

    def field_on(self, level: Array, index: Array) -> Array:
        """Field of the highest completed education (-1 below upper secondary)."""
        return np.where(
            level >= 6,
            self.higher_field[index],
            np.where(level >= 3, self.vocational_field[index], -1),
        )


def careers(pop: Population) -> Careers:
    return pop.derive("education.careers", _simulate)


# Fields of study: 0 general, 1 humanities and arts, 2 teaching, 3 social science and law,
# 4 business, 5 science and technology, 6 health and welfare, 7 primary industries,
# 8 transport and services, 9 unknown. Weights by sex (men, women).
_VOCATIONAL_FIELDS = np.array(
    [
        [0, 1, 0, 0, 12, 58, 8, 8, 12, 2],
        [0, 3, 0, 0, 25, 10, 42, 4, 14, 2],
    ],
    dtype=float,
)
_GENERAL_UPPER_SECONDARY = 0
_HIGHER_FIELDS = np.array(
    [
        [0, 8, 6, 12, 20, 36, 9, 2, 6, 1],
        [0, 10, 16, 13, 16, 12, 30, 1, 1, 1],
    ],
    dtype=float,
)


def _simulate(pop: Population) -> Careers:
    rng = pop.stream("education", "careers")
    n = pop.n
    female = ~pop.male
    cohort = np.clip(pop.birth_year, _ANCHOR_COHORTS[0], _ANCHOR_COHORTS[-1])
    u = rng.random(n)
    final = np.zeros(n, dtype=np.int8)
    cumulative = np.zeros(n)
    for level in range(8):
        share = np.interp(cohort, _ANCHOR_COHORTS, _FINAL_LEVEL_SHARES[:, level])
        young_women = female & (pop.birth_year > 1960)
        share = share + np.where(young_women, _WOMEN_SHIFT[level], 0.0)
        cumulative += share / 100.0
        final += (u > cumulative).astype(np.int8)
    # Mostly immigrants whose education is not registered.
    final[rng.random(n) < 0.02] = UNKNOWN
    delay = np.minimum(rng.exponential(1.3, n), 8).astype(np.int8)

    def pick_field(weights: Array) -> Array:
        cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        sex = female.astype(np.int64)
        v = rng.random(n)
        field = np.zeros(n, dtype=np.int8)
        for j in range(cdf.shape[1] - 1):
            field += (v > cdf[sex, j]).astype(np.int8)
        return field

    vocational = pick_field(_VOCATIONAL_FIELDS)
    # Those going on to higher education took the general programme.
    vocational[(final >= 6) & (final != UNKNOWN)] = _GENERAL_UPPER_SECONDARY
    higher = pick_field(_HIGHER_FIELDS)
    higher[(final == 8) & (higher == 4)] = 5  # few doctorates in business
    return Careers(final, delay, vocational, higher)
