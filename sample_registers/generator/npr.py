"""Norsk pasientregister: contacts with specialist somatic health care, 2016-2025."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_registers.generator.cancer import SITES, cases
from sample_registers.generator.dates import NEVER, Array, age_at, day, year_of
from sample_registers.generator.family import residence
from sample_registers.generator.hospital import (
    CANCER_DIAGNOSES,
    CARE_LEVELS,
    COMORBIDITIES,
    DIAGNOSES,
    FOLLOW_UP,
    PROCEDURES,
    URGENCY,
    diagnosis_codes,
)
from sample_registers.generator.metadata import (
    Code,
    Dataset,
    DatasetKind,
    NbEn,
    Register,
    code_list_domain,
)
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.places import HEALTH_REGIONS, HEALTH_TRUSTS, PLACES
from sample_registers.generator.population import EXTRACT_END, Population
from sample_registers.generator.writer import code_column, date_column, number_column

NAME = "npr"
FIRST_YEAR, LAST_YEAR = 2016, 2025
EPISODE_ID_BASE = 500_000_000_000
# Contacts per person-year at age 45; contacts rise with the square of age.
CONTACT_RATE = 0.02

_PRODUCT = "somatikk-episoder"
REGISTER = Register(
    register=NAME,
    name=("Norsk pasientregister (NPR)", "Norwegian Patient Registry (NPR)"),
    description=(
        "Norsk pasientregister har opplysninger om alle pasienter som får behandling i "
        "spesialisthelsetjenesten: innleggelser, dagbehandling og polikliniske kontakter.",
        "The Norwegian Patient Registry holds information on all patients treated by the "
        "specialist health service: admissions, day treatment and outpatient contacts.",
    ),
    owner=(
        "Helsedirektoratet, Norsk pasientregister",
        "Norwegian Directorate of Health, Norwegian Patient Registry",
    ),
    owner_uri="https://www.helsedirektoratet.no/tema/statistikk-registre-og-rapporter/"
    "helsedata-og-helseregistre/norsk-pasientregister-npr",
    owner_email="npr@helsedir.no",
    products=(
        (
            _PRODUCT,
            ("Somatikk - episoder", "Somatic care - episodes"),
            (
                "Episoder i somatisk spesialisthelsetjeneste: omsorgsnivå, hastegrad, "
                "diagnoser, prosedyrer og behandlingssted.",
                "Episodes in somatic specialist care: care level, urgency, diagnoses, "
                "procedures and place of treatment.",
            ),
        ),
    ),
    sensitivity="PERSON_SPECIAL",
    default_product=_PRODUCT,
    exportable=False,
)

_SUBJECT: NbEn = ("Helse", "Health")
_POPULATION: NbEn = (
    "Episoder i somatisk spesialisthelsetjeneste 2016-2025 for personer i befolkningen.",
    "Episodes in somatic specialist care 2016-2025 for persons of the population.",
)
_LINK = (
    "https://www.helsedirektoratet.no/tema/statistikk-registre-og-rapporter/"
    "helsedata-og-helseregistre/norsk-pasientregister-npr",
)
_ICD10_URI = "https://www.ehelse.no/kodeverk-og-terminologi/ICD-10"


_episode_dataset = DatasetKind(
    identifier="NPR_EPISODE",
    subject=_SUBJECT,
    product=_PRODUCT,
    population=_POPULATION,
    valid_from="2016-01-01",
    categories=(("Spesialisthelsetjenesten", "Specialist health care"),),
    category=("Kontakt", "Contact"),
    sensitivity="PERSON_SPECIAL",
    links=_LINK,
)


DIAGNOSIS_CODES = diagnosis_codes()

PERSON = _episode_dataset.person_link(
    "NPR_PERSON",
    ("Pasient", "Patient"),
    ("episoden", "the episode"),
    "pasient",
)
CARE = _episode_dataset(
    "NPR_OMSORGSNIVAA",
    ("Omsorgsnivå", "Care level"),
    (
        "Om episoden var et døgnopphold, dagbehandling eller en poliklinisk kontakt. Perioden "
        "går fra innskrivning til utskrivning.",
        "Whether the episode was an inpatient stay, day treatment or an outpatient contact. The "
        "period runs from admission to discharge.",
    ),
    "omsorgsnivaa",
    data_type="STRING",
    exportable=True,
    domain=code_list_domain(CARE_LEVELS),
)
URGENCY_DATASET = _episode_dataset(
    "NPR_HASTEGRAD",
    ("Hastegrad", "Urgency"),
    (
        "Om kontakten var akutt, planlagt eller en tilbakeføring fra et annet sykehus.",
        "Whether the contact was an emergency, planned, or a return from another hospital.",
    ),
    "hastegrad",
    data_type="STRING",
    exportable=True,
    domain=code_list_domain(URGENCY),
)
MAIN = _episode_dataset(
    "NPR_HOVEDTILSTAND",
    ("Hovedtilstand", "Main condition"),
    (
        "Tilstanden som i hovedsak var årsak til episoden, etter ICD-10 med tre tegn.",
        "The condition chiefly responsible for the episode, by three-character ICD-10.",
    ),
    "hovedtilstand",
    data_type="STRING",
    exportable=True,
    category=("Diagnose", "Diagnosis"),
    domain=code_list_domain(DIAGNOSIS_CODES, uri=_ICD10_URI),
)
SECONDARY = _episode_dataset(
    "NPR_BITILSTAND",
    ("Bitilstand", "Secondary condition"),
    (
        "En tilstand som forelå samtidig med hovedtilstanden og påvirket behandlingen, etter "
        "ICD-10 med tre tegn. Bare for noen episoder.",
        "A condition present together with the main condition that affected the care, by "
        "three-character ICD-10. Only for some episodes.",
    ),
    "bitilstand",
    data_type="STRING",
    category=("Diagnose", "Diagnosis"),
    domain=code_list_domain(DIAGNOSIS_CODES, uri=_ICD10_URI),
)
PROCEDURE = _episode_dataset(
    "NPR_PROSEDYRE_KODE",
    ("Prosedyre", "Procedure"),
    (
        "Den viktigste kirurgiske eller undersøkende prosedyren i episoden, fra et forenklet "
        "utvalg av NCSP-koder. Bare for episoder med en prosedyre.",
        "The main surgical or investigative procedure of the episode, from a simplified "
        "selection of NCSP codes. Only for episodes with a procedure.",
    ),
    "prosedyre",
    data_type="STRING",
    category=("Prosedyre", "Procedure"),
    domain=code_list_domain(PROCEDURES, uri="https://www.ehelse.no/kodeverk-og-terminologi/NCSP"),
)
REGION = _episode_dataset(
    "NPR_HELSEREGION",
    ("Helseregion", "Health region"),
    (
        "Det regionale helseforetaket som behandlet pasienten.",
        "The regional health authority that treated the patient.",
    ),
    "helseregion",
    data_type="STRING",
    exportable=True,
    category=("Behandlingssted", "Place of treatment"),
    domain=code_list_domain(HEALTH_REGIONS),
)
TRUST = _episode_dataset(
    "NPR_HELSEFORETAK",
    ("Helseforetak", "Health trust"),
    (
        "Helseforetaket som behandlet pasienten. Koden er regionens nummer fulgt av et løpenummer.",
        "The health trust that treated the patient. The code is the region's number followed "
        "by a serial number.",
    ),
    "helseforetak",
    data_type="STRING",
    exportable=True,
    category=("Behandlingssted", "Place of treatment"),
    domain=code_list_domain(HEALTH_TRUSTS),
)

DATASETS = (PERSON, CARE, URGENCY_DATASET, MAIN, SECONDARY, PROCEDURE, REGION, TRUST)


@dataclass(frozen=True)
class Episodes:
    """Episodes in id order (start date, then person)."""

    person: Array
    start: Array
    stop: Array  # NEVER for a stay still going on at the extract date
    care: Array  # index into CARE_LEVELS
    urgency: Array  # index into URGENCY
    main: Array  # index into DIAGNOSIS_CODES
    secondary: Array  # index into DIAGNOSIS_CODES, -1 for none
    procedure: Array  # index into PROCEDURES, -1 for none
    trust: Array  # index into HEALTH_TRUSTS


def episodes(pop: Population) -> Episodes:
    return pop.derive("npr.episodes", _simulate)


def _code_index(code: str, codes: tuple[Code, ...]) -> int:
    return [c.code for c in codes].index(code)


def _band(age: Array, male: Array) -> Array:
    """Column of the diagnosis weights: men 0-17, 18-44, 45-66, 67+, then women."""
    return np.searchsorted([18, 45, 67], age, side="right") + np.where(male, 0, 4)


def _general_contacts(pop: Population, rng: np.random.Generator) -> tuple[Array, Array]:
    persons, starts = [], []
    birth = pop.birth.astype(np.int64)
    death = pop.death.astype(np.int64)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        first, last = day(year), day(year, 12, 31)
        lo, hi = np.maximum(birth, first), np.minimum(death, last)
        exposure = np.clip((hi - lo + 1) / (last - first + 1), 0.0, 1.0)
        age = np.clip(year - pop.birth_year, 0, 95)
        rate = CONTACT_RATE * (
            0.35
            + (age / 45.0) ** 2
            + 0.6 * (age == 0)
            + 0.25 * (~pop.male & (age >= 20) & (age <= 40))
        )
        count = rng.poisson(rate * exposure)
        who = np.repeat(np.arange(pop.n), count)
        span = np.maximum(hi[who] - lo[who] + 1, 1)
        persons.append(who)
        starts.append(lo[who] + (rng.random(len(who)) * span).astype(np.int64))
    return np.concatenate(persons), np.concatenate(starts)


def _cancer_contacts(pop: Population, rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """Contacts around the diagnosis of registered cancers: work-up, treatment, follow-up."""
    c = cases(pop)
    site_code = np.array([s[0] for s in SITES])[c.site]
    npr_sites = [d[0] for d in CANCER_DIAGNOSES]
    eligible = np.isin(site_code, npr_sites) & (c.diagnosed >= day(FIRST_YEAR) - 365)
    case = np.flatnonzero(eligible)
    count = (rng.random(len(case)) < 0.8) * (1 + rng.poisson(0.8, len(case)))
    case = np.repeat(case, count)
    nth = np.arange(len(case)) - np.repeat(np.cumsum(count) - count, count)
    offset = np.where(nth == 0, -rng.integers(0, 30, len(case)), rng.integers(7, 365, len(case)))
    start = c.diagnosed[case] + offset
    code = np.array([_code_index(s, DIAGNOSIS_CODES) for s in site_code[case]], dtype=np.int64)
    follow_up = (nth >= 2) & (rng.random(len(case)) < 0.4)
    code = np.where(follow_up, _code_index(FOLLOW_UP[0], DIAGNOSIS_CODES), code)
    person = c.person[case]
    keep = (
        (start >= day(FIRST_YEAR))
        & (start <= EXTRACT_END)
        & (start <= pop.death[person])
        & (start >= pop.birth[person])
    )
    return person[keep], start[keep], code[keep]


def _simulate(pop: Population) -> Episodes:
    rng = pop.stream(NAME, "episodes")
    g_person, g_start = _general_contacts(pop, rng)
    c_person, c_start, c_main = _cancer_contacts(pop, rng)

    # Diagnoses of general contacts by sex and age group.
    weights = np.array([d[3] for d in DIAGNOSES], dtype=float)
    general_codes = np.array([_code_index(d[0], DIAGNOSIS_CODES) for d in DIAGNOSES])
    band = _band(age_at(pop.birth[g_person], g_start), pop.male[g_person])
    g_main = np.empty(len(g_person), dtype=np.int64)
    for b in range(8):
        at = np.flatnonzero(band == b)
        g_main[at] = general_codes[
            rng.choice(len(DIAGNOSES), size=len(at), p=weights[:, b] / weights[:, b].sum())
        ]

    person = np.concatenate([g_person, c_person])
    start = np.concatenate([g_start, c_start])
    main = np.concatenate([g_main, c_main])
    is_cancer = np.r_[np.zeros(len(g_person), bool), np.ones(len(c_person), bool)]
    order = np.lexsort((person, start))
    person, start, main, is_cancer = person[order], start[order], main[order], is_cancer[order]
    n = len(person)
    age = age_at(pop.birth[person], start)

    # How each diagnosis is treated: admissions, day treatment, emergencies, procedures.
    p_stay = np.full(len(DIAGNOSIS_CODES), 0.35)
    p_day = np.full(len(DIAGNOSIS_CODES), 0.25)
    p_acute = np.full(len(DIAGNOSIS_CODES), 0.15)
    procedure_of = np.full(len(DIAGNOSIS_CODES), -1)
    p_procedure = np.full(len(DIAGNOSIS_CODES), 0.3)
    for d in DIAGNOSES:
        i = _code_index(d[0], DIAGNOSIS_CODES)
        p_stay[i], p_day[i], p_acute[i] = d[4], d[5], d[6]
        if d[7]:
            procedure_of[i], p_procedure[i] = _code_index(d[7], PROCEDURES), d[8]
    for code, _, _, operation in CANCER_DIAGNOSES:
        if operation:
            procedure_of[_code_index(code, DIAGNOSIS_CODES)] = _code_index(operation, PROCEDURES)
    follow_up = _code_index(FOLLOW_UP[0], DIAGNOSIS_CODES)
    p_stay[follow_up], p_day[follow_up], p_acute[follow_up] = 0.0, 0.05, 0.0

    u = rng.random(n)
    care = np.where(u < p_stay[main], 0, np.where(u < p_stay[main] + p_day[main], 1, 2))
    urgency = np.where(rng.random(n) < p_acute[main], 0, 1)
    urgency = np.where((care == 0) & (rng.random(n) < 0.03), 2, urgency)

    mean_stay = 2.5 + age / 25.0
    length = np.where(care == 0, rng.geometric(1.0 / mean_stay), 0)
    stop = np.minimum(start + length, pop.death[person])
    stop = np.where(stop > EXTRACT_END, NEVER, stop)

    procedure = np.where(rng.random(n) < p_procedure[main], procedure_of[main], -1)
    mastectomy = (procedure == _code_index("HAB40", PROCEDURES)) & (rng.random(n) < 0.3)
    procedure = np.where(mastectomy, _code_index("HAC20", PROCEDURES), procedure)

    secondary = _secondary(rng, pop, person, age, care, main)

    # Treated by the local trust, or by the region's university hospital.
    where = residence(pop)
    place = where.place[where.place_in(year_of(start)), person]
    trust_codes = [t.code for t in HEALTH_TRUSTS]
    local = np.array([trust_codes.index(p.trust) for p in PLACES])[place]
    university = np.array([trust_codes.index(t.code[:2] + "01") for t in HEALTH_TRUSTS])[local]
    p_university = np.where(is_cancer | (care == 0), 0.25, 0.08)
    trust = np.where(rng.random(n) < p_university, university, local)
    return Episodes(person, start, stop, care, urgency, main, secondary, procedure, trust)


def _secondary(
    rng: np.random.Generator, pop: Population, person: Array, age: Array, care: Array, main: Array
) -> Array:
    n = len(person)
    chance = np.array([0.6, 0.3, 0.2])[care] * np.clip(0.4 + age / 100.0, 0.4, 1.2)
    rows = [next(d for d in DIAGNOSES if d[0] == c) for c in COMORBIDITIES]
    weights = np.array([r[3] for r in rows], dtype=float)
    codes = np.array([_code_index(c, DIAGNOSIS_CODES) for c in COMORBIDITIES])
    band = _band(age, pop.male[person])
    secondary = np.full(n, -1, dtype=np.int64)
    has = rng.random(n) < chance
    for b in range(8):
        at = np.flatnonzero(has & (band == b))
        p = weights[:, b] / weights[:, b].sum()
        secondary[at] = codes[rng.choice(len(codes), size=len(at), p=p)]
    return np.where(secondary == main, -1, secondary)


def write(pop: Population, out: RegisterOutput) -> None:
    e = episodes(pop)
    n = len(e.person)
    ids = number_column(EPISODE_ID_BASE + 1 + np.arange(n), 12)
    start, stop = date_column(e.start), date_column(e.stop)
    everyone = np.ones(n, dtype=bool)

    def event(spec: Dataset, codes: tuple[Code, ...], value: Array, mask: Array) -> None:
        with out.dataset(spec) as f:
            f.write(
                ids[mask],
                code_column([c.code for c in codes], value[mask]),
                start[mask],
                stop[mask],
            )

    with out.dataset(PERSON) as f:
        f.write(ids, number_column(pop.pid[e.person], 11))
    event(CARE, CARE_LEVELS, e.care, everyone)
    event(URGENCY_DATASET, URGENCY, e.urgency, everyone)
    event(MAIN, DIAGNOSIS_CODES, e.main, everyone)
    event(SECONDARY, DIAGNOSIS_CODES, e.secondary, e.secondary >= 0)
    event(PROCEDURE, PROCEDURES, e.procedure, e.procedure >= 0)
    region_of_trust = np.array(
        [[r.code for r in HEALTH_REGIONS].index(t.code[:2]) for t in HEALTH_TRUSTS]
    )
    event(REGION, HEALTH_REGIONS, region_of_trust[e.trust], everyone)
    event(TRUST, HEALTH_TRUSTS, e.trust, everyone)
