"""Income statistics for persons: yearly wage income and total income."""

from __future__ import annotations

import numpy as np

from sample_registers.generator.dates import Array, day
from sample_registers.generator.education import UNKNOWN, Careers, careers
from sample_registers.generator.metadata import DatasetKind, NbEn, Register, described_domain
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.population import Population
from sample_registers.generator.writer import date_column, number_column

NAME = "inntekt"
YEARS = tuple(range(2020, 2024))

REGISTER = Register(
    register=NAME,
    name=("Inntektsstatistikk for personer", "Income statistics for persons"),
    description=(
        "Årlige inntekter for personer fra skattemeldinger, a-ordningen og "
        "ytelsesregistre, bearbeidet av Statistisk sentralbyrå.",
        "Yearly incomes of persons from tax returns, the a-ordning employer reports and "
        "benefit registers, processed by Statistics Norway.",
    ),
    owner=(
        "Skatteetaten og Statistisk sentralbyrå",
        "Norwegian Tax Administration and Statistics Norway",
    ),
    owner_uri="https://www.ssb.no/inntekt-og-forbruk",
    owner_email="datautlevering@ssb.no",
    products=(
        (
            "inntekt-og-skatt",
            ("Inntekt og skatt", "Income and tax"),
            ("Personers inntekter per kalenderår.", "Incomes of persons per calendar year."),
        ),
    ),
    sensitivity="PERSON_GENERAL",
    default_product="inntekt-og-skatt",
    exportable=True,
)

_SUBJECT: NbEn = ("Inntekt og formue", "Income and wealth")
_NOK = described_domain(
    (
        "Beløp i hele kroner for kalenderåret.",
        "Amount in whole Norwegian kroner for the calendar year.",
    ),
    ("NOK", "NOK"),
    "CURRENCY",
)

_income = DatasetKind(
    identifier="PERSON",
    subject=_SUBJECT,
    product="inntekt-og-skatt",
    population=(
        "Personer 17 år og eldre bosatt i Norge i løpet av året, med inntekt.",
        "Persons aged 17 and over resident in Norway during the year, with income.",
    ),
    valid_from=f"{YEARS[0]}-01-01",
    category=("Inntekt", "Income"),
    temporality="ACCUMULATED",
    exportable=True,
)

WAGES = _income(
    "INNTEKT_WLONN",
    ("Lønnsinntekt", "Wage income"),
    (
        "Sum lønn og andre godtgjørelser fra arbeidsgiver i løpet av kalenderåret. Personer "
        "uten lønn har verdien 0 eller mangler.",
        "Total wages and other remuneration from employers during the calendar year. "
        "Persons without wages have the value 0 or no value.",
    ),
    "loennsinntekt",
    population=(
        "Personer 17-74 år bosatt i Norge i løpet av året.",
        "Persons aged 17-74 resident in Norway during the year.",
    ),
    data_type="LONG",
    domain=_NOK,
    links=("https://www.ssb.no/a/metadata/conceptvariable/vardok/1305",),
)
TOTAL = _income(
    "INNTEKT_SAMLET",
    ("Samlet inntekt", "Total income"),
    (
        "Summen av lønn, næringsinntekt, kapitalinntekter og skattepliktige og skattefrie "
        "overføringer, som pensjoner, i løpet av kalenderåret. Aldri lavere enn lønnsinntekten.",
        "The sum of wages, self-employment income, capital income and taxable and tax-free "
        "transfers, such as pensions, during the calendar year. Never lower than the wage "
        "income.",
    ),
    "samletInntekt",
    data_type="LONG",
    domain=_NOK,
    links=("https://www.ssb.no/a/metadata/conceptvariable/vardok/1307",),
)

DATASETS = (WAGES, TOTAL)

# Median full-time wage level in 2016 and its nominal growth per year.
_BASE_WAGE = 430_000.0
_GROWTH = 1.032
_WORK_AGES = [17, 19, 20, 24, 25, 29, 30, 54, 55, 61, 62, 66, 67, 70, 71, 74]
_WORK_SHARE = [
    0.45,
    0.55,
    0.68,
    0.72,
    0.8,
    0.82,
    0.86,
    0.87,
    0.84,
    0.8,
    0.62,
    0.5,
    0.2,
    0.15,
    0.08,
    0.06,
]
# Wage premium (log scale) and employment shift by NUS level 0..8, and for UNKNOWN.
_LEVEL_PREMIUM = np.array([-0.3, -0.3, -0.25, -0.12, 0.0, 0.05, 0.2, 0.4, 0.5, -0.15])
_LEVEL_EMPLOYMENT = np.array([-0.2, -0.2, -0.12, -0.05, 0.0, 0.0, 0.04, 0.06, 0.07, -0.15])


