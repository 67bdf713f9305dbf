"""NUDB, the national education database: highest completed education and its field."""

from __future__ import annotations

import numpy as np

from sample_registers.generator.dates import age_at, day, iso
from sample_registers.generator.education import UNKNOWN, careers
from sample_registers.generator.metadata import Code, DatasetKind, NbEn, Register, code_list_domain
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.population import Population
from sample_registers.generator.writer import code_column, date_column, number_column

NAME = "nudb"
STATUS_DATES = tuple(day(y, 10, 1) for y in (2016, 2020, 2022))

REGISTER = Register(
    register=NAME,
    name=("Nasjonal utdanningsdatabase (NUDB)", "National Education Database (NUDB)"),
    description=(
        "NUDB samler individdata om utdanning for hele befolkningen, fra grunnskole til "
        "doktorgrad, og føres av Statistisk sentralbyrå.",
        "NUDB holds individual data on education for the whole population, from primary "
        "school to doctorate, and is kept by Statistics Norway.",
    ),
    owner=("Statistisk sentralbyrå", "Statistics Norway"),
    owner_uri="https://www.ssb.no",
    owner_email="datautlevering@ssb.no",
    products=(
        (
            "utdanning",
            ("Utdanning", "Education"),
            (
                "Høyeste fullførte utdanning og fagfelt etter Norsk standard for "
                "utdanningsgruppering (NUS2000).",
                "Highest completed education and field of study by the Norwegian Standard "
                "Classification of Education (NUS2000).",
            ),
        ),
    ),
    sensitivity="PERSON_GENERAL",
    default_product="utdanning",
    exportable=True,
)

NUS = "2000-01-01"  # NUS2000 came into use in 2000
LEVEL_CODES = (
    Code("0", "Ingen utdanning og førskoleutdanning", "No education and pre-school education", NUS),
    Code("1", "Barneskoleutdanning", "Primary education", NUS),
    Code("2", "Ungdomsskoleutdanning", "Lower secondary education", NUS),
    Code("3", "Videregående, grunnutdanning", "Upper secondary education, basic", NUS),
    Code("4", "Videregående, avsluttende utdanning", "Upper secondary education, final year", NUS),
    Code("5", "Påbygging til videregående utdanning", "Post-secondary non-tertiary education", NUS),
    Code(
        "6",
        "Universitets- og høgskoleutdanning, lavere nivå",
        "Undergraduate level tertiary education",
        NUS,
    ),
    Code(
        "7",
        "Universitets- og høgskoleutdanning, høyere nivå",
        "Graduate level tertiary education",
        NUS,
    ),
    Code("8", "Forskerutdanning", "Doctoral education", NUS),
)
LEVEL_UNKNOWN = Code("9", "Uoppgitt", "Unknown")
FIELD_CODES = (
    Code("0", "Allmenne fag", "General programmes", NUS),
    Code("1", "Humanistiske og estetiske fag", "Humanities and arts", NUS),
    Code("2", "Lærerutdanninger og utdanninger i pedagogikk", "Teacher training and pedagogy", NUS),
    Code("3", "Samfunnsfag og juridiske fag", "Social sciences and law", NUS),
    Code("4", "Økonomiske og administrative fag", "Business and administration", NUS),
    Code(
        "5",
        "Naturvitenskapelige fag, håndverksfag og tekniske fag",
        "Natural sciences, vocational and technical subjects",
        NUS,
    ),
    Code("6", "Helse-, sosial- og idrettsfag", "Health, welfare and sport", NUS),
    Code("7", "Primærnæringsfag", "Primary industries", NUS),
    Code(
        "8",
        "Samferdsels- og sikkerhetsfag og andre servicefag",
        "Transport and communications, safety and security and other services",
        NUS,
    ),
)
FIELD_UNKNOWN = Code("9", "Uoppgitt fagfelt", "Field of study unknown")

_SUBJECT: NbEn = ("Utdanning", "Education")
_KLASS_NUS = "https://www.ssb.no/klass/klassifikasjoner/36"

_education = DatasetKind(
    identifier="PERSON",
    subject=_SUBJECT,
    product="utdanning",
    population=(
        "Personer 16 år og eldre bosatt i Norge per 1. oktober.",
        "Persons aged 16 and over resident in Norway on 1 October.",
    ),
    valid_from=iso(STATUS_DATES[0]),
    temporality="STATUS",
    exportable=True,
)

LEVEL = _education(
    "NUDB_BU",
    ("Høyeste fullførte utdanningsnivå", "Highest completed level of education"),
    (
        "Personens høyeste fullførte utdanning per 1. oktober, på nivå (første siffer i "
        "NUS-koden). Nivået synker aldri over tid.",
        "The person's highest completed education on 1 October, as a level (first digit of "
        "the NUS code). The level never decreases over time.",
    ),
    "utdanningsnivaa",
    data_type="STRING",
    domain=code_list_domain(LEVEL_CODES, (LEVEL_UNKNOWN,), _KLASS_NUS),
    uri=(_KLASS_NUS,),
    links=("https://www.ssb.no/a/metadata/conceptvariable/vardok/3141",),
    category=("Utdanningsnivå", "Level of education"),
)
FIELD = _education(
    "NUDB_FAGFELT",
    (
        "Fagfelt for høyeste fullførte utdanning",
        "Field of study of the highest completed education",
    ),
    (
        "Fagfeltet (andre siffer i NUS-koden) for personens høyeste fullførte utdanning per "
        "1. oktober. Bare for personer med minst videregående grunnutdanning.",
        "Field of study (second digit of the NUS code) of the person's highest completed "
        "education on 1 October. Only for persons with at least basic upper secondary "
        "education.",
    ),
    "fagfelt",
    population=(
        "Personer 16 år og eldre med minst videregående grunnutdanning per 1. oktober.",
        "Persons aged 16 and over with at least basic upper secondary education on 1 October.",
    ),
    data_type="STRING",
    domain=code_list_domain(FIELD_CODES, (FIELD_UNKNOWN,), _KLASS_NUS),
    uri=(_KLASS_NUS,),
    links=("https://www.ssb.no/a/metadata/conceptvariable/vardok/3142",),
    category=("Fagfelt", "Field of study"),
)

DATASETS = (LEVEL, FIELD)


def write(pop: Population, out: RegisterOutput) -> None:
    career = careers(pop)
    rng = pop.stream(NAME, "fagfelt-uoppgitt")
    # A few fields are not registered; the same persons lack them at every date.
    field_unknown = rng.random(pop.n) < 0.01
    dates = np.array(STATUS_DATES)
    codes = [str(c) for c in range(10)]
    with out.dataset(LEVEL) as level_file, out.dataset(FIELD) as field_file:
        for chunk in pop.chunks():
            index = np.arange(chunk.start, chunk.stop)
            when = np.stack([pop.alive_on(d, chunk) for d in STATUS_DATES], axis=1)
            person, k = np.nonzero(when)
            who = index[person]
            adult = age_at(pop.birth[who], dates[k]) >= 16
            who, k = who[adult], k[adult]
            level = career.level_on(pop, who, dates[k])
            day_col = date_column(dates[k])
            level_file.write(
                number_column(pop.pid[who], 11), code_column(codes, level), day_col, day_col
            )
            field = career.field_on(level, who)
            field = np.where(field_unknown[who], 9, field)
            has = (level >= 3) & (level != UNKNOWN)
            field_file.write(
                number_column(pop.pid[who[has]], 11),
                code_column(codes, field[has]),
                day_col[has],
                day_col[has],
            )
