"""One page per variable: content, schema.org JSON-LD (validated with the official SHACL
shapes), canonical and hreflang links, caching, 404s, sitemap and robots.txt."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import pytest
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import Graph

from catalogue.services.context import Context
from catalogue.services.releasing import release_draft, stage_removal
from catalogue.web import create_app
from tests.conformance import SCHEMA_ORG_SHAPES, shapes_graph
from tests.test_search_api import client as client  # the released sample catalogue's app

DS = "no.regcat.demo"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def variable_names(client: FlaskClient) -> list[str]:
    hits = client.get("/api/v1/variables?per_page=100").get_json()["hits"]
    return [h["name"] for h in hits]


def page(client: FlaskClient, name: str, query: str = "", **headers: str) -> Any:
    return client.get(f"/variables/{DS}/{name}{query}", headers=headers)


def json_ld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD on the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def as_graph(documents: list[dict[str, Any]]) -> Graph:
    """Parse offline: the remote schema.org context is replaced by its @vocab."""
    graph = Graph()
    for doc in documents:
        assert doc["@context"] == "https://schema.org"
        with warnings.catch_warnings():
            # rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
            warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
            graph.parse(
                data=json.dumps({**doc, "@context": {"@vocab": "http://schema.org/"}}),
                format="json-ld",
            )
    return graph


def test_every_variable_page_carries_conformant_dataset_json_ld(
    client: FlaskClient, variable_names: list[str]
) -> None:
    assert len(variable_names) >= 30
    documents = []
    for name in variable_names:
        for lang in ("", "?lang=en"):
            response = page(client, name, lang)
            assert response.status_code == 200, name
            doc = json_ld(response.get_data(as_text=True))
            assert doc["@type"] == "Dataset" and doc["identifier"] == f"{DS}/{name}"
            assert doc["variableMeasured"]["name"] == name
            assert doc["url"].startswith(f"{BASE}/variables/{DS}/{name}")
            assert {"publisher", "license", "version", "keywords", "temporalCoverage"} <= set(doc)
            assert doc["isAccessibleForFree"] is True
            documents.append(doc)
    shapes = shapes_graph(SCHEMA_ORG_SHAPES)
    conforms, _, report = validate(as_graph(documents), shacl_graph=shapes, inference="none")
    assert conforms, report


def test_the_shapes_do_reject_a_poor_description(client: FlaskClient) -> None:
    doc = json_ld(page(client, "BEFOLKNING_KJOENN").get_data(as_text=True))
    doc["description"] = "Kjønn."
    shapes = shapes_graph(SCHEMA_ORG_SHAPES)
    conforms, _, _ = validate(as_graph([doc]), shacl_graph=shapes, inference="none")
    assert not conforms


def test_a_page_shows_what_a_researcher_needs(client: FlaskClient) -> None:
    response = page(client, "BEFOLKNING_BOSTED_KOMMUNE")
    html = response.get_data(as_text=True)
    for expected in (
        "<h1>Bostedskommune",
        "Kommunen personen er registrert bosatt i",
        "Folkeregisteret",
        "Befolkning - bosted",
        "Tverrsnitt",
        "2016-01-01",
        "<code>bostedskommune</code>",
        "Kan utleveres</dt><dd>Ja",
        "Kodeliste",
        "Versjoner og endringslogg",
        "1.0.0.0",
        "import db/BEFOLKNING_BOSTED_KOMMUNE 20",
        "&#34;import&#34;: &#34;BEFOLKNING_BOSTED_KOMMUNE&#34;, &#34;date&#34;",
    ):
        assert expected in html, expected
    assert f'<link rel="canonical" href="{BASE}/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE">' in html
    for lang, href in (
        ("nb", f"{BASE}/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE"),
        ("en", f"{BASE}/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE?lang=en"),
        ("x-default", f"{BASE}/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE"),
    ):
        assert f'<link rel="alternate" hreflang="{lang}" href="{href}">' in html


def test_the_english_page(client: FlaskClient) -> None:
    html = page(client, "BEFOLKNING_BOSTED_KOMMUNE", "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Municipality of residence" in html
    assert "Status (cross-section)" in html and "Exportable</dt><dd>Yes" in html
    assert f'rel="canonical" href="{BASE}/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE?lang=en"' in html


def test_import_examples_follow_the_temporality(client: FlaskClient) -> None:
    def step(name: str) -> dict[str, str]:
        body = client.get(f"/api/v1/variables/{DS}/{name}").get_json()
        result: dict[str, str] = body["import_step"]
        return result

    assert set(step("BEFOLKNING_KJOENN")) == {"import", "as"}  # FIXED: no date
    assert set(step("BEFOLKNING_BOSTED_KOMMUNE")) == {"import", "date", "as"}  # STATUS
    assert set(step("INNTEKT_WLONN")) == {"import", "date", "as"}  # ACCUMULATED
    event = step("BEFOLKNING_SIVSTAND")  # EVENT: a period
    assert set(event) == {"import", "from", "to", "as"} and event["from"] < event["to"]
    assert step("KRG_ALDER_DIAGNOSE")["as"] == "alderDiagnose"
    html = page(client, "BEFOLKNING_SIVSTAND").get_data(as_text=True)
    assert "import-event db/BEFOLKNING_SIVSTAND" in html


def test_unknown_variables_are_404_pages(client: FlaskClient) -> None:
    for path in (f"{DS}/NO_SUCH_VARIABLE", "no.nowhere/BEFOLKNING_KJOENN"):
        response = client.get(f"/variables/{path}")
        assert response.status_code == 404
        assert response.mimetype == "text/html" and "<h1>404</h1>" in response.get_data(True)


def test_conditional_requests_get_304(client: FlaskClient) -> None:
    first = page(client, "BEFOLKNING_KJOENN")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "Accept" in first.headers["Vary"]
    assert page(client, "BEFOLKNING_KJOENN", **{"If-None-Match": etag}).status_code == 304
    assert page(client, "BEFOLKNING_KJOENN", **{"If-Modified-Since": modified}).status_code == 304
    assert page(client, "BEFOLKNING_KJOENN", **{"If-None-Match": '"other"'}).status_code == 200
    english = page(client, "BEFOLKNING_KJOENN", "?lang=en")
    assert english.headers["ETag"] != etag


def test_html_is_the_default_and_rdf_is_negotiated(client: FlaskClient) -> None:
    for accept in ("text/html", "*/*", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"):
        assert page(client, "BEFOLKNING_KJOENN", Accept=accept).mimetype == "text/html"
    from catalogue.web import linked_data

    rdf_served = hasattr(linked_data, "variable_rdf_response")
    for accept in ("text/turtle", "application/ld+json;q=0.9,text/html;q=0.5"):
        response = page(client, "BEFOLKNING_KJOENN", Accept=accept)
        expected = accept.split(";")[0] if rdf_served else "text/html"
        assert response.status_code == 200 and response.mimetype == expected


def test_sitemap_lists_every_variable_page(client: FlaskClient, variable_names: list[str]) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    xml = response.get_data(as_text=True)
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert sorted(locations) == sorted(f"{BASE}/variables/{DS}/{n}" for n in variable_names)
    assert xml.count("<lastmod>") == len(variable_names)
    assert f'hreflang="en" href="{BASE}/variables/{DS}/BEFOLKNING_KJOENN?lang=en"' in xml
    assert (
        client.get("/sitemap.xml", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/sitemap-2.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(client: FlaskClient) -> None:
    text = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in text and "User-agent: *" in text


def test_a_removed_variable_keeps_its_page(released_ctx: Context) -> None:
    stage_removal(released_ctx, "BEFOLKNING_MOR", note="Replaced by a link table")
    release_draft(released_ctx, "Remove BEFOLKNING_MOR")  # rebuilds the index
    client = create_app(released_ctx.config).test_client()
    latest = client.get("/api/v1/variables?q=mor").get_json()
    assert "BEFOLKNING_MOR" not in [h["name"] for h in latest["hits"]]
    pinned = client.get(f"/api/v1/variables?q=mor&version=1.0.0.0&datastore={DS}").get_json()
    assert "BEFOLKNING_MOR" in [h["name"] for h in pinned["hits"]]
    html = client.get(f"/variables/{DS}/BEFOLKNING_MOR").get_data(as_text=True)
    assert "fjernet i versjon 2.0.0.0" in html
    body = client.get(f"/api/v1/variables/{DS}/BEFOLKNING_MOR").get_json()
    assert body["current"] is False and body["removed_in"] == "2.0.0.0"
    assert f"{DS}/BEFOLKNING_MOR" in client.get("/sitemap.xml").get_data(as_text=True)
