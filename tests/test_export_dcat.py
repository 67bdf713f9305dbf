"""DCAT-AP 3 / DCAT-AP-NO and SKOS/XKOS mapping: conformance with the official shapes
(offline, pyshacl) and the triples a given variable yields."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from catalogue.domain.text import texts
from catalogue.export.dcat_catalog import catalogue_resources, render, variable_resources
from catalogue.export.language import bilingual
from catalogue.export.rdf_writers import FORMATS, to_graph
from tests.conformance import (
    DCAT_AP_NO_SHAPES,
    DCAT_AP_SHAPES,
    XKOS_SHAPES,
    violations,
)
from tests.test_export_support import (
    DATASTORE,
    SITE,
    parse_rdf,
    sample_snapshot,
)

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
XKOS = Namespace("http://rdf-vocabulary.ddialliance.org/xkos#")
SCHEMA = Namespace("http://schema.org/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
EU = "http://publications.europa.eu/resource/authority/"
PAGE = f"{SITE.base}/variables/{DATASTORE}/"


def series(name: str) -> URIRef:
    return URIRef(f"{PAGE}{name}#series")


def release(name: str, version: str) -> URIRef:
    return URIRef(f"{PAGE}{name}#version-{version}")


@pytest.fixture(scope="module")
def catalogue() -> Graph:
    return to_graph(catalogue_resources([sample_snapshot()], SITE))


def code_lists(graph: Graph) -> Graph:
    """The code-list schemes and their concepts only (the XKOS shapes target every
    skos:ConceptScheme, and the EU theme table is not a classification of ours)."""
    out = Graph()
    for node in set(graph.subjects(RDF.type, SKOS.ConceptScheme)) | set(
        graph.subjects(RDF.type, SKOS.Concept)
    ):
        if "#code" in str(node):
            for triple in graph.triples((node, None, None)):
                out.add(triple)
    return out


# ---------------------------------------------------------------------- conformance
PROFILES = ("dcat-ap-3", "dcat-ap-no", "xkos")


def profile_violations(graph: Graph, profile: str) -> list[str]:
    """The SHACL violations of one profile: DCAT-AP 3 and DCAT-AP-NO over the whole graph,
    the XKOS shapes over its code lists (of which there are at least four)."""
    if profile == "xkos":
        schemes = code_lists(graph)
        assert len(set(schemes.subjects(RDF.type, SKOS.ConceptScheme))) >= 4
        return violations(schemes, XKOS_SHAPES)
    return violations(
        graph, {"dcat-ap-3": DCAT_AP_SHAPES, "dcat-ap-no": DCAT_AP_NO_SHAPES}[profile]
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_catalogue_has_no_violations(catalogue: Graph, profile: str) -> None:
    assert profile_violations(catalogue, profile) == []


def test_one_variable_document_stands_alone() -> None:
    graph = to_graph(variable_resources(sample_snapshot(), "BEFOLKNING_SIVSTAND", SITE))
    assert violations(graph, DCAT_AP_SHAPES) == []
    assert violations(graph, DCAT_AP_NO_SHAPES) == []
    assert (series("BEFOLKNING_SIVSTAND"), RDF.type, DCAT.DatasetSeries) in graph
    assert not any("BEFOLKNING_KJOENN" in str(s) for s in graph.subjects())


def test_only_dcat_3_versioning_terms(catalogue: Graph) -> None:
    for old in (OWL.versionInfo, DCT.hasVersion, DCT.isVersionOf):
        assert not list(catalogue.triples((None, old, None))), old


# ---------------------------------------------------------------------- the mapping
def test_a_variable_is_a_series_of_its_releases(catalogue: Graph) -> None:
    s = series("BEFOLKNING_SIVSTAND")
    first, second = (
        release("BEFOLKNING_SIVSTAND", "1.0.0.0"),
        release("BEFOLKNING_SIVSTAND", "2.0.0.0"),
    )
    expected = {
        (s, RDF.type, DCAT.DatasetSeries),
        (s, RDF.type, DCAT.Dataset),
        (s, DCAT.first, first),
        (s, DCAT.last, second),
        (s, DCAT.hasVersion, first),
        (s, DCAT.hasVersion, second),
        (s, DCAT.hasCurrentVersion, second),
        (s, DCT.identifier, Literal(str(s))),
        (s, DCT.title, Literal("Sivilstand", lang="nb")),
        (s, DCT.title, Literal("Marital status", lang="en")),
        (second, RDF.type, DCAT.Dataset),
        (second, DCAT.version, Literal("2.0.0.0")),
        (second, DCAT.inSeries, s),
        (second, DCAT.previousVersion, first),
        (second, DCAT.prev, first),
        (second, DCT.issued, Literal("2025-02-03T08:00:00Z", datatype=XSD.dateTime)),
        (second, DCT.title, Literal("Sivilstand (versjon 2.0.0.0)", lang="nb")),
        (second, DCT.title, Literal("Marital status (version 2.0.0.0)", lang="en")),
        (second, DCT.description, Literal("Marital status, corrected.", lang="en")),
        (
            second,
            ADMS.versionNotes,
            Literal("Metadata rettet i versjon 2.0.0.0: Clearer description", lang="nb"),
        ),
        (
            second,
            ADMS.versionNotes,
            Literal("Metadata corrected in version 2.0.0.0: Clearer description", lang="en"),
        ),
        (first, DCT.issued, Literal("2024-01-15T09:30:00Z", datatype=XSD.dateTime)),
        (URIRef(f"{SITE.base}/catalog/{DATASTORE}"), DCAT.dataset, s),
        (URIRef(f"{SITE.base}/catalog/{DATASTORE}"), DCAT.dataset, second),
    }
    assert expected <= set(catalogue)
    assert not list(catalogue.triples((first, DCAT.previousVersion, None)))


def test_a_removed_variable_keeps_its_releases_but_no_current_version(catalogue: Graph) -> None:
    s = series("BEFOLKNING_DOEDS_DATO")
    assert (s, DCAT.last, release("BEFOLKNING_DOEDS_DATO", "1.0.0.0")) in catalogue
    assert not list(catalogue.triples((s, DCAT.hasCurrentVersion, None)))


def test_publisher_contact_theme_keywords_and_coverage(catalogue: Graph) -> None:
    r = release("INNTEKT_WLONN", "2.0.0.0")
    ssb = URIRef("https://organization-catalog.fellesdatakatalog.digdir.no/organizations/971526920")
    assert (r, DCT.publisher, ssb) in catalogue
    assert (ssb, RDF.type, FOAF.Agent) in catalogue
    assert (ssb, DCT.identifier, Literal("971526920")) in catalogue
    assert (ssb, FOAF.name, Literal("Statistics Norway", lang="en")) in catalogue
    contact = catalogue.value(r, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in catalogue
    assert (contact, VCARD.hasEmail, URIRef("mailto:datahjelp@ssb.no")) in catalogue
    econ = URIRef(EU + "data-theme/ECON")
    assert (r, DCAT.theme, econ) in catalogue
    assert (econ, SKOS.inScheme, URIRef(EU + "data-theme")) in catalogue
    assert (econ, SKOS.prefLabel, Literal("Economy and finance", lang="en")) in catalogue
    assert (r, DCAT.keyword, Literal("Inntekt", lang="nb")) in catalogue
    assert (r, DCAT.keyword, Literal("Income", lang="en")) in catalogue
    assert (r, DCT.spatial, URIRef(EU + "country/NOR")) in catalogue
    period = catalogue.value(r, DCT.temporal)
    assert (period, RDF.type, DCT.PeriodOfTime) in catalogue
    assert (period, DCAT.startDate, Literal("2015-01-01", datatype=XSD.date)) in catalogue
    assert (period, DCAT.endDate, Literal("2023-12-31", datatype=XSD.date)) in catalogue
    owner = catalogue.value(release("BEFOLKNING_KJOENN", "1.0.0.0"), DCT.publisher)
    assert (
        owner,
        FOAF.homepage,
        URIRef("https://www.skatteetaten.no/person/folkeregister/"),
    ) in catalogue
    health = catalogue.value(release("KREFT_DIAGNOSEDATO", "1.1.0.0"), DCAT.theme)
    assert health == URIRef(EU + "data-theme/HEAL")


def test_access_rights_and_distributions_follow_export_eligibility(catalogue: Graph) -> None:
    restricted = URIRef(EU + "access-right/RESTRICTED")
    exportable = release("BEFOLKNING_KJOENN", "1.0.0.0")
    analysis_only = release("KREFT_DIAGNOSEDATO", "1.1.0.0")
    for r in (exportable, analysis_only, series("KREFT_DIAGNOSEDATO")):
        assert (r, DCT.accessRights, restricted) in catalogue
    assert (restricted, SKOS.inScheme, URIRef(EU + "access-right")) in catalogue
    assert (restricted, RDF.type, DCT.RightsStatement) in catalogue
    assert len(list(catalogue.objects(exportable, DCAT.distribution))) == 2
    only = list(catalogue.objects(analysis_only, DCAT.distribution))
    assert len(only) == 1
    service = catalogue.value(only[0], DCAT.accessService)
    assert (service, RDF.type, DCAT.DataService) in catalogue
    assert (service, DCAT.servesDataset, analysis_only) in catalogue
    assert (service, DCAT.endpointURL, URIRef(f"{SITE.base}/api/v1/")) in catalogue
    rights = catalogue.value(only[0], DCT.rights)
    assert (rights, RDF.type, DCT.RightsStatement) in catalogue


def test_code_lists_are_sliced_into_validity_periods(catalogue: Graph) -> None:
    name = "BEFOLKNING_SIVSTAND"
    scheme = [
        URIRef(f"{PAGE}{name}#codes-1.0.0.0-{d}")
        for d in ("1900-01-01", "1993-08-01", "2009-01-01")
    ]
    partner = URIRef(f"{PAGE}{name}#code-1.0.0.0-6-1993-08-01")
    married = URIRef(f"{PAGE}{name}#code-1.0.0.0-2-1900-01-01")
    unknown = URIRef(f"{PAGE}{name}#code-1.0.0.0-99-always")
    expected = {
        (scheme[1], SCHEMA.startDate, Literal("1993-08-01", datatype=XSD.date)),
        (scheme[1], SCHEMA.endDate, Literal("2008-12-31", datatype=XSD.date)),
        (scheme[1], XKOS.follows, scheme[0]),
        (scheme[2], XKOS.follows, scheme[1]),
        (scheme[1], SKOS.hasTopConcept, partner),
        (partner, SKOS.notation, Literal("6")),
        (partner, SKOS.prefLabel, Literal("Registrert partner", lang="nb")),
        (partner, SKOS.prefLabel, Literal("Registered partner", lang="en")),
        (partner, SCHEMA.startDate, Literal("1993-08-01", datatype=XSD.date)),
        (partner, SCHEMA.endDate, Literal("2008-12-31", datatype=XSD.date)),
        (partner, SKOS.inScheme, scheme[1]),
        (married, SKOS.inScheme, scheme[0]),
        (married, SKOS.inScheme, scheme[2]),
    }
    assert expected <= set(catalogue)
    assert set(catalogue.objects(partner, SKOS.inScheme)) == {scheme[1]}
    assert set(catalogue.objects(unknown, SKOS.inScheme)) == set(scheme)
    assert not list(catalogue.triples((scheme[2], SCHEMA.endDate, None)))
    # The metadata patch kept the codes: the second release points at the same schemes.
    second = release(name, "2.0.0.0")
    assert set(catalogue.objects(second, DCT.relation)) == set(scheme)


def test_every_text_is_in_bokmal_and_english(catalogue: Graph) -> None:
    for predicate in (DCT.title, DCT.description, DCAT.keyword, SKOS.prefLabel, FOAF.name):
        subjects = set(catalogue.subjects(predicate, None))
        assert subjects, predicate
        for s in subjects:
            langs = {o.language for o in catalogue.objects(s, predicate)}
            assert {"nb", "en"} <= langs, (s, predicate)


def test_a_missing_language_is_filled_from_the_closest_one() -> None:
    assert bilingual(texts(nn="Kjønn")) == [("nb", "Kjønn"), ("en", "Kjønn"), ("nn", "Kjønn")]
    assert bilingual(texts(en="Sex")) == [("nb", "Sex"), ("en", "Sex")]
    assert bilingual(()) == []


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_serialisation_parses_back_to_the_same_graph(fmt: str, catalogue: Graph) -> None:
    text = render(catalogue_resources([sample_snapshot()], SITE), fmt)
    parsed = parse_rdf(text, FORMATS[fmt].rdflib_name)
    assert isomorphic(parsed, catalogue)


def test_awkward_text_and_iris_survive_every_serialisation() -> None:
    from catalogue.export.rdf_model import Lit, Resource

    odd = Resource("http://x.example/a b", ["http://www.w3.org/ns/dcat#Dataset"])
    odd.add("http://purl.org/dc/terms/title", Lit('quote " back\\slash\nnew line\ttab <&>', "nb"))
    odd.add("http://purl.org/dc/terms/description", Lit("ctrl\x01char æøå"))
    expected = to_graph([odd])
    for fmt in FORMATS.values():
        parsed = parse_rdf(fmt.write([odd]), fmt.rdflib_name)
        if fmt.name == "xml":  # XML 1.0 cannot carry U+0001 at all: it is dropped
            assert (None, None, Literal("ctrlchar æøå")) in parsed
            assert (URIRef("http://x.example/a%20b"), None, None) in parsed
        else:
            assert isomorphic(parsed, expected), fmt.name


def test_the_catalogue_names_its_services_and_documentation(catalogue: Graph) -> None:
    c = URIRef(f"{SITE.base}/catalog/{DATASTORE}")
    services = set(catalogue.objects(c, DCAT.service))
    endpoints = {catalogue.value(s, DCAT.endpointURL) for s in services}
    assert endpoints == {URIRef(f"{SITE.base}/api/v1/"), URIRef(f"{SITE.base}/oai")}
    oai = next(s for s in services if catalogue.value(s, DCAT.endpointURL).endswith("/oai"))
    standard = catalogue.value(oai, DCT.conformsTo)
    assert (standard, RDF.type, DCT.Standard) in catalogue
    assert (oai, DCT.accessRights, URIRef(EU + "access-right/PUBLIC")) in catalogue
    ddi = URIRef(f"{SITE.base}/ddi/{DATASTORE}/1.1.0.0.xml")
    assert (release("KREFT_DIAGNOSEDATO", "1.1.0.0"), FOAF.page, ddi) in catalogue
    assert (ddi, RDF.type, FOAF.Document) in catalogue
    assert (c, DCT.license, URIRef(EU + "licence/CC_BY_4_0")) in catalogue
