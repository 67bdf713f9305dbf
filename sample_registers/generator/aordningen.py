"""Monthly payroll reports (the a-ordning): agreed weekly hours, wage income, employer
sector and employment status per person and calendar month, 2019-01 to the extract month.

Every dataset is ACCUMULATED with calendar months as its periods (start the 1st, stop the
last day of the month): what an employer reports for a month describes that month as a
whole (docs/MONTHLY.md says why this needs no new unit of time). A person has a row in a
month only while employed, as in the a-ordning itself.

The extract covers the birth cohorts COHORTS only: the research extract for the pension
reform study (issue 17), which compares cohorts around the first reform cohort, 1963.
That keeps the committed samples small; the whole population would be 40 times as many rows.
A small sample (the committed samples' 20,000 persons) over-represents the public sector,
four times Norway's shares (public_share), so that the study's cohorts have some 170
public-sector employees each rather than 60; a generated population of 100,000 persons or
more has Norway's shares.

The generator plants the reform's effect (Hernæs et al., Frisch Centre 2025): for
public-sector employees born in 1963, from the calendar month they turn 62, agreed weekly
hours are 1.75 higher and the month's wage income 3,183 NOK higher than they would have been
(the counterfactual values are drawn first and the effect added to them). Earlier cohorts
get nothing. Leaving employment depends on age only, the same for every cohort, so the
effect on the mean of those with a row is exactly the planted one.
"""

from __future__ import annotations

import numpy as np

from sample_registers.generator.dates import Array, day, ymd
from sample_registers.generator.metadata import (
    Code,
    DatasetKind,
    NbEn,
    Register,
    code_list_domain,
    described_domain,
)
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.population import EXTRACT_END, Population
from sample_registers.generator.writer import code_column, date_column, number_column

NAME = "aordningen"
COHORTS = (
    1961,
    1962,
    1963,
)  # birth years in the extract: two placebo cohorts and the first reform cohort
FIRST_MONTH = (2019, 1)
REFORM_COHORT = 1963
REFORM_AGE = 62
# Samples smaller than this over-represent the public sector (public_share).
SAMPLE_PERSONS = 100_000
OVERSAMPLE_PUBLIC = 4.0
HOURS_EFFECT = 1.75  # agreed weekly hours
WAGE_EFFECT = 3183  # NOK per month

REGISTER = Register(
    register=NAME,
    name=("A-ordningen, månedlige arbeidsforhold", "The a-ordning, monthly employment"),
    description=(
        "Arbeidsgiveres månedlige opplysninger om lønn og arbeidsforhold (a-meldingen), "
        "per person og kalendermåned. Forskningsuttrekk for kohortene født 1961-1963.",
        "Employers' monthly reports of wages and employment (the a-melding), per person and "
        "calendar month. Research extract for the cohorts born 1961-1963.",
    ),
    owner=("Skatteetaten, NAV og Statistisk sentralbyrå", "Tax Administration, NAV and SSB"),
    owner_uri="https://www.ssb.no/arbeid-og-lonn",
    owner_email="datautlevering@ssb.no",
    products=(
        (
            "a-ordningen-maaned",
            ("Lønn og arbeid per måned", "Wages and work per month"),
            (
                "Månedlige opplysninger fra a-meldingen, publisert måned for måned.",
                "Monthly figures from the a-melding, released month by month.",
            ),
        ),
    ),
    sensitivity="PERSON_GENERAL",
    default_product="a-ordningen-maaned",
    exportable=True,
)

_SUBJECT: NbEn = ("Arbeid og lønn", "Labour and earnings")
_POPULATION: NbEn = (
    "Personer født 1961-1963 med et arbeidsforhold i kalendermåneden.",
    "Persons born 1961-1963 with an employment in the calendar month.",
)
_VALID_FROM = f"{FIRST_MONTH[0]}-{FIRST_MONTH[1]:02d}-01"
_PERIOD_NOTE = (
    " Perioden er kalendermåneden (fra den 1. til den siste i måneden).",
    " The period is the calendar month (from the 1st to its last day).",
)


_dataset = DatasetKind(
    identifier="PERSON",
    subject=_SUBJECT,
    product="a-ordningen-maaned",
    population=_POPULATION,
    valid_from=_VALID_FROM,
    category=("Arbeid", "Labour"),
    temporality="ACCUMULATED",
    exportable=True,
    links=("https://www.ssb.no/arbeid-og-lonn/sysselsetting",),
    note=_PERIOD_NOTE,
)


