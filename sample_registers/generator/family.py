"""Who is whose child, and where people live: facts shared by several registers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_registers.generator.dates import Array, age_at, years_to_days
from sample_registers.generator.places import CITY_PULL, PLACES
from sample_registers.generator.population import Population, surviving_share

# Residence is simulated on 1 January of each of these years; the residence register
# publishes some of them, the patient register looks up the others.
RESIDENCE_YEARS = tuple(range(2016, 2026))


@dataclass(frozen=True)
class Parents:
    mother: Array  # person index, -1 when not in the population
    father: Array


@dataclass(frozen=True)
class Residence:
    place: Array  # (years, persons): index into PLACES
    unknown: Array  # (years, persons): the register does not know where the person lives

    def place_in(self, year: Array | int) -> Array:
        """Row of RESIDENCE_YEARS for a calendar year (clamped to the simulated years)."""
        return np.clip(np.asarray(year) - RESIDENCE_YEARS[0], 0, len(RESIDENCE_YEARS) - 1)


def parents(pop: Population) -> Parents:
    return pop.derive("family.parents", _simulate_parents)


def residence(pop: Population) -> Residence:
    return pop.derive("family.residence", _simulate_residence)


def _born_near(rng: np.random.Generator, sorted_birth: Array, target: Array) -> Array:
    """Position in `sorted_birth` of someone born within a year of `target`, everyone in
    that window equally likely (so nobody collects the children of a sparse stretch)."""
    lo = np.searchsorted(sorted_birth, target - 365)
    hi = np.searchsorted(sorted_birth, target + 365)
    pos = lo + (rng.random(len(target)) * (hi - lo)).astype(np.int64)
    # An empty window falls back to the nearest person; the age checks catch bad matches.
    return np.clip(pos, 0, len(sorted_birth) - 1)


def _count_near(sorted_birth: Array, target: Array) -> Array:
    return np.searchsorted(sorted_birth, target + 365) - np.searchsorted(sorted_birth, target - 365)


def _simulate_parents(pop: Population) -> Parents:
    rng = pop.stream("family", "parents")
    n = pop.n
    birth = pop.birth.astype(np.int64)
    none = np.full(n, -1, dtype=np.int64)
    women = np.flatnonzero(~pop.male)
    men = np.flatnonzero(pop.male)
    if len(women) == 0:
        return Parents(none, none.copy())
    women = women[np.argsort(birth[women], kind="stable")]
    men = men[np.argsort(birth[men], kind="stable")]

    # Each woman has one partner, a man a couple of years older, who fathers her
    # children, so siblings share both parents.
    partner = none.copy()
    if len(men):
        wanted = birth[women] - years_to_days(rng.normal(3.5, 3.0, len(women)))
        # Where women outnumber men (old cohorts), some partners are no longer alive.
        men_near = _count_near(birth[men], wanted)
        women_near = np.maximum(_count_near(np.sort(wanted), wanted), 1)
        paired = np.flatnonzero(rng.random(len(women)) < men_near / women_near)
        # The remaining women and the men now have about the same age distribution, so
        # pairing them by rank keeps the age gap and gives most men one partner.
        rank = np.empty(len(paired), dtype=np.int64)
        rank[np.argsort(wanted[paired], kind="stable")] = np.arange(len(paired))
        partner[women[paired]] = men[rank * len(men) // max(len(paired), 1)]

    # Persons born abroad (or before the register recorded parents) have none.
    recorded = (pop.birth_year >= 1960) & (rng.random(n) < 0.93)
    mean_age = np.interp(pop.birth_year, [1960, 1980, 2000, 2024], [25.5, 27.0, 29.5, 31.5])
    age = np.clip(rng.normal(mean_age, 5.0), 18.2, 44.8)
    mother = women[_born_near(rng, birth[women], birth - years_to_days(age))]
    mother_age = age_at(birth[mother], birth)
    # Mothers from cohorts that have mostly died out are found only that often; otherwise
    # their few surviving members would each get the children of a whole cohort.
    in_population = rng.random(n) < surviving_share(pop.birth_year[mother])
    mother_ok = (
        recorded
        & in_population
        & (mother_age >= 18)
        & (mother_age <= 45)
        & (pop.death[mother] > birth)
    )
    mother = np.where(mother_ok, mother, -1)

    father = np.where(mother >= 0, partner[np.maximum(mother, 0)], -1)
    father_age = age_at(birth[np.maximum(father, 0)], birth)
    father_ok = (
        (mother >= 0)
        & (father >= 0)
        & (rng.random(n) < 0.92)
        & (father_age >= 18)
        & (father_age <= 45)
        & (pop.death[np.maximum(father, 0)] > birth)
    )
    father = np.where(father_ok, father, -1)
    return Parents(mother, father)


def _simulate_residence(pop: Population) -> Residence:
    rng = pop.stream("family", "residence")
    n = pop.n
    weights = np.array([p.population for p in PLACES], dtype=float)
    pull = np.array([CITY_PULL.get(p.history[0].code, 1.0) for p in PLACES])
    base = weights / weights.sum()
    young = weights * pull / (weights * pull).sum()

    years = len(RESIDENCE_YEARS)
    place = np.empty((years, n), dtype=np.int16)
    place[0] = rng.choice(len(PLACES), size=n, p=base)
    for k in range(1, years):
        age = RESIDENCE_YEARS[k] - pop.birth_year
        in_twenties = (age >= 19) & (age <= 32)
        moves = rng.random(n) < np.where(in_twenties, 0.09, 0.025)
        new = np.where(
            in_twenties,
            rng.choice(len(PLACES), size=n, p=young),
            rng.choice(len(PLACES), size=n, p=base),
        )
        place[k] = np.where(moves, new, place[k - 1])

    # Most children live with their mother.
    mother = parents(pop).mother
    with_mother = np.flatnonzero((mother >= 0) & (rng.random(n) < 0.95))
    for k, year in enumerate(RESIDENCE_YEARS):
        minors = with_mother[(year - pop.birth_year[with_mother]) < 18]
        place[k, minors] = place[k, mother[minors]]

    unknown = np.empty((years, n), dtype=bool)
    for k in range(years):
        unknown[k] = rng.random(n) < 0.001
    return Residence(place, unknown)
