"""Code lists of the patient register: diagnoses (with who gets them and how they are
treated), procedures, care levels and urgency."""

from __future__ import annotations

from sample_registers.generator.metadata import Code

ICD10_FROM = "1999-01-01"  # ICD-10 has been used in Norwegian hospitals since 1999
NCSP_FROM = "2000-01-01"

# Diagnosis: code, bokmål, English, weights for men 0-17, 18-44, 45-66, 67+ and women
# 0-17, 18-44, 45-66, 67+, share of admissions, share of day treatment, share of acute
# contacts, and the typical procedure with how often it is done.
Diagnosis = tuple[str, str, str, tuple[float, ...], float, float, float, str | None, float]
DIAGNOSES: tuple[Diagnosis, ...] = (
    ("A09", "Annen gastroenteritt og kolitt av infeksiøs og uspesifisert opprinnelse",
     "Other gastroenteritis and colitis of infectious and unspecified origin",
     (4, 1, 0.5, 1, 4, 1, 0.5, 1), 0.4, 0.05, 0.85, None, 0),
    ("D50", "Jernmangelanemi", "Iron deficiency anaemia",
     (0.5, 0.3, 0.5, 1, 0.5, 1.5, 1, 1.2), 0.1, 0.3, 0.2, "UJD02", 0.3),
    ("E10", "Diabetes mellitus type 1", "Type 1 diabetes mellitus",
     (3, 2, 1, 0.5, 3, 2, 1, 0.5), 0.1, 0.05, 0.1, None, 0),
    ("E11", "Diabetes mellitus type 2", "Type 2 diabetes mellitus",
     (0, 0.5, 3, 3, 0, 0.5, 2, 2.5), 0.05, 0.05, 0.05, None, 0),
    ("E66", "Fedme", "Obesity", (0.5, 1, 1, 0.2, 0.5, 2, 1.5, 0.2), 0.05, 0.05, 0.02, None, 0),
    ("F10", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol",
     "Mental and behavioural disorders due to use of alcohol",
     (0.1, 2, 2, 0.8, 0.1, 0.8, 1, 0.3), 0.5, 0.05, 0.7, None, 0),
    ("F20", "Schizofreni", "Schizophrenia",
     (0.1, 1.5, 0.8, 0.2, 0.05, 0.8, 0.5, 0.2), 0.3, 0.05, 0.3, None, 0),
    ("F32", "Depressiv episode", "Depressive episode",
     (1, 3, 2, 0.8, 2, 5, 3, 1), 0.1, 0.05, 0.1, None, 0),
    ("F41", "Andre angstlidelser", "Other anxiety disorders",
     (1, 3, 1.5, 0.3, 2, 5, 2, 0.5), 0.05, 0.05, 0.1, None, 0),
    ("G35", "Multippel sklerose", "Multiple sclerosis",
     (0, 0.5, 0.5, 0.1, 0, 1.2, 1, 0.2), 0.05, 0.3, 0.05, None, 0),
    ("G40", "Epilepsi", "Epilepsy", (2, 1.5, 1, 0.8, 2, 1.5, 1, 0.8), 0.2, 0.05, 0.3, None, 0),
    ("H25", "Aldersrelatert katarakt", "Senile cataract",
     (0, 0, 1, 5, 0, 0, 1.2, 6), 0, 0.6, 0, "CJE20", 0.6),
    ("H40", "Glaukom", "Glaucoma", (0, 0.2, 1, 3, 0, 0.2, 1, 3), 0, 0.1, 0.02, None, 0),
    ("I10", "Essensiell (primær) hypertensjon", "Essential (primary) hypertension",
     (0, 0.3, 1.5, 2, 0, 0.3, 1.2, 2.2), 0.05, 0.05, 0.1, None, 0),
    ("I20", "Angina pectoris", "Angina pectoris",
     (0, 0.2, 2, 3, 0, 0.1, 1, 2.5), 0.4, 0.1, 0.5, "FNG05", 0.3),
    ("I21", "Akutt hjerteinfarkt", "Acute myocardial infarction",
     (0, 0.2, 2, 3.5, 0, 0.05, 0.7, 3), 0.95, 0, 0.95, "FNG05", 0.5),
    ("I25", "Kronisk iskemisk hjertesykdom", "Chronic ischaemic heart disease",
     (0, 0.1, 2, 4, 0, 0.05, 0.8, 3), 0.2, 0.2, 0.1, "FNG05", 0.15),
    ("I48", "Atrieflimmer og atrieflutter", "Atrial fibrillation and flutter",
     (0, 0.3, 2, 5, 0, 0.1, 1, 5), 0.3, 0.15, 0.4, None, 0),
    ("I50", "Hjertesvikt", "Heart failure",
     (0, 0.05, 0.8, 4, 0, 0.03, 0.4, 4), 0.6, 0.05, 0.7, None, 0),
    ("I63", "Hjerneinfarkt", "Cerebral infarction",
     (0, 0.1, 1, 3.5, 0, 0.1, 0.7, 3.5), 0.9, 0, 0.95, None, 0),
    ("J06", "Akutte infeksjoner i øvre luftveier med multiple og uspesifiserte lokalisasjoner",
     "Acute upper respiratory infections of multiple and unspecified sites",
     (5, 0.5, 0.3, 0.3, 5, 0.5, 0.3, 0.3), 0.3, 0, 0.9, None, 0),
    ("J18", "Pneumoni med uspesifisert mikroorganisme", "Pneumonia, organism unspecified",
     (2, 0.5, 1, 5, 2, 0.5, 0.8, 5), 0.8, 0, 0.9, None, 0),
    ("J44", "Annen kronisk obstruktiv lungesykdom", "Other chronic obstructive pulmonary disease",
     (0, 0.1, 1.5, 4, 0, 0.1, 1.5, 4), 0.5, 0.05, 0.6, None, 0),
    ("J45", "Astma", "Asthma", (4, 1.5, 1, 0.8, 3, 2, 1.5, 1), 0.15, 0.05, 0.4, None, 0),
    ("K35", "Akutt appendisitt", "Acute appendicitis",
     (3, 2, 0.5, 0.2, 3, 1.5, 0.5, 0.2), 0.95, 0, 0.95, "JEA01", 0.9),
    ("K50", "Crohns sykdom", "Crohn's disease",
     (0.5, 1.5, 1, 0.3, 0.5, 1.5, 1, 0.3), 0.15, 0.2, 0.1, "UJF32", 0.3),
    ("K80", "Gallestein", "Cholelithiasis",
     (0, 0.5, 1.5, 1.5, 0.1, 2, 2.5, 1.5), 0.5, 0.2, 0.4, "JKA21", 0.5),
    ("L40", "Psoriasis", "Psoriasis", (0.3, 1, 1, 0.5, 0.3, 1, 1, 0.5), 0, 0.1, 0, None, 0),
    ("M16", "Hofteleddsartrose", "Coxarthrosis (arthrosis of hip)",
     (0, 0.1, 1.5, 3, 0, 0.1, 1.8, 4), 0.4, 0.05, 0.02, "NFB40", 0.6),
    ("M17", "Kneleddsartrose", "Gonarthrosis (arthrosis of knee)",
     (0, 0.2, 2, 3, 0, 0.2, 2.2, 3.5), 0.35, 0.05, 0.02, "NGB40", 0.55),
    ("M54", "Ryggsmerter", "Dorsalgia",
     (0.3, 3, 3, 1.5, 0.3, 3, 3, 1.8), 0.05, 0.05, 0.2, None, 0),
    ("N39", "Andre sykdommer i urinveiene", "Other disorders of urinary system",
     (0.5, 0.2, 0.5, 2.5, 1.5, 1, 1, 3), 0.4, 0.05, 0.7, None, 0),
    ("O80", "Spontan fødsel av ett barn", "Single spontaneous delivery",
     (0, 0, 0, 0, 0, 8, 0.05, 0), 1.0, 0, 0.8, None, 0),
    ("O82", "Fødsel av ett barn ved keisersnitt", "Single delivery by caesarean section",
     (0, 0, 0, 0, 0, 1.6, 0.01, 0), 1.0, 0, 0.5, "MCA10", 1.0),
    ("R07", "Smerter i hals og bryst", "Pain in throat and chest",
     (0.5, 2.5, 3, 2.5, 0.5, 2.5, 2.5, 2.5), 0.3, 0, 0.8, None, 0),
    ("R10", "Smerter i buk og bekken", "Abdominal and pelvic pain",
     (3, 3, 2, 1.5, 3, 4, 2, 1.5), 0.3, 0.05, 0.7, None, 0),
    ("S06", "Intrakraniell skade", "Intracranial injury",
     (2, 1.5, 0.5, 1.5, 1.5, 0.8, 0.4, 1.5), 0.5, 0, 0.95, None, 0),
    ("S52", "Brudd i underarm", "Fracture of forearm",
     (3, 1, 0.8, 0.8, 2, 0.7, 1.5, 2.5), 0.15, 0.2, 0.9, None, 0),
    ("S72", "Brudd i lårben", "Fracture of femur",
     (0.2, 0.2, 0.4, 3, 0.2, 0.1, 0.4, 5), 0.95, 0, 0.95, None, 0),
    ("Z09", "Kontrollundersøkelse etter behandling for andre tilstander enn ondartede svulster",
     "Follow-up examination after treatment for conditions other than malignant neoplasms",
     (2, 2, 2.5, 3, 2, 2.5, 2.5, 3), 0, 0.05, 0, None, 0),
    ("Z51", "Annen medisinsk behandling", "Other medical care",
     (0.5, 0.5, 1, 1.5, 0.5, 0.5, 1, 1.5), 0.1, 0.5, 0, None, 0),
)