HOURS = _dataset(
    "AORD_AVTALT_TIMER",
    ("Avtalt arbeidstid per uke", "Agreed weekly working hours"),
    (
        "Avtalt arbeidstid i timer per uke, summert over personens arbeidsforhold i måneden.",
        "Agreed working hours per week, summed over the person's employments in the month.",
    ),
    "avtaltUkeTimer",
    "DOUBLE",
    described_domain(("Timer per uke.", "Hours per week."), ("timer", "hours")),
)
WAGE = _dataset(
    "AORD_LOENN_MND",
    ("Månedslønn", "Monthly pay"),
    (
        "Kontantlønn, feriepenger og andre godtgjørelser innrapportert for måneden.",
        "Cash wages, holiday pay and other remuneration reported for the month.",
    ),
    "maanedsloenn",
    "LONG",
    described_domain(
        ("Beløp i hele kroner for måneden.", "Amount in whole Norwegian kroner for the month."),
        ("NOK", "NOK"),
        "CURRENCY",
    ),
)
SECTOR_CODES = (
    Code("1", "Offentlig sektor", "Public sector"),
    Code("2", "Privat sektor", "Private sector"),
)
SECTOR = _dataset(
    "AORD_SEKTOR",
    ("Arbeidsgivers sektor", "Employer's sector"),
    (
        "Sektoren til arbeidsgiveren i personens hovedarbeidsforhold i måneden.",
        "The sector of the employer of the person's main employment in the month.",
    ),
    "arbeidsgiverSektor",
    "STRING",
    code_list_domain(SECTOR_CODES),
)
STATUS_CODES = (
    Code("1", "I arbeid", "At work"),
    Code("2", "Permittert", "Temporarily laid off"),
    Code("3", "I permisjon", "On leave"),
)
STATUS = _dataset(
    "AORD_ARBEIDSSTATUS",
    ("Arbeidsstatus", "Employment status"),
    (
        "Status i personens hovedarbeidsforhold i måneden.",
        "Status of the person's main employment in the month.",
    ),
    "arbeidsstatus",
    "STRING",
    code_list_domain(STATUS_CODES),
)

DATASETS = (HOURS, WAGE, SECTOR, STATUS)


def public_share(male: Array, persons: int) -> Array:
    """The chance that a person of the extract works in the public sector: Norway's shares
    (women more often than men), or, in a sample of fewer than SAMPLE_PERSONS persons
    (the committed samples), OVERSAMPLE_PUBLIC times them, capped at 0.95. A small sample
    has some 220 persons per cohort; at Norway's shares about 60 of each study cohort work
    in the public sector, too few for the study's estimates to be told from 0 once output
    control's noise is counted (docs/MONTHLY.md §5). The draws are the same either way (one
    uniform per person against the share), so only who is public changes."""
    share = np.where(male, 0.22, 0.48)
    if persons < SAMPLE_PERSONS:
        share = np.minimum(share * OVERSAMPLE_PUBLIC, 0.95)
    return share


def months() -> tuple[Array, Array]:
    """First and last day of every month from FIRST_MONTH to the extract's end."""
    last_year, last_month, _ = (int(x[0]) for x in ymd(np.array([EXTRACT_END])))
    firsts, lasts = [], []
    year, month = FIRST_MONTH
    while (year, month) <= (last_year, last_month):
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        firsts.append(day(year, month))
        lasts.append(day(*following) - 1)
        year, month = following
    return np.array(firsts, dtype=np.int64), np.array(lasts, dtype=np.int64)


def write(pop: Population, out: RegisterOutput) -> None:
    firsts, lasts = months()
    starts, stops = date_column(firsts), date_column(lasts)
    sector_codes = [c.code for c in SECTOR_CODES]
    status_codes = [c.code for c in STATUS_CODES]
    files = [out.dataset(spec) for spec in DATASETS]
    with files[0] as hours_f, files[1] as wage_f, files[2] as sector_f, files[3] as status_f:
        for chunk in pop.chunks():
            index = np.arange(chunk.start, chunk.stop)
            index = index[np.isin(pop.birth_year[index], COHORTS)]
            if not len(index):
                continue
            # Each chunk its own stream: the same persons get the same draws in any run.
            rng = pop.stream(NAME, "months", str(chunk.start))
            months_of = _simulate(rng, pop, index, firsts, lasts)
            person, k = np.nonzero(months_of.employed)
            pid = number_column(pop.pid[index], 11)[person]
            start, stop = starts[k], stops[k]
            hours_f.write(pid, _decimal_column(months_of.hours_cents[person, k]), start, stop)
            wage_f.write(pid, number_column(months_of.wage[person, k]), start, stop)
            sector_f.write(pid, code_column(sector_codes, months_of.sector[person, k]), start, stop)
            status_f.write(pid, code_column(status_codes, months_of.status[person, k]), start, stop)


class _Months:
    """(persons, months) matrices of one chunk."""

    def __init__(self, n: int, m: int) -> None:
        self.employed = np.zeros((n, m), dtype=bool)
        self.hours_cents = np.zeros((n, m), dtype=np.int64)
        self.wage = np.zeros((n, m), dtype=np.int64)
        self.sector = np.zeros((n, m), dtype=np.int64)
        self.status = np.zeros((n, m), dtype=np.int64)


