"""Cancer cases of the simulated persons, 1953-2024: who, when, where in the body.

Shared by the Cancer Registry (which describes the cases) and the patient register (where
cancer patients show up in hospital)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_registers.generator.dates import DAYS_PER_YEAR, Array, age_at, day, year_of
from sample_registers.generator.population import Population

FIRST_DIAGNOSIS = day(1953, 1, 1)
LAST_DIAGNOSIS = day(2024, 12, 31)

# ICD-10 site, bokmål title, English title, and relative frequency among
# men 0-39, 40-59, 60-79, 80+ and women 0-39, 40-59, 60-79, 80+ (roughly as in Norway).
SITES: tuple[tuple[str, str, str, tuple[float, ...]], ...] = (
    (
        "C15",
        "Ondartet svulst i spiserør",
        "Malignant neoplasm of oesophagus",
        (0.2, 1.2, 1.6, 1.4, 0.1, 0.4, 0.6, 0.8),
    ),
    (
        "C16",
        "Ondartet svulst i magesekk",
        "Malignant neoplasm of stomach",
        (0.8, 1.5, 2.0, 2.6, 0.6, 1.0, 1.3, 2.0),
    ),
    (
        "C18",
        "Ondartet svulst i tykktarm",
        "Malignant neoplasm of colon",
        (2.0, 6.0, 9.0, 12.0, 2.5, 6.5, 11.0, 15.0),
    ),
    (
        "C19",
        "Ondartet svulst i overgangen mellom sigmoideum og endetarm",
        "Malignant neoplasm of rectosigmoid junction",
        (0.2, 0.6, 0.8, 0.8, 0.2, 0.5, 0.7, 0.8),
    ),
    (
        "C20",
        "Ondartet svulst i endetarm",
        "Malignant neoplasm of rectum",
        (1.5, 4.5, 4.5, 4.0, 1.2, 3.0, 3.5, 3.5),
    ),
    (
        "C22",
        "Ondartet svulst i lever og intrahepatiske galleganger",
        "Malignant neoplasm of liver and intrahepatic bile ducts",
        (0.5, 1.0, 1.2, 1.0, 0.3, 0.5, 0.8, 0.9),
    ),
    (
        "C25",
        "Ondartet svulst i bukspyttkjertel",
        "Malignant neoplasm of pancreas",
        (0.5, 2.0, 3.0, 3.5, 0.4, 1.8, 3.2, 4.0),
    ),
    (
        "C32",
        "Ondartet svulst i strupehode",
        "Malignant neoplasm of larynx",
        (0.2, 0.8, 0.8, 0.6, 0.05, 0.2, 0.2, 0.1),
    ),
    (
        "C34",
        "Ondartet svulst i bronkie og lunge",
        "Malignant neoplasm of bronchus and lung",
        (1.0, 8.0, 11.0, 9.0, 1.5, 9.0, 12.0, 8.0),
    ),
    (
        "C43",
        "Ondartet melanom i hud",
        "Malignant melanoma of skin",
        (15.0, 11.0, 8.0, 6.0, 18.0, 11.0, 7.0, 5.0),
    ),
    (
        "C50",
        "Ondartet svulst i bryst",
        "Malignant neoplasm of breast",
        (0.05, 0.3, 0.3, 0.4, 22.0, 40.0, 22.0, 13.0),
    ),
    (
        "C53",
        "Ondartet svulst i livmorhals",
        "Malignant neoplasm of cervix uteri",
        (0, 0, 0, 0, 15.0, 3.0, 1.2, 0.8),
    ),
    (
        "C54",
        "Ondartet svulst i livmorlegeme",
        "Malignant neoplasm of corpus uteri",
        (0, 0, 0, 0, 1.0, 5.5, 6.5, 3.5),
    ),
    (
        "C56",
        "Ondartet svulst i eggstokk",
        "Malignant neoplasm of ovary",
        (0, 0, 0, 0, 3.0, 3.5, 3.0, 2.5),
    ),
    (
        "C61",
        "Ondartet svulst i blærehalskjertel (prostata)",
        "Malignant neoplasm of prostate",
        (0, 18.0, 35.0, 28.0, 0, 0, 0, 0),
    ),
    (
        "C62",
        "Ondartet svulst i testikkel",
        "Malignant neoplasm of testis",
        (22.0, 1.5, 0.1, 0.05, 0, 0, 0, 0),
    ),
    (
        "C64",
        "Ondartet svulst i nyre, unntatt nyrebekken",
        "Malignant neoplasm of kidney, except renal pelvis",
        (1.5, 3.5, 3.2, 2.0, 1.0, 2.0, 2.0, 1.5),
    ),
    (
        "C67",
        "Ondartet svulst i urinblære",
        "Malignant neoplasm of bladder",
        (1.0, 4.5, 7.5, 9.0, 0.5, 1.5, 2.5, 3.5),
    ),
    (
        "C71",
        "Ondartet svulst i hjerne",
        "Malignant neoplasm of brain",
        (10.0, 3.0, 1.8, 0.8, 7.0, 2.5, 1.6, 0.8),
    ),
    (
        "C73",
        "Ondartet svulst i skjoldbruskkjertel",
        "Malignant neoplasm of thyroid gland",
        (4.0, 1.2, 0.6, 0.4, 12.0, 3.0, 1.0, 0.6),
    ),
    ("C81", "Hodgkins lymfom", "Hodgkin lymphoma", (12.0, 1.0, 0.4, 0.3, 8.0, 0.8, 0.4, 0.3)),
    (
        "C83",
        "Ikke-follikulært lymfom",
        "Non-follicular lymphoma",
        (5.0, 2.5, 2.2, 2.0, 3.0, 2.0, 2.0, 2.0),
    ),
    (
        "C85",
        "Andre og uspesifiserte typer non-Hodgkins lymfom",
        "Other and unspecified types of non-Hodgkin lymphoma",
        (2.0, 1.5, 1.6, 1.8, 1.5, 1.3, 1.5, 1.8),
    ),
    (
        "C90",
        "Myelomatose og ondartede plasmacellesvulster",
        "Multiple myeloma and malignant plasma cell neoplasms",
        (0.2, 1.2, 2.0, 2.2, 0.1, 1.0, 1.6, 1.8),
    ),
    ("C91", "Lymfatisk leukemi", "Lymphoid leukaemia", (10.0, 1.5, 2.0, 2.6, 7.0, 1.0, 1.5, 2.0)),
    ("C92", "Myeloid leukemi", "Myeloid leukaemia", (5.0, 1.2, 1.6, 2.0, 4.0, 1.0, 1.3, 1.6)),
)
SITE_CODES = tuple(s[0] for s in SITES)
_SITE_WEIGHTS = np.array([s[3] for s in SITES])  # (sites, 8)
_AGE_BANDS = np.array([40, 60, 80])

# Overall incidence per person-year: c * exp(b * age), about 0.9 % at 70 and 1.7 % at 80.
_C, _B = 0.00012, 0.062


def _sex_factor(age: Array, male: Array) -> Array:
    """Women get cancer earlier (breast, cervix); men more often late in life."""
    women = 1.0 + 0.3 * np.exp(-(((age - 48.0) / 14.0) ** 2)) - 0.1 * (age > 60)
    men = 0.85 + 0.3 * np.clip((age - 45.0) / 25.0, 0.0, 1.0)
    return np.where(male, men, women)


def _calendar_factor(year: Array) -> Array:
    """Age-specific incidence has risen since the 1950s (diagnostics, smoking, screening)."""
    return 0.55 + 0.45 * np.clip((year - 1953) / 60.0, 0.0, 1.0)


_ENVELOPE = 1.3  # the largest product of sex and calendar factors


@dataclass(frozen=True)
class Cases:
    """Cancer cases in diagnosis-date order (ties by person)."""

    person: Array  # person index
    diagnosed: Array  # day number
    age: Array  # completed years at diagnosis
    site: Array  # index into SITES


def cases(pop: Population) -> Cases:
    return pop.derive("cancer.cases", _simulate)


def _simulate(pop: Population) -> Cases:
    rng = pop.stream("cancer", "cases")
    birth = pop.birth.astype(np.int64)
    from_day = np.maximum(birth, FIRST_DIAGNOSIS)
    to_day = np.minimum(pop.death.astype(np.int64), LAST_DIAGNOSIS + 1)
    t0 = (from_day - birth) / DAYS_PER_YEAR
    t1 = np.maximum((to_day - birth) / DAYS_PER_YEAR, t0)

    # Candidate cases from a Poisson process with the largest possible rate, then thinned
    # to the rate that applies to each person at each age and calendar year.
    e0, e1 = np.exp(_B * t0), np.exp(_B * t1)
    expected = _ENVELOPE * _C / _B * (e1 - e0)
    count = rng.poisson(expected)
    person = np.repeat(np.arange(pop.n), count)
    u = rng.random(len(person))
    age_years = np.log(e0[person] + u * (e1[person] - e0[person])) / _B
    diagnosed = birth[person] + np.floor(age_years * DAYS_PER_YEAR).astype(np.int64)
    diagnosed = np.clip(diagnosed, from_day[person], to_day[person] - 1)
    male = pop.male[person]
    rate = _sex_factor(age_years, male) * _calendar_factor(year_of(diagnosed))
    keep = rng.random(len(person)) < rate / _ENVELOPE
    person, diagnosed, age_years, male = person[keep], diagnosed[keep], age_years[keep], male[keep]

    band = np.searchsorted(_AGE_BANDS, age_years, side="right") + np.where(male, 0, 4)
    weights = _SITE_WEIGHTS[:, band]  # (sites, cases)
    cdf = np.cumsum(weights, axis=0) / weights.sum(axis=0)
    v = rng.random(len(person))
    site = np.minimum((v[None, :] > cdf).sum(axis=0), len(SITES) - 1)

    # A person gets at most one primary cancer per site.
    order = np.lexsort((diagnosed, site, person))
    first = np.r_[True, (np.diff(person[order]) != 0) | (np.diff(site[order]) != 0)]
    kept = np.sort(order[first])
    person, diagnosed, age_years, site = (
        person[kept],
        diagnosed[kept],
        age_years[kept],
        site[kept],
    )
    order = np.lexsort((person, diagnosed))
    person, diagnosed = person[order], diagnosed[order]
    return Cases(person, diagnosed, age_at(birth[person], diagnosed), site[order])