# Diagnoses of cancer patients, used only for contacts that follow a registered cancer
# case; the site's typical operation.
CANCER_DIAGNOSES: tuple[tuple[str, str, str, str | None], ...] = (
    ("C18", "Ondartet svulst i tykktarm", "Malignant neoplasm of colon", "JFB30"),
    ("C20", "Ondartet svulst i endetarm", "Malignant neoplasm of rectum", "JGB00"),
    ("C25", "Ondartet svulst i bukspyttkjertel", "Malignant neoplasm of pancreas", None),
    ("C34", "Ondartet svulst i bronkie og lunge", "Malignant neoplasm of bronchus and lung",
     "GDC00"),
    ("C43", "Ondartet melanom i hud", "Malignant melanoma of skin", None),
    ("C50", "Ondartet svulst i bryst", "Malignant neoplasm of breast", "HAB40"),
    ("C61", "Ondartet svulst i blærehalskjertel (prostata)", "Malignant neoplasm of prostate",
     "KEC01"),
    ("C67", "Ondartet svulst i urinblære", "Malignant neoplasm of bladder", None),
)
FOLLOW_UP = ("Z08", "Kontrollundersøkelse etter behandling for ondartet svulst",
             "Follow-up examination after treatment for malignant neoplasm")

# Conditions that are often recorded beside the main one.
COMORBIDITIES = ("D50", "E11", "E66", "F10", "F32", "I10", "I25", "I48", "I50", "J44", "J45",
                 "M54", "N39")