def _simulate(
    rng: np.random.Generator, pop: Population, index: Array, firsts: Array, lasts: Array
) -> _Months:
    n, m = len(index), len(firsts)
    out = _Months(n, m)
    birth = pop.birth[index].astype(np.int64)
    death = pop.death[index].astype(np.int64)
    male = pop.male[index]
    birth_year, birth_month, _ = ymd(birth)
    # The calendar month (as year*12 + month - 1) in which the person turns REFORM_AGE.
    reform_month = (birth_year + REFORM_AGE) * 12 + birth_month - 1
    treated = birth_year == REFORM_COHORT
    month_year, month_no, _ = ymd(firsts)
    month_index = month_year * 12 + month_no - 1

    # Who the person is at work: sector, full or part time, wage level. Women work more
    # often in the public sector and part time, as in Norway.
    public = rng.random(n) < public_share(male, len(pop.pid))
    full_time = rng.random(n) < np.where(male, 0.86, 0.66)
    hours = np.where(full_time, 37.5, np.round(rng.uniform(15.0, 32.0, n) * 2) / 2)
    level = np.exp(rng.normal(0.0, 0.28, n)) * np.where(public, 0.95, 1.05) * np.where(male, 1.1, 1)
    employed = rng.random(n) < 0.8  # in January 2019, at 55-59
    switch_month = np.where(rng.random(n) < 0.03, rng.integers(0, m, n), m)
    status = np.zeros(n, dtype=np.int64)  # 0 at work, 1 laid off, 2 on leave

    for k in range(m):
        age_months = month_index[k] - (birth_year * 12 + birth_month - 1)
        age = age_months / 12.0
        alive = death > lasts[k]
        # Leaving work by age alone (early retirement from 62, old-age pension from 67),
        # and coming back now and then before 62.
        leave = np.where(age >= 67, 0.05, np.where(age >= 62, 0.022, 0.003))
        come_back = np.where(age < 62, 0.008, 0.001)
        u = rng.random(n)
        employed = np.where(employed, u >= leave, u < come_back) & alive
        # Agreed hours are sticky: a few change them each month; from 62 some go part time.
        change = rng.random(n) < 0.006
        hours = np.where(change, np.where(rng.random(n) < 0.7, 37.5, 20.0), hours)
        glide = (age >= 62) & (rng.random(n) < 0.008)
        hours = np.where(glide, np.minimum(hours, 24.0), hours)
        public_now = public ^ (k >= switch_month)

        effect = treated & public_now & (month_index[k] >= reform_month)
        out.employed[:, k] = employed
        out.hours_cents[:, k] = np.rint((hours + HOURS_EFFECT * effect) * 100)
        out.sector[:, k] = np.where(public_now, 0, 1)

        # Wages: 3.2 % growth a year, settled in May; holiday pay in June; bonuses in
        # December; overtime and corrections as noise.
        year, month = int(month_year[k]), int(month_no[k])
        settled = year - 2019 + (month >= 5)
        season = {6: 1.12, 7: 0.92, 12: 1.06}.get(month, 1.0)
        monthly = 52_000 * 1.032**settled * level * hours / 37.5 * season
        monthly = monthly * np.exp(rng.normal(0.0, 0.05, n))
        status = _next_status(rng, status, year, month)
        monthly = np.where(
            status == 1, monthly * 0.2, np.where(status == 2, monthly * 0.5, monthly)
        )
        out.status[:, k] = status
        out.wage[:, k] = np.rint(monthly).astype(np.int64) + WAGE_EFFECT * effect
    return out


def _next_status(rng: np.random.Generator, status: Array, year: int, month: int) -> Array:
    """This month's employment status from last month's. Lay-offs and leave are spells
    lasting months, as they do (a lay-off about 3 months, a leave about 5): 0.15 % a
    month are laid off (6 % in April 2020, the pandemic's lay-offs of April to June) and
    0.4 % go on leave, so about 0.5 % are laid off and 2 % on leave in an ordinary month.
    Spells, not a fresh draw each month: a month-to-month change of status is rare, as in
    the a-ordning, and does not drown a change of a few thousand kroner in noise."""
    u = rng.random(len(status))
    laid_off = 0.06 if (year, month) == (2020, 4) else 0.0015
    starts = np.where(u < laid_off, 1, np.where(u > 1 - 0.004, 2, 0))
    ends = u < np.where(status == 1, 0.3, 0.2)
    return np.where(status == 0, starts, np.where(ends, 0, status))


def _decimal_column(cents: Array) -> Array:
    """Non-negative amounts in hundredths as decimal numbers with two decimals (37.50)."""
    whole = number_column(cents // 100)
    point = np.full((len(cents), 1), ord("."), dtype=np.uint8)
    return np.hstack([whole, point, number_column(cents % 100, 2)])
