"""DDI-Codebook 2.5: one codeBook per datastore version, or per variable (for OAI-PMH).

The study is the datastore version (or the variable): citation, subjects, coverage,
method and access conditions, here; the files and variables are in ddi_variables. Every
element the CESSDA Data Catalogue profile marks mandatory is filled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from catalogue.domain.register import Register
from catalogue.domain.text import pick
from catalogue.export.ddi_common import (
    DDI_NS,
    DDI_SCHEMA,
    Ids,
    data_start,
    data_stop,
    day,
    ddi,
)
from catalogue.export.ddi_variables import file_description, variable, variable_groups
from catalogue.export.eu_vocabularies import themes_for
from catalogue.export.inputs import ReleaseInfo, Site, Snapshot, register_of, releases_in_force
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, description_of, label_of, pair
from catalogue.export.xml_text import XSI_SCHEMA_LOCATION, serialise

__all__ = ["DDI_NS", "DDI_SCHEMA", "Study", "codebook", "variable_study", "version_codebook"]

AGENCY = "regcat"
SAMPLING_VOCAB = "http://rdf-vocabulary.ddialliance.org/cv/SamplingProcedure/1.1/"


@dataclass(frozen=True)
class Study:
    """What one codeBook documents."""

    id: str
    title: list[tuple[str, str]]
    abstract: list[tuple[str, str]]
    uri: str  # where the study is described (holdings)
    version: str
    version_note: str
    released_at: datetime
    variables: Sequence[tuple[str, ReleaseInfo]]


def version_codebook(snapshot: Snapshot, version: str, site: Site) -> bytes:
    """The codeBook of datastore version `version` (it must be one of the snapshot's)."""
    summary = next(v for v in snapshot.versions if v.version == version)
    ds, iris = snapshot.datastore, Iris(site.base)
    in_force = sorted(releases_in_force(snapshot, version).items())
    registers_nb = ", ".join(pick(r.name, "nb") for r in snapshot.registers)
    registers_en = ", ".join(pick(r.name, "en") for r in snapshot.registers)
    study = Study(
        id=f"{ds}:{version}",
        title=pair(
            f"Registerdata i {ds}, versjon {version}", f"Register data in {ds}, version {version}"
        ),
        abstract=pair(
            f"Versjon {version} av datalageret {ds}: {len(in_force)} variabler fra "
            f"administrative registre ({registers_nb}). Mikrodata analyseres under "
            "utdatakontroll og leveres bare ut etter godkjent søknad.",
            f"Version {version} of the datastore {ds}: {len(in_force)} variables from "
            f"administrative registers ({registers_en}). Microdata are analysed under output "
            "control and delivered only on an approved request.",
        ),
        uri=iris.catalog(ds),
        version=version,
        version_note=summary.description,
        released_at=summary.released_at,
        variables=in_force,
    )
    return serialise(codebook(snapshot, study, site, iris.ddi_document(ds, version)), "ddi")


def variable_study(snapshot: Snapshot, name: str, site: Site) -> Study:
    """A one-variable study: the variable as of its latest release."""
    release = snapshot.variables[name][-1]
    meta = release.metadata
    return Study(
        id=f"{snapshot.datastore}:{name}:{release.version}",
        title=label_of(meta),
        abstract=description_of(meta),
        uri=Iris(site.base).variable_page(snapshot.datastore, name),
        version=release.version,
        version_note=release.note,
        released_at=release.released_at,
        variables=[(name, release)],
    )


def codebook(snapshot: Snapshot, study: Study, site: Site, document_uri: str) -> ET.Element:
    ids = Ids(study.id)
    root = ddi.el(None, "codeBook", version="2.5", ID=ids.of("CB", ""))
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "nb")
    root.set(XSI_SCHEMA_LOCATION, f"{DDI_NS} {DDI_SCHEMA}")
    _document_description(root, study, site, document_uri)
    _study_description(root, snapshot, study, site)
    for name, release in study.variables:
        file_description(root, snapshot, name, release, site, ids)
    data = ddi.el(root, "dataDscr")
    variable_groups(data, snapshot, study.variables, ids)
    for name, release in study.variables:
        variable(data, snapshot, name, release, ids)
    return root


def _document_description(root: ET.Element, study: Study, site: Site, uri: str) -> None:
    citation = ddi.el(ddi.el(root, "docDscr"), "citation")
    titles = ddi.el(citation, "titlStmt")
    nb, en = dict(study.title)["nb"], dict(study.title)["en"]
    ddi.texts(titles, "titl", [("nb", f"DDI-dokumentasjon: {nb}")])
    ddi.texts(titles, "parTitl", [("en", f"DDI documentation: {en}")])
    ddi.el(titles, "IDNo", f"{study.id}:ddi", agency=AGENCY)
    production = ddi.el(citation, "prodStmt")
    ddi.texts(production, "producer", bilingual(site.publisher_name))
    ddi.el(production, "prodDate", day(study.released_at), date=day(study.released_at))
    ddi.texts(citation, "holdings", [("en", "DDI-Codebook 2.5 document")], URI=uri)


