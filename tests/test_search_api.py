"""GET /api/v1/variables and /api/v1/variables/<datastore>/<name> on the sample registers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalogue.web import create_app
from tests.conftest import make_config

DS = "no.regcat.demo"


@pytest.fixture(scope="module")
def client(released_home: Path) -> Iterator[FlaskClient]:
    """A test client of the app over the released sample registers (also the page tests')."""
    app = create_app(make_config(released_home))
    yield app.test_client()
    app.extensions["regcat_context"].close()


def get(client: FlaskClient, query: str, status: int = 200) -> Any:
    response = client.get(f"/api/v1/variables?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_search_returns_found_hits_and_all_facets(client: FlaskClient) -> None:
    body = get(client, "q=kreft&per_page=5")
    assert body["found"] >= 10 and len(body["hits"]) == 5 and body["sort"] == "relevance"
    assert set(body["facets"]) == {
        "register",
        "product",
        "category",
        "unit_type",
        "temporality",
        "exportable",
    }
    hit = body["hits"][0]
    assert hit["register"] == "kreftregisteret" and hit["register_name"] == "Kreftregisteret"
    assert hit["url"] == f"/variables/{DS}/{hit['name']}"
    assert hit["api_url"] == f"/api/v1/variables/{DS}/{hit['name']}"
    products = {f["value"]: f["count"] for f in body["facets"]["product"]}
    assert products["krefttilfeller-diagnostikk"] >= 5


def test_filters_combine(client: FlaskClient) -> None:
    body = get(client, "q=kreft&exportable=true&valid_from=2010-01-01&per_page=100")
    assert body["found"] > 0
    assert all(h["exportable"] for h in body["hits"])
    assert all(h["valid_until"] is None or h["valid_until"] >= "2010-01-01" for h in body["hits"])
    everything = get(client, "per_page=100")["found"]
    chosen = get(client, "register=kreftregisteret&register=npr&per_page=100")
    assert {h["register"] for h in chosen["hits"]} == {"kreftregisteret", "npr"}
    assert chosen["found"] < everything
    # The tree facet is counted without its own filter: other registers stay visible.
    assert {f["value"] for f in chosen["facets"]["register"]} >= {"folkeregisteret", "nudb"}
    assert get(client, "temporality=STATUS")["found"] >= 2
    assert get(client, "unit_type=KRG_KREFTTILFELLE")["found"] >= 10
    assert get(client, "category=Kreft")["found"] >= 10
    assert get(client, "product=utdanning")["found"] == 2
    assert get(client, f"version=1.0.0.0&datastore={DS}")["found"] == everything


def test_sort_and_language(client: FlaskClient) -> None:
    assert get(client, "q=kreft")["sort"] == "relevance"
    assert get(client, "q=*")["sort"] == "name"  # no words: nothing to rank by
    newest = get(client, "sort=-valid_from&per_page=100")["hits"]
    dates = [h["valid_from"] for h in newest if h["valid_from"]]
    assert dates == sorted(dates, reverse=True)
    english = get(client, "q=municipality&lang=en")["hits"][0]
    assert english["label"] == "Municipality of residence"
    assert english["temporality"] == "STATUS"
    labels = {f["value"]: f["label"] for f in get(client, "lang=en")["facets"]["temporality"]}
    assert labels["EVENT"] == "Event"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=" + "x" * 5000, "q"),
        ("valid_from=2020-02-30", "valid_from"),
        ("valid_from=2020-1-5", "valid_from"),
        ("valid_until=yesterday", "valid_until"),
        ("valid_until=", "valid_until"),
        ("temporality=SOMETIMES", "temporality"),
        ("sort=popularity", "sort"),
        ("exportable=maybe", "exportable"),
        ("exportable=1", "exportable"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=%205", "page"),
        ("per_page=1000", "per_page"),
        ("version=latest", "version"),
        ("version=1.0.0.0%0A", "version"),
    ],
)
def test_input_that_does_not_fit_the_schema_is_a_clear_400(
    client: FlaskClient, query: str, field: str
) -> None:
    error = get(client, query, 400)["error"]
    assert error["code"] == "invalid-parameters" and error["status"] == 400
    assert error["message"] and field in error["details"]["fields"]


def test_input_that_fits_the_schema_but_cannot_be_served_is_a_clear_422(
    client: FlaskClient,
) -> None:
    error = get(client, "valid_from=2021-01-01&valid_until=2020-01-01", 422)["error"]
    assert error["code"] == "invalid-date-range" and error["status"] == 422
    assert error["details"] == {"valid_from": "2021-01-01", "valid_until": "2020-01-01"}


@pytest.mark.parametrize(
    "query", ["q=", "q=%20%20", 'q="', "q=*", "q=:", "q=(", "q=a:b(c*)%22", "q=%00"]
)
def test_odd_queries_are_plain_text(client: FlaskClient, query: str) -> None:
    assert get(client, query)["found"] >= 0


def test_unknown_values_and_pages_beyond_the_end_are_empty(client: FlaskClient) -> None:
    assert get(client, "register=no-such-register")["found"] == 0
    assert get(client, "category=Astrologi")["hits"] == []
    assert get(client, "datastore=no.nowhere")["found"] == 0
    beyond = get(client, "page=500&per_page=100")
    assert beyond["found"] > 0 and beyond["hits"] == []
    assert get(client, "version=9.9.9.9")["found"] == 0


def test_one_variable_in_full(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE").get_json()
    assert body["label"] == "Bostedskommune" and body["technical_name"] == "bostedskommune"
    assert body["temporality"] == {"key": "STATUS", "label": "Tverrsnitt"}
    assert body["register"]["key"] == "folkeregisteret" and body["current"] is True
    periods = body["value_domain"]["code_list"]
    assert periods and all(p["codes"] for p in periods)
    assert periods[0]["valid_from"] >= periods[-1]["valid_from"]  # newest period first
    assert body["history"][0]["version"] == "1.0.0.0"
    assert body["import_step"]["import"] == "BEFOLKNING_BOSTED_KOMMUNE"
    assert "date" in body["import_step"]
    assert body["url"].endswith(f"/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE")
    english = client.get(f"/api/v1/variables/{DS}/BEFOLKNING_BOSTED_KOMMUNE?lang=en")
    assert english.get_json()["temporality"]["label"] == "Status (cross-section)"
    pinned = client.get(f"/api/v1/variables/{DS}/BEFOLKNING_KJOENN?version=1.0.0.0")
    assert pinned.status_code == 200 and "date" not in pinned.get_json()["import_step"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"{DS}/NO_SUCH_VARIABLE", "unknown-variable"),
        ("no.nowhere/BEFOLKNING_KJOENN", "unknown-datastore"),
        (f"{DS}/BEFOLKNING_KJOENN?version=7.0.0.0", "variable-not-in-version"),
    ],
)
def test_unknown_variables_are_404(client: FlaskClient, path: str, code: str) -> None:
    response = client.get(f"/api/v1/variables/{path}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == code


def test_api_answers_are_cacheable(client: FlaskClient) -> None:
    first = client.get("/api/v1/variables?q=kreft")
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    again = client.get(
        "/api/v1/variables?q=kreft", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_openapi_describes_the_search(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    search = spec["paths"]["/api/v1/variables"]["get"]
    params = {p["name"] for p in search["parameters"]}
    assert params >= {
        "q",
        "valid_from",
        "valid_until",
        "exportable",
        "register",
        "product",
        "category",
        "unit_type",
        "temporality",
        "version",
        "lang",
        "sort",
        "page",
        "per_page",
    }
    detail = spec["paths"]["/api/v1/variables/{datastore}/{name}"]["get"]
    assert {"200", "404"} <= set(detail["responses"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.data


def test_the_hand_written_answer_matches_its_documented_schema(client: FlaskClient) -> None:
    from schemas.api.variables import FacetValueSchema, HitSchema, SearchResponseSchema

    body = get(client, "q=kreft")
    assert set(body) == set(SearchResponseSchema._declared_fields)
    assert all(set(hit) == set(HitSchema._declared_fields) for hit in body["hits"])
    values = [v for facet in body["facets"].values() for v in facet]
    assert values and all(set(v) == set(FacetValueSchema._declared_fields) for v in values)
    errors = SearchResponseSchema().validate(
        {
            **body,
            "hits": [
                {k: v for k, v in h.items() if k not in ("url", "api_url")} for h in body["hits"]
            ],
        }
    )
    assert errors == {}