def _probit(p: Array) -> Array:
    """Approximate inverse of the standard normal distribution function."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)) / 1.702


def write(pop: Population, out: RegisterOutput) -> None:
    rng = pop.stream(NAME, "incomes")
    career = careers(pop)
    years = np.array(YEARS)
    starts = date_column(np.array([day(y) for y in YEARS]))
    stops = date_column(np.array([day(y, 12, 31) for y in YEARS]))
    with out.dataset(WAGES) as wage_file, out.dataset(TOTAL) as total_file:
        for chunk in pop.chunks():
            index = np.arange(chunk.start, chunk.stop)
            wage, has_wage, total, has_total = _incomes(rng, pop, career, index, years)
            pid = number_column(pop.pid[index], 11)
            for amount, present, f in ((wage, has_wage, wage_file), (total, has_total, total_file)):
                person, k = np.nonzero(present)
                f.write(pid[person], number_column(amount[person, k]), starts[k], stops[k])


def _incomes(
    rng: np.random.Generator, pop: Population, career: Careers, index: Array, years: Array
) -> tuple[Array, Array, Array, Array]:
    """(wage, has wage row, total, has total row), each (persons, years)."""
    n, n_years = len(index), len(years)
    male = pop.male[index]
    birth = pop.birth[index].astype(np.int64)
    death = pop.death[index].astype(np.int64)
    person_effect = rng.normal(0.0, 0.35, n)
    propensity = rng.normal(0.0, 1.0, n)
    part_time_share = np.where(male, 0.1, 0.25)

    wage = np.zeros((n, n_years), dtype=np.int64)
    total = np.zeros((n, n_years), dtype=np.int64)
    has_wage = np.zeros((n, n_years), dtype=bool)
    has_total = np.zeros((n, n_years), dtype=bool)
    for k, year in enumerate(years):
        first, last = day(int(year)), day(int(year), 12, 31)
        age = year - pop.birth_year[index]
        alive = (birth <= last) & (death >= first)
        exposure = (np.minimum(death, last + 1) - np.maximum(birth, first)) / (last + 1 - first)
        exposure = np.clip(exposure, 0.0, 1.0)
        level = career.level_on(pop, index, day(int(year), 10, 1))
        level = np.where(level == UNKNOWN, 9, level)

        in_ages = alive & (age >= 17) & (age <= 74)
        share = np.interp(age, _WORK_AGES, _WORK_SHARE) + _LEVEL_EMPLOYMENT[level]
        works = in_ages & (0.8 * propensity + 0.6 * rng.normal(size=n) < _probit(share))

        log_wage = (
            np.log(_BASE_WAGE * _GROWTH ** (year - 2016))
            - 0.55 * ((age - 50) / 25.0) ** 2
            + _LEVEL_PREMIUM[level]
            + np.where(male, 0.13, 0.0)
            + person_effect
            + rng.normal(0.0, 0.18, n)
        )
        # Students and pensioners work little; some adults work part time.
        scale = np.where(age < 20, 0.15, np.where(age < 24, 0.45, np.where(age >= 67, 0.4, 1.0)))
        part_time = rng.random(n) < part_time_share
        scale = scale * np.where(part_time, rng.uniform(0.25, 0.75, n), 1.0)
        amount = np.where(works, np.rint(np.exp(log_wage) * scale * exposure), 0).astype(np.int64)
        # Persons with no wage at all appear with 0 or not at all.
        zero_row = in_ages & ~works & (age <= 66) & (rng.random(n) < 0.3)
        wage[:, k] = amount
        has_wage[:, k] = works | zero_row

        growth = _GROWTH ** (year - 2016)
        retired = alive & ((age >= 67) | ((age >= 62) & (rng.random(n) < 0.25)))
        pension = (
            retired
            * 210_000
            * growth
            * np.exp(rng.normal(0.0, 0.2, n))
            * (1 + 0.08 * np.clip(level - 3, -2, 5) * (level != 9))
        )
        benefit_p = np.where(works, 0.08, 0.55) * ((age >= 18) & (age <= 66))
        benefit = (
            (alive & (rng.random(n) < benefit_p))
            * growth
            * np.where(
                works,
                40_000 * np.exp(rng.normal(0, 0.6, n)),
                200_000 * np.exp(rng.normal(0, 0.35, n)),
            )
        )
        capital = (alive & (age >= 18) & (rng.random(n) < 0.6)) * np.minimum(
            np.exp(rng.normal(8.5, 1.6, n)), 5e6
        )
        other = np.rint((pension + benefit + capital) * exposure).astype(np.int64)
        total[:, k] = amount + other
        has_total[:, k] = alive & (age >= 17) & (has_wage[:, k] | (other > 0))
    return wage, has_wage, total, has_total
