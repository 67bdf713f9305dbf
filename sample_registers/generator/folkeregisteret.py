"""Folkeregisteret: sex, birth, residence, marital status, death and parents of each person."""

from __future__ import annotations

import numpy as np

from sample_registers.generator.dates import NEVER, Array, day, iso, years_to_days
from sample_registers.generator.family import parents, residence
from sample_registers.generator.metadata import (
    Code,
    DatasetKind,
    NbEn,
    Register,
    code_list_domain,
    described_domain,
)
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.places import PLACES, UNKNOWN_MUNICIPALITY, municipality_codes
from sample_registers.generator.population import EXTRACT_END, Population
from sample_registers.generator.writer import code_column, date_column, number_column

NAME = "folkeregisteret"
# Status dates chosen to show the code changes of the 2020 and 2024 reforms while keeping
# the default sample small.
RESIDENCE_DATES = tuple(day(y) for y in (2016, 2020, 2024))

REGISTER = Register(
    register=NAME,
    name=("Folkeregisteret", "National Population Register"),
    description=(
        "Folkeregisteret inneholder opplysninger om alle som er eller har vært bosatt i Norge: "
        "fødsel, kjønn, bosted, sivilstand, foreldre og død. Registeret føres av Skatteetaten.",
        "The National Population Register holds information on everyone who lives or has "
        "lived in Norway: birth, sex, residence, marital status, parents and death. It is "
        "kept by the Norwegian Tax Administration.",
    ),
    owner=(
        "Skatteetaten, Folkeregisteret",
        "Norwegian Tax Administration, National Population Register",
    ),
    owner_uri="https://www.skatteetaten.no/person/folkeregister/",
    owner_email="folkeregisteret@skatteetaten.no",
    products=(
        (
            "befolkning-grunndata",
            ("Befolkning - grunndata", "Population - basic data"),
            (
                "Kjønn, fødsel og død for alle personer i befolkningen.",
                "Sex, birth and death of every person in the population.",
            ),
        ),
        (
            "befolkning-bosted",
            ("Befolkning - bosted", "Population - residence"),
            (
                "Bostedskommune for bosatte personer per 1. januar.",
                "Municipality of residence of resident persons on 1 January.",
            ),
        ),
        (
            "befolkning-familie",
            ("Befolkning - familie", "Population - family"),
            (
                "Sivilstand og koblinger mellom barn og foreldre.",
                "Marital status and links between children and parents.",
            ),
        ),
    ),
    sensitivity="PERSON_GENERAL",
    default_product="befolkning-grunndata",
    exportable=True,
)

_SUBJECT: NbEn = ("Befolkning", "Population")
_POPULATION: NbEn = (
    "Alle personer som har vært bosatt i Norge i perioden 2016-2025.",
    "Everyone who has been resident in Norway at some time in 2016-2025.",
)
_BASIC: NbEn = ("Befolkning", "Population")
_FAMILY: NbEn = ("Familie", "Family")

SEX_CODES = (Code("1", "Mann", "Male"), Code("2", "Kvinne", "Female"))

MARITAL_CODES = (
    Code("1", "Ugift", "Unmarried"),
    Code("2", "Gift", "Married"),
    Code("3", "Enke/enkemann", "Widow/widower"),
    Code("4", "Skilt", "Divorced"),
    Code("5", "Separert", "Separated"),
    Code("6", "Registrert partner", "Registered partner", "1993-08-01"),
    Code("7", "Separert partner", "Separated partner", "1993-08-01"),
    Code("8", "Skilt partner", "Divorced partner", "1993-08-01"),
    Code("9", "Gjenlevende partner", "Surviving partner", "1993-08-01"),
)
# The partnership act was in force from 1 August 1993 until the gender-neutral marriage
# act replaced it on 1 January 2009.
_PARTNERSHIP = (day(1993, 8, 1), day(2008, 12, 31))

