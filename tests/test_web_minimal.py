"""The minimal web catalogue: datastores and versions, one error shape."""

from __future__ import annotations

from catalogue.services.context import Context
from catalogue.web import create_app


def test_datastores_page_lists_released_datastore(released_ctx: Context) -> None:
    app = create_app(released_ctx.config)
    client = app.test_client()
    page = client.get("/datastores")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "no.regcat.demo" in html and "1.0.0.0" in html and "Datalagre" in html
    assert "Datastores" in client.get("/datastores?lang=en").get_data(as_text=True)
    assert 'href="/datastores"' in client.get("/").get_data(as_text=True)


def test_api_lists_versions_and_errors_have_one_shape(released_ctx: Context) -> None:
    client = create_app(released_ctx.config).test_client()
    listing = client.get("/api/v1/datastores/").get_json()
    assert listing[0]["name"] == "no.regcat.demo" and listing[0]["latest_version"] == "1.0.0.0"
    versions = client.get("/api/v1/datastores/no.regcat.demo/versions").get_json()
    assert versions[0]["changes"]
    missing = client.get("/api/v1/datastores/no.nowhere/versions")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "unknown-datastore"
    assert client.get("/api/v1/nothing").get_json()["error"]["status"] == 404
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_api_docs_work_offline(released_ctx: Context) -> None:
    client = create_app(released_ctx.config).test_client()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "cdn" not in page.lower() and "https://" not in page
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as script:
        assert script.status_code == 200 and len(script.get_data()) > 100_000
    assert client.get("/api/v1/docs/assets/../../pyproject.toml").status_code == 404


def test_a_character_that_cannot_be_stored_is_refused_on_every_route(
    released_ctx: Context,
) -> None:
    """A NUL or a lone surrogate (which no database text column can hold) anywhere in a
    request body is a 422 with its field named, before any route or service sees it: no
    route can turn it into a 500 (seen once: a saved script's title with a lone
    surrogate). A query string is read, not stored: a search for a NUL is plain text."""
    client = create_app(released_ctx.config).test_client()
    # A route that takes no body at all: the check comes before routing's own 405 (and
    # after the access check, so a protected route answers an anonymous caller 401 first).
    body = client.post(
        "/api/v1/variables",
        data='{"datastore": "no.regcat.demo", "note": ["ok", {"x\\ud800": 1}]}',
        content_type="application/json",
    )
    assert body.status_code == 422
    error = body.get_json()["error"]
    assert error["code"] == "unstorable-text" and error["details"]["field"] == "body.note[1]"
    nul = client.post("/api/v1/variables", json={"script": "tabulate x\nsum\x00"})
    details = nul.get_json()["error"]["details"]
    assert details == {"field": "body.script", "line": 2, "column": 4}
    form = client.post("/api/v1/variables", data={"title": "a\x00b"})
    assert form.status_code == 422 and form.get_json()["error"]["details"]["field"] == "title"
    assert client.get("/api/v1/variables?q=l%00nn").status_code == 200
