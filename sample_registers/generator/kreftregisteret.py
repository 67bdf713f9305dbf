"""Kreftregisteret, the Cancer Registry of Norway: one unit per cancer case."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sample_registers.generator.cancer import SITES, Cases, cases
from sample_registers.generator.dates import Array, year_of
from sample_registers.generator.metadata import (
    Code,
    Dataset,
    DatasetKind,
    NbEn,
    Register,
    code_list_domain,
    described_domain,
)
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.population import Population
from sample_registers.generator.writer import code_column, date_column, number_column

NAME = "kreftregisteret"
CASE_ID_BASE = 100_000_000_000

_PRODUCT = "krefttilfeller-diagnostikk"
REGISTER = Register(
    register=NAME,
    name=("Kreftregisteret", "Cancer Registry of Norway"),
    description=(
        "Kreftregisteret samler opplysninger om alle krefttilfeller i Norge siden 1953: "
        "diagnose, utbredelse, diagnostikk og behandling, samt data fra de nasjonale "
        "kvalitetsregistrene for kreft.",
        "The Cancer Registry of Norway collects information on every cancer case in Norway "
        "since 1953: diagnosis, extent, diagnostics and treatment, and data from the national "
        "quality registries for cancer.",
    ),
    owner=("Kreftregisteret", "Cancer Registry of Norway"),
    owner_uri="https://www.kreftregisteret.no",
    owner_email="datautlevering@kreftregisteret.no",
    products=(
        (
            _PRODUCT,
            (
                "Krefttilfeller - diagnostikk og primærbehandling",
                "Cancer cases - diagnostics and primary treatment",
            ),
            (
                "Kjerneopplysninger om hvert krefttilfelle: diagnose, diagnosetidspunkt, grunnlag "
                "for diagnosen og klinisk TNM.",
                "Core data on each cancer case: diagnosis, date of diagnosis, basis for the "
                "diagnosis and clinical TNM.",
            ),
        ),
        (
            "kvalitetsregister-bryst",
            ("Nasjonalt kvalitetsregister for brystkreft", "Norwegian Breast Cancer Registry"),
            (
                "Utvidede opplysninger om brystkrefttilfeller fra 2009.",
                "Extended data on breast cancer cases from 2009.",
            ),
        ),
        (
            "kvalitetsregister-prostata",
            ("Nasjonalt kvalitetsregister for prostatakreft", "Norwegian Prostate Cancer Registry"),
            (
                "Utvidede opplysninger om prostatakrefttilfeller fra 2009.",
                "Extended data on prostate cancer cases from 2009.",
            ),
        ),
        (
            "kvalitetsregister-tykk-og-endetarm",
            (
                "Nasjonalt kvalitetsregister for tykk- og endetarmskreft",
                "Norwegian Colorectal Cancer Registry",
            ),
            (
                "Utvidede opplysninger om tykk- og endetarmskrefttilfeller fra 2013.",
                "Extended data on colorectal cancer cases from 2013.",
            ),
        ),
        (
            "kvalitetsregister-lunge",
            ("Nasjonalt kvalitetsregister for lungekreft", "Norwegian Lung Cancer Registry"),
            (
                "Utvidede opplysninger om lungekrefttilfeller fra 2017.",
                "Extended data on lung cancer cases from 2017.",
            ),
        ),
    ),
    sensitivity="PERSON_SPECIAL",
    default_product=_PRODUCT,
    exportable=False,
)

_SUBJECT: NbEn = ("Helse", "Health")
_CANCER: NbEn = ("Kreft", "Cancer")
_CASES_POPULATION: NbEn = (
    "Krefttilfeller diagnostisert 1953-2024 hos personer i befolkningen.",
    "Cancer cases diagnosed 1953-2024 in persons of the population.",
)
_LINK = "https://www.kreftregisteret.no/Registrene/Kreftregisteret/"


_case_dataset = DatasetKind(
    identifier="KRG_KREFTTILFELLE",
    subject=_SUBJECT,
    product=_PRODUCT,
    population=_CASES_POPULATION,
    valid_from="1953-01-01",
    categories=(_CANCER,),
    category=("Diagnostikk", "Diagnostics"),
    sensitivity="PERSON_SPECIAL",
    links=(_LINK,),
)


SITE_CODES = tuple(Code(code, nb, en, "1953-01-01") for code, nb, en, _ in SITES)
BASIS_CODES = (
    Code("0", "Kun dødsattest", "Death certificate only", "1953-01-01"),
    Code("1", "Klinisk undersøkelse", "Clinical examination", "1953-01-01"),
    Code(
        "2",
        "Klinisk utredning uten mikroskopi (bildediagnostikk, endoskopi, kirurgi)",
        "Clinical investigation without microscopy (imaging, endoscopy, surgery)",
        "1953-01-01",
    ),
    Code("4", "Spesifikke tumormarkører", "Specific tumour markers", "1953-01-01"),
    Code("5", "Cytologi", "Cytology", "1953-01-01"),
    Code("6", "Histologi av metastase", "Histology of a metastasis", "1953-01-01"),
    Code("7", "Histologi av primærtumor", "Histology of a primary tumour", "1953-01-01"),
)
UNKNOWN_9 = Code("9", "Ukjent", "Unknown")
TNM_FROM = "2000-01-01"
CT_CODES = (
    Code("0", "Ingen påvisbar primærtumor", "No evidence of primary tumour", TNM_FROM),
    Code(
        "1",
        "T1: liten tumor, begrenset til organet",
        "T1: small tumour confined to the organ",
        TNM_FROM,
    ),
    Code("2", "T2: større tumor eller lokal vekst", "T2: larger tumour or local growth", TNM_FROM),
    Code(
        "3",
        "T3: tumor vokser gjennom organets vegg eller er stor",
        "T3: tumour growing through the organ wall or large",
        TNM_FROM,
    ),
    Code(
        "4",
        "T4: tumor vokser inn i nabostrukturer",
        "T4: tumour invading adjacent structures",
        TNM_FROM,
    ),
    Code("X", "Primærtumor kan ikke vurderes", "Primary tumour cannot be assessed", TNM_FROM),
)
CN_CODES = (
    Code(
        "0",
        "Ingen metastaser i regionale lymfeknuter",
        "No regional lymph node metastasis",
        TNM_FROM,
    ),
    Code(
        "1",
        "N1: metastaser i få regionale lymfeknuter",
        "N1: metastasis in few regional lymph nodes",
        TNM_FROM,
    ),
    Code(
        "2",
        "N2: metastaser i flere regionale lymfeknuter",
        "N2: metastasis in several regional lymph nodes",
        TNM_FROM,
    ),
    Code(
        "3",
        "N3: utbredte metastaser i regionale lymfeknuter",
        "N3: extensive regional lymph node metastasis",
        TNM_FROM,
    ),
    Code(
        "X",
        "Regionale lymfeknuter kan ikke vurderes",
        "Regional lymph nodes cannot be assessed",
        TNM_FROM,
    ),
)
CM_CODES = (
    Code("0", "Ingen fjernmetastaser", "No distant metastasis", TNM_FROM),
    Code("1", "Fjernmetastaser", "Distant metastasis", TNM_FROM),
    Code(
        "X", "Fjernmetastaser kan ikke vurderes", "Distant metastasis cannot be assessed", TNM_FROM
    ),
)
ER_FROM, GLEASON_FROM, COLORECTAL_FROM, LUNG_FROM = (
    "2009-01-01",
    "2009-01-01",
    "2013-01-01",
    "2017-01-01",
)
ER_CODES = (Code("1", "Positiv", "Positive", ER_FROM), Code("2", "Negativ", "Negative", ER_FROM))
GLEASON_CODES = tuple(
    Code(str(s), f"Gleasonskår {s}{extra[0]}", f"Gleason score {s}{extra[1]}", GLEASON_FROM)
    for s, extra in (
        (6, ("", "")),
        (7, (" (3+4 eller 4+3)", " (3+4 or 4+3)")),
        (8, ("", "")),
        (9, ("", "")),
        (10, ("", "")),
    )
)
GLEASON_UNKNOWN = Code("99", "Ukjent", "Unknown")
LOCATION_CODES = tuple(
    Code(c, nb, en, COLORECTAL_FROM)
    for c, nb, en in (
        ("C18.0", "Blindtarm (cøkum)", "Caecum"),
        ("C18.2", "Colon ascendens", "Ascending colon"),
        ("C18.3", "Høyre fleksur", "Hepatic flexure"),
        ("C18.4", "Colon transversum", "Transverse colon"),
        ("C18.5", "Venstre fleksur", "Splenic flexure"),
        ("C18.6", "Colon descendens", "Descending colon"),
        ("C18.7", "Colon sigmoideum", "Sigmoid colon"),
        ("C18.9", "Tykktarm, uspesifisert", "Colon, unspecified"),
        ("C19.9", "Overgangen mellom sigmoideum og endetarm", "Rectosigmoid junction"),
        ("C20.9", "Endetarm", "Rectum"),
    )
)
HISTOLOGY_CODES = tuple(
    Code(c, nb, en, LUNG_FROM)
    for c, nb, en in (
        ("1", "Adenokarsinom", "Adenocarcinoma"),
        ("2", "Plateepitelkarsinom", "Squamous cell carcinoma"),
        ("3", "Småcellet karsinom", "Small cell carcinoma"),
        ("4", "Storcellet karsinom", "Large cell carcinoma"),
        ("5", "Annet ikke-småcellet karsinom", "Other non-small cell carcinoma"),
    )
)

PERSON = _case_dataset.person_link(
    "KRG_PERSON",
    ("Person med krefttilfellet", "Person with the cancer case"),
    ("krefttilfellet", "the cancer case"),
    "person",
)
DIAGNOSIS_DATE = _case_dataset(
    "KRG_DIAGNOSEDATO",
    ("Diagnosedato", "Date of diagnosis"),
    (
        "Datoen krefttilfellet ble diagnostisert, vanligvis datoen for første prøve som bekreftet "
        "kreft.",
        "The date the cancer case was diagnosed, usually the date of the first sample "
        "confirming cancer.",
    ),
    "diagnosedato",
    data_type="DATE",
    domain=described_domain(("Dato på formen ÅÅÅÅ-MM-DD.", "Date as YYYY-MM-DD.")),
)
AGE = _case_dataset(
    "KRG_ALDER_DIAGNOSE",
    ("Alder ved diagnose", "Age at diagnosis"),
    (
        "Personens alder i hele år på diagnosedatoen.",
        "The person's age in completed years on the date of diagnosis.",
    ),
    "alderDiagnose",
    data_type="LONG",
    exportable=True,
    domain=described_domain(("Alder i hele år.", "Age in completed years."), ("år", "years")),
)
SITE = _case_dataset(
    "KRG_ICD10",
    ("Kreftform (ICD-10)", "Cancer site (ICD-10)"),
    (
        "Primærtumorens lokalisasjon etter ICD-10, tre tegn. Tilfeller fra før ICD-10 er omkodet.",
        "Site of the primary tumour by ICD-10, three characters. Cases from before ICD-10 are "
        "recoded.",
    ),
    "icd10",
    data_type="STRING",
    exportable=True,
    category=("Kreftform", "Cancer site"),
    domain=code_list_domain(SITE_CODES, uri="https://www.ehelse.no/kodeverk-og-terminologi/ICD-10"),
)
BASIS = _case_dataset(
    "KRG_BASIS",
    ("Grunnlag for diagnosen", "Basis for diagnosis"),
    (
        "Den sikreste undersøkelsen diagnosen bygger på, gruppert etter IARCs kategorier for "
        "diagnosegrunnlag.",
        "The most valid investigation the diagnosis rests on, grouped by IARC's basis of "
        "diagnosis categories.",
    ),
    "basisDiagnose",
    data_type="STRING",
    exportable=True,
    domain=code_list_domain(BASIS_CODES, (UNKNOWN_9,)),
)
_TNM_POPULATION: NbEn = (
    "Solide krefttilfeller diagnostisert fra 2000.",
    "Solid cancer cases diagnosed from 2000.",
)


def _tnm_dataset(
    name: str, label: NbEn, description: NbEn, technical: str, codes: Sequence[Code]
) -> Dataset:
    """One of the clinical TNM classification's three parts: a code, from 2000, of the
    solid cases."""
    return _case_dataset(
        name,
        label,
        description,
        technical,
        data_type="STRING",
        valid_from=TNM_FROM,
        domain=code_list_domain(codes),
        category=("Stadium", "Stage"),
        population=_TNM_POPULATION,
    )


CT = _tnm_dataset(
    "KRG_CT",
    ("Klinisk T (primærtumor)", "Clinical T (primary tumour)"),
    (
        "Primærtumorens størrelse og vekst etter klinisk TNM-klassifikasjon.",
        "Size and extent of the primary tumour by the clinical TNM classification.",
    ),
    "cT",
    CT_CODES,
)
CN = _tnm_dataset(
    "KRG_CN",
    ("Klinisk N (regionale lymfeknuter)", "Clinical N (regional lymph nodes)"),
    (
        "Spredning til regionale lymfeknuter etter klinisk TNM-klassifikasjon.",
        "Spread to regional lymph nodes by the clinical TNM classification.",
    ),
    "cN",
    CN_CODES,
)
CM = _tnm_dataset(
    "KRG_CM",
    ("Klinisk M (fjernmetastaser)", "Clinical M (distant metastasis)"),
    (
        "Fjernmetastaser etter klinisk TNM-klassifikasjon.",
        "Distant metastasis by the clinical TNM classification.",
    ),
    "cM",
    CM_CODES,
)
ER = _case_dataset(
    "KRG_BRYST_ER_STATUS",
    ("Østrogenreseptorstatus", "Oestrogen receptor status"),
    (
        "Om svulstens celler har østrogenreseptorer (ER-positiv), fra patologisvaret.",
        "Whether the tumour cells carry oestrogen receptors (ER positive), from the pathology "
        "report.",
    ),
    "erStatus",
    data_type="STRING",
    exportable=True,
    valid_from=ER_FROM,
    product="kvalitetsregister-bryst",
    category=("Brystkreft", "Breast cancer"),
    domain=code_list_domain(ER_CODES, (UNKNOWN_9,)),
    population=(
        "Brystkrefttilfeller diagnostisert fra 2009.",
        "Breast cancer cases diagnosed from 2009.",
    ),
)
GLEASON = _case_dataset(
    "KRG_PROSTATA_GLEASON",
    ("Gleasonskår", "Gleason score"),
    (
        "Samlet Gleasonskår fra biopsi, summen av de to vanligste vekstmønstrene.",
        "Total Gleason score from biopsy, the sum of the two most common growth patterns.",
    ),
    "gleason",
    data_type="STRING",
    exportable=True,
    valid_from=GLEASON_FROM,
    product="kvalitetsregister-prostata",
    category=("Prostatakreft", "Prostate cancer"),
    domain=code_list_domain(GLEASON_CODES, (GLEASON_UNKNOWN,)),
    population=(
        "Prostatakrefttilfeller diagnostisert fra 2009.",
        "Prostate cancer cases diagnosed from 2009.",
    ),
)
LOCATION = _case_dataset(
    "KRG_TYKKTARM_LOKALISASJON",
    ("Svulstens lokalisasjon i tarmen", "Location of the tumour in the bowel"),
    (
        "Hvor i tykktarmen eller endetarmen primærsvulsten sitter, etter ICD-10 med fire tegn.",
        "Where in the colon or rectum the primary tumour sits, by four-character ICD-10.",
    ),
    "tarmLokalisasjon",
    data_type="STRING",
    exportable=True,
    valid_from=COLORECTAL_FROM,
    product="kvalitetsregister-tykk-og-endetarm",
    category=("Tykk- og endetarmskreft", "Colorectal cancer"),
    domain=code_list_domain(LOCATION_CODES),
    population=(
        "Tykk- og endetarmskrefttilfeller diagnostisert fra 2013.",
        "Colorectal cancer cases diagnosed from 2013.",
    ),
)
HISTOLOGY = _case_dataset(
    "KRG_LUNGE_HISTOLOGI",
    ("Histologisk type", "Histological type"),
    (
        "Lungekreftens histologiske type, gruppert.",
        "Histological type of the lung cancer, grouped.",
    ),
    "lungeHistologi",
    data_type="STRING",
    exportable=True,
    valid_from=LUNG_FROM,
    product="kvalitetsregister-lunge",
    category=("Lungekreft", "Lung cancer"),
    domain=code_list_domain(HISTOLOGY_CODES, (UNKNOWN_9,)),
    population=(
        "Lungekrefttilfeller diagnostisert fra 2017.",
        "Lung cancer cases diagnosed from 2017.",
    ),
)

DATASETS = (PERSON, DIAGNOSIS_DATE, AGE, SITE, BASIS, CT, CN, CM, ER, GLEASON, LOCATION, HISTOLOGY)

_NON_SOLID = {"C71", "C81", "C83", "C85", "C90", "C91", "C92"}
# Mean severity (stage) on a latent scale: screening finds breast, prostate and melanoma
# early; lung and pancreas are mostly found late.
_SEVERITY = {
    "C43": -0.8,
    "C50": -0.6,
    "C61": -0.3,
    "C73": -0.8,
    "C62": -0.5,
    "C54": -0.6,
    "C34": 0.7,
    "C25": 0.9,
    "C15": 0.6,
    "C16": 0.5,
    "C22": 0.6,
    "C56": 0.6,
}


def _choose(rng: np.random.Generator, p: Array | list[float], n: int) -> Array:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def write(pop: Population, out: RegisterOutput) -> None:
    c = cases(pop)
    n = len(c.person)
    case_id = number_column(CASE_ID_BASE + 1 + np.arange(n), 12)
    day_col = date_column(c.diagnosed)
    site_code = np.array([s[0] for s in SITES])[c.site]
    year = year_of(c.diagnosed)

    def event(
        spec: Dataset, mask: Array, codes: tuple[Code, ...] | list[str], value: Array
    ) -> None:
        table = [x.code if isinstance(x, Code) else x for x in codes]
        with out.dataset(spec) as f:
            f.write(case_id[mask], code_column(table, value[mask]), day_col[mask], day_col[mask])

    everything = np.ones(n, dtype=bool)
    with out.dataset(PERSON) as f:
        f.write(case_id, number_column(pop.pid[c.person], 11))
    with out.dataset(DIAGNOSIS_DATE) as f:
        f.write(case_id, day_col, day_col, day_col)
    with out.dataset(AGE) as f:
        f.write(case_id, number_column(c.age), day_col, day_col)
    event(SITE, everything, [s[0] for s in SITES], c.site)
    event(BASIS, everything, [*(b.code for b in BASIS_CODES), "9"], _basis(pop, c, site_code))

    t, nn, m = _tnm(pop, c, site_code)
    staged = (year >= 2000) & ~np.isin(site_code, list(_NON_SOLID))
    event(CT, staged, CT_CODES, t)
    event(CN, staged, CN_CODES, nn)
    event(CM, staged, CM_CODES, m)

    rng = pop.stream(NAME, "quality-registers")
    er = _choose(rng, [78, 20, 2], n)
    event(ER, (site_code == "C50") & (year >= 2009), ["1", "2", "9"], er)
    gleason = _choose(rng, [25, 45, 13, 13, 3, 1], n)
    event(
        GLEASON,
        (site_code == "C61") & (year >= 2009),
        [*(g.code for g in GLEASON_CODES), GLEASON_UNKNOWN.code],
        gleason,
    )
    colon_part = _choose(rng, [20, 17, 5, 10, 4, 6, 33, 5], n)
    location = np.where(site_code == "C19", 8, np.where(site_code == "C20", 9, colon_part))
    event(
        LOCATION,
        np.isin(site_code, ["C18", "C19", "C20"]) & (year >= 2013),
        LOCATION_CODES,
        location,
    )
    histology = _choose(rng, [50, 22, 13, 3, 9, 3], n)
    event(
        HISTOLOGY, (site_code == "C34") & (year >= 2017), ["1", "2", "3", "4", "5", "9"], histology
    )


def _basis(pop: Population, c: Cases, site_code: Array) -> Array:
    """Index into BASIS_CODES + ["9"]: histology has become the rule over the decades."""
    rng = pop.stream(NAME, "basis")
    n = len(c.person)
    weight_early = np.array([0, 8, 12, 0.5, 4, 3, 70, 2.5])
    weight_late = np.array([0, 1.5, 5, 1, 3, 3, 86, 0.5])
    share_late = np.clip((year_of(c.diagnosed) - 1960) / 40.0, 0.0, 1.0)[:, None]
    weights = (1 - share_late) * weight_early + share_late * weight_late
    # Tumours that are hard to biopsy are often diagnosed by imaging alone.
    hard = np.isin(site_code, ["C22", "C25", "C71"])
    weights[hard, 2] *= 4
    weights[site_code == "C61", 3] *= 3  # PSA
    cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    v = rng.random(n)
    return np.minimum((v[:, None] > cdf).sum(axis=1), weights.shape[1] - 1)


def _tnm(pop: Population, c: Cases, site_code: Array) -> tuple[Array, Array, Array]:
    """Indices into CT_CODES, CN_CODES and CM_CODES from one latent severity per case, so
    that large tumours more often have spread."""
    rng = pop.stream(NAME, "tnm")
    n = len(c.person)
    severity = rng.normal(0.0, 1.0, n) + np.array([_SEVERITY.get(s, 0.0) for s in site_code])
    t = 1 + np.searchsorted([-0.6, 0.5, 1.3], severity + rng.normal(0, 0.5, n))
    t = np.where(rng.random(n) < 0.01, 0, t)
    nn = np.searchsorted([0.4, 1.2, 1.9], severity + rng.normal(0, 0.6, n))
    m = (severity + rng.normal(0, 0.5, n) > 1.3).astype(np.int64)
    t = np.where(rng.random(n) < 0.06, 5, t)
    nn = np.where(rng.random(n) < 0.08, 4, nn)
    m = np.where(rng.random(n) < 0.08, 2, m)
    return t, nn, m