_VARDOK = "https://www.ssb.no/a/metadata/conceptvariable/vardok/"
# SSB's classifications (Klass) the code lists follow: each names a dataset's definition
# and its code list's.
_KLASS_SEX = "https://www.ssb.no/klass/klassifikasjoner/2"
_KLASS_MUNICIPALITY = "https://www.ssb.no/klass/klassifikasjoner/131"
_KLASS_MARITAL = "https://www.ssb.no/klass/klassifikasjoner/19"


_person_dataset = DatasetKind(
    identifier="PERSON",
    subject=_SUBJECT,
    product="befolkning-grunndata",
    population=_POPULATION,
    valid_from="1925-01-01",
)


_DATE_DOMAIN = described_domain(("Dato på formen ÅÅÅÅ-MM-DD.", "Date as YYYY-MM-DD."))

SEX = _person_dataset(
    "BEFOLKNING_KJOENN",
    ("Kjønn", "Sex"),
    (
        "Personens juridiske kjønn slik det er registrert i Folkeregisteret.",
        "The person's legal sex as registered in the National Population Register.",
    ),
    temporality="FIXED",
    technical="kjoenn",
    exportable=True,
    category=_BASIC,
    data_type="STRING",
    domain=code_list_domain(SEX_CODES, uri=_KLASS_SEX),
    links=(_VARDOK + "2696",),
    uri=(_KLASS_SEX,),
)
BIRTH = _person_dataset(
    "BEFOLKNING_FOEDSELSDATO",
    ("Fødselsdato", "Date of birth"),
    ("Datoen personen ble født.", "The date the person was born."),
    temporality="FIXED",
    technical="foedselsdato",
    exportable=True,
    category=_BASIC,
    data_type="DATE",
    domain=_DATE_DOMAIN,
    links=(_VARDOK + "2695",),
)
RESIDENCE = _person_dataset(
    "BEFOLKNING_BOSTED_KOMMUNE",
    ("Bostedskommune", "Municipality of residence"),
    (
        "Kommunen personen er registrert bosatt i per 1. januar. Kommunenummeret er det som "
        "gjaldt på tidspunktet, så koder endres ved kommunesammenslåinger (2017-2020) og "
        "regionreformen (2020 og 2024).",
        "The municipality the person is registered as resident in on 1 January. The code is "
        "the one in force on the date, so codes change with the municipal mergers (2017-2020) "
        "and the regional reforms (2020 and 2024).",
    ),
    temporality="STATUS",
    technical="bostedskommune",
    product="befolkning-bosted",
    exportable=True,
    category=("Bosted", "Residence"),
    data_type="STRING",
    domain=code_list_domain(
        municipality_codes(),
        (UNKNOWN_MUNICIPALITY,),
        uri=_KLASS_MUNICIPALITY,
    ),
    valid_from="2016-01-01",
    population=(
        "Personer bosatt i Norge per 1. januar.",
        "Persons resident in Norway on 1 January.",
    ),
    links=(_VARDOK + "1832",),
    uri=(_KLASS_MUNICIPALITY,),
)
MARITAL = _person_dataset(
    "BEFOLKNING_SIVSTAND",
    ("Sivilstand", "Marital status"),
    (
        "Personens sivilstand, som perioder fra fødselen: ugift fram til et eventuelt "
        "ekteskap eller partnerskap, deretter gift, separert, skilt eller enke/enkemann. "
        "Perioden slutter ved neste endring eller ved død; gjeldende periode er åpen.",
        "The person's marital status as spells from birth: unmarried until a possible "
        "marriage or partnership, then married, separated, divorced or widowed. A spell ends "
        "at the next change or at death; the current spell is open.",
    ),
    temporality="EVENT",
    technical="sivilstand",
    product="befolkning-familie",
    exportable=True,
    category=_FAMILY,
    data_type="STRING",
    domain=code_list_domain(MARITAL_CODES, uri=_KLASS_MARITAL),
    links=(_VARDOK + "90",),
    uri=(_KLASS_MARITAL,),
)
DEATH = _person_dataset(
    "BEFOLKNING_DOEDS_DATO",
    ("Dødsdato", "Date of death"),
    (
        "Datoen personen døde. Bare døde personer har en verdi.",
        "The date the person died. Only the dead have a value.",
    ),
    temporality="FIXED",
    technical="doedsdato",
    exportable=False,
    category=_BASIC,
    data_type="DATE",
    domain=_DATE_DOMAIN,
    valid_from="2016-01-01",
    population=("Personer som døde i perioden 2016-2025.", "Persons who died in 2016-2025."),
    links=(_VARDOK + "2697",),
)
_PARENT_POPULATION: NbEn = (
    "Personer født fra 1960 med en registrert forelder i befolkningen.",
    "Persons born from 1960 with a registered parent in the population.",
)
MOTHER = _person_dataset(
    "BEFOLKNING_MOR",
    ("Mor", "Mother"),
    (
        "Personens mor, som en kobling til morens personidentifikator.",
        "The person's mother, as a link to the mother's person identifier.",
    ),
    temporality="FIXED",
    technical="mor",
    product="befolkning-familie",
    exportable=False,
    category=_FAMILY,
    measure_unit_type="PERSON",
    valid_from="1960-01-01",
    population=_PARENT_POPULATION,
)
FATHER = _person_dataset(
    "BEFOLKNING_FAR",
    ("Far", "Father"),
    (
        "Personens far, som en kobling til farens personidentifikator.",
        "The person's father, as a link to the father's person identifier.",
    ),
    temporality="FIXED",
    technical="far",
    product="befolkning-familie",
    exportable=False,
    category=_FAMILY,
    measure_unit_type="PERSON",
    valid_from="1960-01-01",
    population=_PARENT_POPULATION,
)