PROCEDURES: tuple[Code, ...] = tuple(Code(c, nb, en, NCSP_FROM) for c, nb, en in (
    ("CJE20", "Kataraktoperasjon med fakoemulsifikasjon og innsetting av kunstig linse",
     "Cataract surgery by phacoemulsification with insertion of intraocular lens"),
    ("FNG05", "Perkutan koronar intervensjon (PCI) med innsetting av stent",
     "Percutaneous coronary intervention (PCI) with insertion of stent"),
    ("GDC00", "Lobektomi av lunge", "Lobectomy of lung"),
    ("HAB40", "Brystbevarende kirurgi (partiell mastektomi)",
     "Breast-conserving surgery (partial mastectomy)"),
    ("HAC20", "Mastektomi", "Mastectomy"),
    ("JEA01", "Laparoskopisk appendektomi", "Laparoscopic appendicectomy"),
    ("JFB30", "Høyresidig hemikolektomi", "Right hemicolectomy"),
    ("JGB00", "Fremre reseksjon av endetarm", "Anterior resection of rectum"),
    ("JKA21", "Laparoskopisk kolecystektomi", "Laparoscopic cholecystectomy"),
    ("KEC01", "Radikal prostatektomi, laparoskopisk", "Radical prostatectomy, laparoscopic"),
    ("MCA10", "Keisersnitt", "Caesarean section"),
    ("NFB40", "Primær totalprotese i hofteledd, sementert",
     "Primary total hip arthroplasty, cemented"),
    ("NGB40", "Primær totalprotese i kneledd, sementert",
     "Primary total knee arthroplasty, cemented"),
    ("UJD02", "Gastroskopi", "Gastroscopy"),
    ("UJF32", "Koloskopi", "Colonoscopy"),
))

CARE_LEVELS: tuple[Code, ...] = (
    Code("1", "Døgnopphold", "Inpatient stay", "1999-01-01"),
    Code("2", "Dagbehandling", "Day treatment", "1999-01-01"),
    Code("3", "Poliklinisk kontakt", "Outpatient contact", "1999-01-01"),
)
URGENCY: tuple[Code, ...] = (
    Code("1", "Akutt", "Emergency", "1999-01-01"),
    Code("4", "Planlagt / elektiv", "Planned / elective", "1999-01-01"),
    Code("5", "Tilbakeføring av pasient fra annet sykehus",
         "Patient returned from another hospital", "1999-01-01"),
)


def diagnosis_codes() -> tuple[Code, ...]:
    rows = [(d[0], d[1], d[2]) for d in DIAGNOSES]
    rows += [(c[0], c[1], c[2]) for c in CANCER_DIAGNOSES]
    rows.append(FOLLOW_UP)
    return tuple(Code(c, nb, en, ICD10_FROM) for c, nb, en in sorted(rows))
