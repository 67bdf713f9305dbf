"""One variable as DCAT 3: a dcat:DatasetSeries (also a dcat:Dataset, as DCAT-AP-NO
harvesters list series among datasets) whose releases are dcat:Datasets.

A release is the revision of the variable that a datastore version first contained; it
stays valid, unchanged, in later versions until a CHANGE, APPEND, PATCH_METADATA or
REMOVE replaces it. So dcat:version is the datastore version that released it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from catalogue.domain.register import Register
from catalogue.domain.text import localise
from catalogue.domain.variable import VariableMetadata
from catalogue.export.dcat_shared import SharedParts
from catalogue.export.eu_vocabularies import ACCESS_RESTRICTED, IRREGULAR, NORWAY, themes_for
from catalogue.export.inputs import ReleaseInfo, Snapshot, register_of
from catalogue.export.language import bilingual, description_of, label_of, pair
from catalogue.export.rdf_model import Resource, date_literal, datetime_literal
from catalogue.export.rdf_namespaces import ADMS, DCAT, DCT, FOAF
from catalogue.export.skos_codes import describe_code_lists

OPERATIONS = {
    "ADD": ("Lagt til", "Added"),
    "CHANGE": ("Nye data", "New data"),
    "PATCH_METADATA": ("Metadata rettet", "Metadata corrected"),
    "APPEND": ("Nye perioder lagt til", "Periods appended"),
}
_NORWAY_WORDS = ("norge", "noreg", "norway")
ANALYSIS_TITLE = pair("Analyse under utdatakontroll", "Analysis under output control")
EXPORT_TITLE = pair("Utlevering av mikrodata etter søknad", "Microdata export on approved request")


def describe_variable(
    parts: SharedParts, snapshot: Snapshot, name: str, service: Resource
) -> list[Resource]:
    """The series, its releases, their distributions and periods, and the code lists."""
    ds, iris = snapshot.datastore, parts.iris
    history = snapshot.variables[name]
    latest = history[-1].metadata
    register = register_of(snapshot, latest)
    publisher = parts.owner(ds, register)
    codes = describe_code_lists(iris, ds, name, history, publisher)
    page = iris.variable_page(ds, name)
    series_iri = iris.series(ds, name)
    out = [Resource(page, [FOAF.Document])]

    release_iris = [iris.release(ds, name, r.version) for r in history]
    for i, release in enumerate(history):
        previous = release_iris[i - 1] if i > 0 else None
        r = Resource(release_iris[i], [DCAT.Dataset])
        _describe_common(parts, r, snapshot, release.metadata, publisher, page)
        out.extend(_describe_release(parts, r, release, ds, series_iri, previous))
        r.add_all(DCT.relation, codes.schemes_of.get(release.version, []))
        out.extend(_distributions(parts, r, release.metadata, page, service))
        service.add(DCAT.servesDataset, r.iri)
        out.append(r)

    series = Resource(series_iri, [DCAT.DatasetSeries, DCAT.Dataset])
    series.text(DCT.title, label_of(latest))
    _describe_common(parts, series, snapshot, latest, publisher, page)
    series.add(DCT.issued, datetime_literal(history[0].released_at))
    series.add(DCT.modified, datetime_literal(history[-1].released_at))
    series.add(DCT.accrualPeriodicity, parts.term(IRREGULAR))
    out.extend(_period(series, f"{series_iri}-period", *_series_period(history)))
    series.add(DCAT.first, release_iris[0]).add(DCAT.last, release_iris[-1])
    series.add_all(DCAT.hasVersion, release_iris)
    if name in snapshot.current:
        series.add(DCAT.hasCurrentVersion, release_iris[-1])
    return [series, *out, *codes.resources]  # the series first: it is what a reader wants


def _describe_release(
    parts: SharedParts,
    r: Resource,
    release: ReleaseInfo,
    datastore: str,
    series: str,
    previous: str | None,
) -> list[Resource]:
    """What makes a release a version: its number, notes, place in the series, dates."""
    version = release.version
    r.text(
        DCT.title, [(lang, _versioned(lang, t, version)) for lang, t in label_of(release.metadata)]
    )
    r.plain(DCAT.version, version)
    r.text(ADMS.versionNotes, _version_notes(release))
    r.add(DCAT.inSeries, series)
    if previous is not None:
        r.add(DCAT.previousVersion, previous).add(DCAT.prev, previous)
    r.add(DCT.issued, datetime_literal(release.released_at))
    r.add(DCT.modified, datetime_literal(release.released_at))
    r.add(FOAF.page, parts.ddi_document(datastore, version))
    return _period(r, f"{r.iri}-period", *_release_period(release))


def _versioned(lang: str, text: str, version: str) -> str:
    return localise((f"{text} (versjon {version})", f"{text} (version {version})"), lang)


def _describe_common(
    parts: SharedParts,
    r: Resource,
    snapshot: Snapshot,
    meta: VariableMetadata,
    publisher: str,
    page: str,
) -> None:
    """What the series and each release say alike: description, identifier, owner,
    themes, keywords, access rights, coverage, definitions."""
    register = register_of(snapshot, meta)
    r.text(DCT.description, description_of(meta))
    r.plain(DCT.identifier, r.iri)
    r.add(DCT.publisher, publisher)
    r.add(DCAT.contactPoint, parts.contact(snapshot.datastore, register))
    keywords = _keywords(meta, register)
    for term in themes_for([text for _, text in keywords] + [v.value for v in meta.label]):
        r.add(DCAT.theme, parts.term(term))
    r.text(DCAT.keyword, keywords)
    # All register microdata are available under conditions (analysis under output
    # control; export only on approved request): "restricted" in the EU vocabulary.
    r.add(DCT.accessRights, parts.term(ACCESS_RESTRICTED))
    r.add(DCAT.landingPage, page)
    if any(w in v.value.lower() for v in meta.spatial_coverage for w in _NORWAY_WORDS):
        r.add(DCT.spatial, parts.term(NORWAY))
    links = dict.fromkeys([*meta.extensions.definition_links, *meta.measure.uri_definition])
    r.add_all(DCT.subject, list(links))


def _keywords(meta: VariableMetadata, register: Register | None) -> list[tuple[str, str]]:
    sources = [*meta.extensions.categories, *meta.subject_fields]
    if register is not None:
        sources.append(register.name)
        product = register.product(meta.extensions.data_product or "")
        if product is not None:
            sources.append(product.title)
    found: dict[tuple[str, str], None] = {}
    for texts in sources:
        for lang, text in bilingual(texts):
            if lang in ("nb", "en"):
                found.setdefault((lang, text), None)
    return list(found)


def _version_notes(release: ReleaseInfo) -> list[tuple[str, str]]:
    nb, en = OPERATIONS.get(release.operation, (release.operation, release.operation))
    note = f": {release.note}" if release.note.strip() else "."
    notes = pair(
        f"{nb} i versjon {release.version}{note}", f"{en} in version {release.version}{note}"
    )
    return notes + bilingual(release.metadata.revision_note)


def _release_period(release: ReleaseInfo) -> tuple[date | None, date | None]:
    ext = release.metadata.extensions
    return release.start_min or ext.valid_from, release.stop_max or ext.valid_until


def _series_period(history: Sequence[ReleaseInfo]) -> tuple[date | None, date | None]:
    ext = history[-1].metadata.extensions
    starts = [s for s in (_release_period(r)[0] for r in history) if s]
    start = ext.valid_from or (min(starts) if starts else None)
    if ext.valid_until is not None:
        return start, ext.valid_until
    # Still valid: the series has no end yet, whatever its latest data reach.
    return start, None


def _period(r: Resource, iri: str, start: date | None, end: date | None) -> list[Resource]:
    if start is None and end is None:
        return []
    period = Resource(iri, [DCT.PeriodOfTime])
    if start is not None:
        period.add(DCAT.startDate, date_literal(start))
    if end is not None:
        period.add(DCAT.endDate, date_literal(end))
    r.add(DCT.temporal, iri)
    return [period]


def _distributions(
    parts: SharedParts, r: Resource, meta: VariableMetadata, page: str, service: Resource
) -> list[Resource]:
    """How to get at the data: always through the analysis service; for variables that
    can be exported, also as microdata on an approved request."""
    analysis = Resource(f"{r.iri}-analysis", [DCAT.Distribution])
    # Titles only: the rights statement, shared by all, says the conditions at length.
    analysis.text(DCT.title, ANALYSIS_TITLE)
    analysis.add(DCAT.accessURL, parts.iris.api()).add(DCAT.accessService, service.iri)
    analysis.add(DCT.rights, parts.rights("analysis"))
    r.add(DCAT.distribution, analysis.iri)
    found = [analysis]
    if meta.extensions.exportable:
        export = Resource(f"{r.iri}-export", [DCAT.Distribution])
        export.text(DCT.title, EXPORT_TITLE)
        export.add(DCAT.accessURL, page).add(DCT.rights, parts.rights("export"))
        r.add(DCAT.distribution, export.iri)
        found.append(export)
    return found