DATASETS = (SEX, BIRTH, RESIDENCE, MARITAL, DEATH, MOTHER, FATHER)


def write(pop: Population, out: RegisterOutput) -> None:
    with out.dataset(SEX) as f:
        for part in pop.chunks():
            f.write(_ids(pop, part), code_column(["1", "2"], np.where(pop.male[part], 0, 1)))
    with out.dataset(BIRTH) as f:
        for part in pop.chunks():
            f.write(_ids(pop, part), date_column(pop.birth[part]))
    _write_residence(pop, out)
    _write_marital_status(pop, out)
    with out.dataset(DEATH) as f:
        for part in pop.chunks():
            dead = pop.death[part] != NEVER
            f.write(_ids(pop, part)[dead], date_column(pop.death[part][dead]))
    family = parents(pop)
    for spec, parent in ((MOTHER, family.mother), (FATHER, family.father)):
        with out.dataset(spec) as f:
            for part in pop.chunks():
                known = parent[part] >= 0
                f.write(_ids(pop, part)[known], _ids(pop, parent[part][known]))


def _ids(pop: Population, which: slice | Array) -> Array:
    return number_column(pop.pid[which], 11)


def _write_residence(pop: Population, out: RegisterOutput) -> None:
    codes = [*sorted({c.code for c in municipality_codes()}), UNKNOWN_MUNICIPALITY.code]
    where = residence(pop)
    row_of_date = where.place_in(np.array([int(iso(d)[:4]) for d in RESIDENCE_DATES]))
    # Code (as an index into `codes`) of each place on each status date.
    code_of_place = np.array(
        [[codes.index(_code_on(p.history, d)) for d in RESIDENCE_DATES] for p in PLACES]
    )
    unknown_code = len(codes) - 1
    with out.dataset(RESIDENCE) as f:
        for chunk in pop.chunks():
            alive = np.stack([pop.alive_on(d, chunk) for d in RESIDENCE_DATES], axis=1)
            person, k = np.nonzero(alive)
            index = person + chunk.start
            rows = row_of_date[k]
            place = where.place[rows, index]
            value = np.where(where.unknown[rows, index], unknown_code, code_of_place[place, k])
            dates = date_column(np.array(RESIDENCE_DATES)[k])
            f.write(_ids(pop, index), code_column(codes, value), dates, dates)