def _owners(snapshot: Snapshot, study: Study) -> list[Register]:
    found: dict[str, Register] = {}
    for _, release in study.variables:
        register = register_of(snapshot, release.metadata)
        if register is not None:
            found.setdefault(register.key, register)
    return list(found.values())


def _study_description(root: ET.Element, snapshot: Snapshot, study: Study, site: Site) -> None:
    description = ddi.el(root, "stdyDscr")
    citation = ddi.el(description, "citation")
    titles = ddi.el(citation, "titlStmt")
    ddi.texts(titles, "titl", [study.title[0]])
    ddi.texts(titles, "parTitl", study.title[1:])
    ddi.el(titles, "IDNo", study.id, agency=AGENCY)
    owners = _owners(snapshot, study)
    responsible = ddi.el(citation, "rspStmt")
    for register in owners:
        ddi.texts(responsible, "AuthEnty", bilingual(register.owner.name))
    production = ddi.el(citation, "prodStmt")
    ddi.el(production, "prodDate", day(study.released_at), date=day(study.released_at))
    distribution = ddi.el(citation, "distStmt")
    ddi.texts(distribution, "distrbtr", bilingual(site.publisher_name), URI=site.base + "/")
    if site.contact_email:
        ddi.el(distribution, "contact", site.contact_email, email=site.contact_email)
    ddi.el(distribution, "distDate", day(study.released_at), date=day(study.released_at))
    versions = ddi.el(citation, "verStmt")
    ddi.el(versions, "version", study.version, date=day(study.released_at), type="release")
    if study.version_note.strip():
        ddi.el(versions, "notes", study.version_note)
    ddi.texts(citation, "holdings", pair("Variabelkatalog", "Variable catalogue"), URI=study.uri)

    info = ddi.el(description, "stdyInfo")
    subject = ddi.el(info, "subject")
    keywords: dict[tuple[str, str], None] = {}
    for _, release in study.variables:
        meta = release.metadata
        for texts in (*meta.extensions.categories, *meta.subject_fields):
            keywords.update(dict.fromkeys(bilingual(texts)))
    for lang, text in keywords:
        ddi.texts(subject, "keyword", [(lang, text)])
    words = [text for _, text in keywords]
    for term in themes_for(words):
        ddi.texts(
            subject,
            "topcClas",
            pair(term.nb, term.en),
            vocab="EU data theme",
            vocabURI=term.iri,
        )
    ddi.texts(info, "abstract", study.abstract)
    summary = ddi.el(info, "sumDscr")
    starts = [d for d in (data_start(r) for _, r in study.variables) if d]
    stops = [d for d in (data_stop(r) for _, r in study.variables) if d]
    if starts:
        ddi.el(
            summary, "timePrd", min(starts).isoformat(), event="start", date=min(starts).isoformat()
        )
    if stops:
        ddi.el(summary, "timePrd", max(stops).isoformat(), event="end", date=max(stops).isoformat())
    for lang, text in pair("Norge", "Norway"):
        ddi.texts(summary, "nation", [(lang, text)], abbr="NO")
    for unit in sorted({r.metadata.unit_type for _, r in study.variables}):
        ddi.texts(summary, "anlyUnit", pair(unit, unit), unit=unit)
    ddi.texts(
        summary, "dataKind", pair("Administrative registerdata", "Administrative register data")
    )

    collection = ddi.el(ddi.el(description, "method"), "dataColl")
    for lang, text in pair(
        "Totalpopulasjon: alle enheter registeret omfatter.",
        "Total universe: every unit the register covers.",
    ):
        sampling = ddi.texts(collection, "sampProc", [(lang, text)])[0]
        concept = ddi.el(sampling, "concept", "TotalUniverseCompleteEnumeration")
        concept.set("vocab", "DDI Sampling Procedure")
        concept.set("vocabURI", SAMPLING_VOCAB)
    ddi.texts(
        collection,
        "collMode",
        pair("Uttrekk fra administrative registre.", "Extract from administrative registers."),
    )

    access = ddi.el(description, "dataAccs")
    availability = ddi.el(access, "setAvail")
    ddi.el(availability, "accsPlac", "regcat", URI=site.base + "/")
    use = ddi.el(access, "useStmt")
    ddi.texts(
        use,
        "restrctn",
        pair(
            "Mikrodata er ikke tilgjengelige. Forskere ved godkjente institusjoner analyserer "
            "dataene gjennom analysetjenesten, og alle resultater passerer utdatakontroll.",
            "Microdata are not available. Researchers at approved institutions analyse the "
            "data through the analysis service, and every result passes output control.",
        ),
    )
    ddi.texts(
        use,
        "conditions",
        pair(
            "Variabler merket som utleverbare kan leveres som mikrodata med nye pseudonymer "
            "etter søknad som registereier godkjenner.",
            "Variables marked as exportable may be delivered as microdata with fresh "
            "pseudonyms on a request the register owner approves.",
        ),
    )
