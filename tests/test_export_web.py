"""The linked-data endpoints and `regcat export` end to end, on the five sample registers
released as no.regcat.demo 1.0.0.0 (real SQLite, real files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

from catalogue.services.context import Context
from catalogue.web import create_app
from cli import main
from tests.conformance import (
    DCAT_AP_NO_SHAPES,
    ddi_schema,
    missing_cessda_elements,
    violations,
)
from tests.conftest import make_config
from tests.test_export_dcat import DCAT, DCT, FOAF, PROFILES, profile_violations
from tests.test_export_support import (
    parse_rdf,
)

OAI = {"oai": "http://www.openarchives.org/OAI/2.0/", "ddi": "ddi:codebook:2_5"}
BASE = "http://127.0.0.1:8000"
DS = "no.regcat.demo"
KJOENN = f"{BASE}/variables/{DS}/BEFOLKNING_KJOENN"


@pytest.fixture(scope="module")
def client(released_home: Path) -> Iterator[FlaskClient]:
    """Read-only requests against the shared released catalogue."""
    app = create_app(make_config(released_home), overrides={"OAI_PAGE_SIZE": 7})
    yield app.test_client()
    app.extensions["regcat_context"].close()


@pytest.fixture(scope="module")
def catalog(client: FlaskClient) -> Graph:
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    assert response.content_type.startswith("text/turtle")
    return parse_rdf(response.data, "turtle")


def variable_count(client: FlaskClient) -> int:
    return int(client.get("/api/v1/datastores/").get_json()[0]["dataset_count"])


# ---------------------------------------------------------------------- conformance
@pytest.mark.parametrize("profile", PROFILES)
def test_sample_catalogue_has_no_violations(catalog: Graph, profile: str) -> None:
    assert profile_violations(catalog, profile) == []


def test_every_released_variable_is_a_series(catalog: Graph, client: FlaskClient) -> None:
    series = set(catalog.subjects(RDF.type, DCAT.DatasetSeries))
    assert len(series) == variable_count(client)
    catalogue = URIRef(f"{BASE}/catalog/{DS}")
    assert set(catalog.objects(catalogue, DCAT.dataset)) >= series


def test_a_sample_variable_yields_the_expected_triples(catalog: Graph) -> None:
    s, r = URIRef(f"{KJOENN}#series"), URIRef(f"{KJOENN}#version-1.0.0.0")
    assert {
        (s, DCT.title, Literal("Kjønn", lang="nb")),
        (s, DCT.title, Literal("Sex", lang="en")),
        (s, DCAT.first, r),
        (s, DCAT.last, r),
        (r, DCAT.version, Literal("1.0.0.0")),
        (r, DCAT.inSeries, s),
    } <= set(catalog)
    publisher = catalog.value(r, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in catalog
    scheme = next(iter(catalog.objects(r, DCT.relation)))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in catalog
    members = {
        str(catalog.value(c, SKOS.notation)) for c in catalog.objects(scheme, SKOS.hasTopConcept)
    }
    assert {"1", "2"} <= members


# ---------------------------------------------------------------------- negotiation
@pytest.mark.parametrize(
    ("accept", "media", "rdflib_format"),
    [
        ("*/*", "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/html;q=0.9, application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_catalog_negotiates_its_format(
    client: FlaskClient, catalog: Graph, accept: str, media: str, rdflib_format: str
) -> None:
    response = client.get("/catalog", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    assert isomorphic(parse_rdf(response.data, rdflib_format), catalog)


def test_unsupported_accept_is_406_listing_what_is_offered(client: FlaskClient) -> None:
    response = client.get("/catalog", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    page = response.get_data(as_text=True)
    assert "text/turtle" in page and "application/ld+json" in page


def test_documents_carry_etag_and_last_modified(client: FlaskClient) -> None:
    for url in ("/catalog.ttl", f"/variables/{DS}/BEFOLKNING_KJOENN.ttl", f"/ddi/{DS}/1.0.0.0.xml"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, url


def test_one_datastore_and_one_variable(client: FlaskClient, catalog: Graph) -> None:
    one = client.get(f"/catalog/{DS}.ttl")
    assert isomorphic(parse_rdf(one.data, "turtle"), catalog)
    ttl = client.get(f"/variables/{DS}/BEFOLKNING_KJOENN.ttl")
    graph = parse_rdf(ttl.data, "turtle")
    assert (URIRef(f"{KJOENN}#series"), RDF.type, DCAT.DatasetSeries) in graph
    assert violations(graph, DCAT_AP_NO_SHAPES) == []
    jsonld = client.get(f"/variables/{DS}/BEFOLKNING_KJOENN.jsonld")
    assert jsonld.mimetype == "application/ld+json"
    assert isomorphic(parse_rdf(jsonld.data, "json-ld"), graph)
    by_accept = client.get(f"/variables/{DS}/BEFOLKNING_KJOENN", headers={"Accept": "text/turtle"})
    assert by_accept.mimetype == "text/turtle" and by_accept.data == ttl.data
    html = client.get(f"/variables/{DS}/BEFOLKNING_KJOENN", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/catalog/no.nowhere", 404, "unknown-datastore"),
        ("/catalog/no.nowhere.ttl", 404, "unknown-datastore"),
        (f"/variables/{DS}/NO_SUCH_VARIABLE.ttl", 404, "unknown-variable"),
        ("/variables/no.nowhere/BEFOLKNING_KJOENN.jsonld", 404, "unknown-datastore"),
        (f"/variables/{DS}/BEFOLKNING_KJOENN.csv", 404, "http-404"),
        (f"/ddi/{DS}/9.0.0.0.xml", 404, "unknown-version"),
        (f"/ddi/{DS}/0.0.0.1.xml", 404, "unknown-version"),
        (f"/ddi/{DS}/latest.xml", 400, "invalid-version"),
        ("/ddi/no.nowhere/1.0.0.0.xml", 404, "unknown-datastore"),
    ],
)
def test_bad_input_gets_the_standard_error_shape(
    client: FlaskClient, url: str, status: int, code: str
) -> None:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["status"] == status and error["message"]


# ---------------------------------------------------------------------- DDI, OAI-PMH
def test_ddi_of_the_release_validates(client: FlaskClient) -> None:
    response = client.get(f"/ddi/{DS}/1.0.0.0.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    document = etree.fromstring(response.data, etree.XMLParser(no_network=True))
    schema = ddi_schema()
    assert schema.validate(document), schema.error_log
    assert missing_cessda_elements(document) == []
    assert len(document.xpath("//ddi:var", namespaces=OAI)) == variable_count(client)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_oai_harvest_over_http_sees_every_variable_once(
    client: FlaskClient, method: str
) -> None:
    def ask(**params: str) -> etree._Element:
        response = (
            client.get("/oai", query_string=params)
            if method == "GET"
            else client.post("/oai", data=params)
        )
        assert response.status_code == 200 and response.mimetype == "text/xml"
        return etree.fromstring(response.data)

    seen: list[str] = []
    doc = ask(verb="ListIdentifiers", metadataPrefix="oai_ddi25")
    pages = 1
    while True:
        assert not doc.xpath("//oai:error", namespaces=OAI)
        seen += doc.xpath("//oai:header/oai:identifier/text()", namespaces=OAI)
        token = doc.xpath("//oai:resumptionToken/text()", namespaces=OAI)
        if not token:
            break
        doc = ask(verb="ListIdentifiers", resumptionToken=token[0])
        pages += 1
    assert len(seen) == len(set(seen)) == variable_count(client)
    assert pages > 1  # the page size of 7 made the harvest follow tokens
    record = ask(verb="GetRecord", metadataPrefix="oai_ddi25", identifier=KJOENN)
    codebook = etree.fromstring(etree.tostring(record.xpath("//ddi:codeBook", namespaces=OAI)[0]))
    assert ddi_schema().validate(codebook)
    bad = ask(verb="ListRecords", metadataPrefix="oai_dc", until="not a date")
    assert bad.xpath("//oai:error/@code", namespaces=OAI) == ["badArgument"]


# ---------------------------------------------------------------------- command line
def test_regcat_export_writes_the_same_documents(released_ctx: Context, tmp_path: Path) -> None:
    env = {"REGCAT_HOME": str(released_ctx.config.home), "REGCAT_LANGUAGE": "en"}
    run = CliRunner().invoke
    out = tmp_path / "out" / "catalog.jsonld"
    result = run(main, ["export", "dcat", "--format", "jsonld", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    graph = parse_rdf(out.read_bytes(), "json-ld")
    assert len(set(graph.subjects(RDF.type, DCAT.DatasetSeries))) > 20
    ddi = tmp_path / "codebook.xml"
    result = run(
        main,
        ["export", "ddi", "--datastore", DS, "--version", "1.0.0.0", "--out", str(ddi)],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert ddi_schema().validate(etree.parse(str(ddi)))
    latest = run(main, ["export", "ddi", "--out", "-"], env=env)
    assert latest.exit_code == 0 and latest.output.startswith("<?xml")
    missing = run(main, ["export", "ddi", "--version", "7.0.0.0", "--out", str(ddi)], env=env)
    assert missing.exit_code == 1 and "unknown-version" in missing.output
    unknown = run(main, ["export", "dcat", "--datastore", "no.nowhere", "--out", str(out)], env=env)
    assert unknown.exit_code == 1 and "unknown-datastore" in unknown.output


def test_every_harvested_ddi_record_validates_with_ids_unique_on_its_page(
    client: FlaskClient,
) -> None:
    """Each oai_ddi25 record is a codeBook of its own (valid against the XSD alone, as
    ListRecords and as GetRecord gives it), and its xs:ID values stay unique on a whole
    ListRecords page, where a harvester may hold several records in one document."""
    schema = ddi_schema()
    ids_attribute = "//ddi:*/@ID"
    harvested: list[str] = []
    doc = etree.fromstring(client.get("/oai?verb=ListRecords&metadataPrefix=oai_ddi25").data)
    while True:
        codebooks = doc.xpath("//oai:metadata/ddi:codeBook", namespaces=OAI)
        for element in codebooks:
            alone = etree.fromstring(etree.tostring(element))
            assert schema.validate(alone), (alone.get("ID"), str(schema.error_log))
        on_page = doc.xpath(ids_attribute, namespaces=OAI)
        assert len(on_page) == len(set(on_page)), sorted(on_page)
        harvested += doc.xpath("//oai:record/oai:header/oai:identifier/text()", namespaces=OAI)
        token = doc.xpath("//oai:resumptionToken/text()", namespaces=OAI)
        if not token:
            break
        doc = etree.fromstring(client.get(f"/oai?verb=ListRecords&resumptionToken={token[0]}").data)
    assert len(harvested) == len(set(harvested)) == variable_count(client)
    for identifier in harvested:
        record = etree.fromstring(
            client.get(
                "/oai",
                query_string={
                    "verb": "GetRecord",
                    "metadataPrefix": "oai_ddi25",
                    "identifier": identifier,
                },
            ).data
        )
        (element,) = record.xpath("//oai:metadata/ddi:codeBook", namespaces=OAI)
        alone = etree.fromstring(etree.tostring(element))
        assert schema.validate(alone), (identifier, str(schema.error_log))