def _code_on(history: tuple[Code, ...], day_number: int) -> str:
    when = iso(day_number)
    for c in history:
        if c.valid_from <= when and (c.valid_until is None or when <= c.valid_until):
            return c.code
    raise ValueError(f"no municipality code valid on {when}")


def _write_marital_status(pop: Population, out: RegisterOutput) -> None:
    rng = pop.stream(NAME, "sivstand")
    with out.dataset(MARITAL) as f:
        for chunk in pop.chunks():
            person, start, code = _marital_spells(
                rng,
                pop.birth[chunk].astype(np.int64),
                pop.birth_year[chunk],
                pop.male[chunk],
                pop.death[chunk].astype(np.int64),
            )
            same_person_next = np.r_[person[1:] == person[:-1], False]
            next_start = np.r_[start[1:], 0]
            death = pop.death[chunk][person]
            stop = np.where(same_person_next, next_start - 1, death)
            f.write(
                _ids(pop, chunk.start + person),
                code_column([c.code for c in MARITAL_CODES], code - 1),
                date_column(start),
                date_column(stop),
            )


def _marital_spells(
    rng: np.random.Generator, birth: Array, birth_year: Array, male: Array, death: Array
) -> tuple[Array, Array, Array]:
    """Spells as (person, start day, code) rows in person and time order."""
    n = len(birth)

    def happens(day_number: Array) -> Array:
        return (day_number < death) & (day_number <= EXTRACT_END)

    marries = rng.random(n) < np.interp(
        birth_year, [1925, 1950, 1970, 1990, 2005], [0.9, 0.88, 0.72, 0.6, 0.55]
    )
    mean_age = np.interp(birth_year, [1925, 1945, 1960, 1980, 2000], [25, 23.5, 26, 31, 32])
    married_on = birth + years_to_days(np.maximum(18.0, rng.normal(mean_age, 4.5)))
    partners = (
        (married_on >= _PARTNERSHIP[0]) & (married_on <= _PARTNERSHIP[1]) & (rng.random(n) < 0.006)
    )
    separates = rng.random(n) < np.interp(birth_year, [1925, 1945, 1960], [0.12, 0.3, 0.4])
    separated_on = married_on + years_to_days(0.5 + rng.exponential(9.0, n))
    divorced_on = separated_on + years_to_days(1.0 + rng.exponential(0.4, n))
    remarries = rng.random(n) < 0.35
    remarried_on = divorced_on + years_to_days(1.0 + rng.exponential(5.0, n))
    # Women outlive their husbands more often than the other way round.
    bereaved = rng.random(n) < np.where(male, 0.3, 0.55)
    widowed_on = birth + years_to_days(rng.normal(np.where(male, 83.0, 79.0), 8.0))

    v_marry = marries & happens(married_on)
    first_ends_by_death = (
        bereaved & v_marry & (widowed_on > married_on) & (~separates | (widowed_on < separated_on))
    )
    v_separate = v_marry & separates & ~first_ends_by_death & happens(separated_on)
    v_divorce = v_separate & happens(divorced_on)
    v_remarry = v_divorce & remarries & happens(remarried_on)
    second_ends_by_death = bereaved & v_remarry & (widowed_on > remarried_on)
    v_widow = (first_ends_by_death | second_ends_by_death) & happens(widowed_on)

    partner = partners.astype(np.int64)
    days = np.stack([birth, married_on, separated_on, divorced_on, remarried_on, widowed_on], 1)
    codes = np.stack(
        [
            np.ones(n, dtype=np.int64),
            np.where(partners, 6, 2),
            5 + 2 * partner,
            4 + 4 * partner,
            np.full(n, 2),
            np.where(first_ends_by_death & partners, 9, 3),
        ],
        axis=1,
    )
    valid = np.stack(
        [np.ones(n, dtype=bool), v_marry, v_separate, v_divorce, v_remarry, v_widow], axis=1
    )
    person, slot = np.nonzero(valid)
    return person, days[person, slot], codes[person, slot]
