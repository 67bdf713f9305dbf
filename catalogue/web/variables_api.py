"""/api/v1/variables: search with facets, and one variable's full metadata."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    jsonify,
    render_template,
    send_from_directory,
    url_for,
)

from catalogue.services import searching
from catalogue.web import caching, context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.api_responses import response_name
from catalogue.web.language import request_language
from catalogue.web.variable_presenter import page_path, quote, variable_document
from schemas.api.errors import ErrorSchema
from schemas.api.variables import (
    SEARCH_ARGS,
    HitSchema,
    SearchResponseSchema,
    VariableArgsSchema,
    VariableSchema,
    search_request,
)

variables_api = ApiBlueprint(
    "variables_api",
    __name__,
    url_prefix="/api/v1/variables",
    description="Search variables (free text, filters, facets) and read one variable's metadata",
)


@variables_api.get("")
@variables_api.arguments(SEARCH_ARGS, location="query", as_kwargs=False)
@variables_api.response(200, SearchResponseSchema)
@variables_api.alt_response(304, response=response_name(304))
@variables_api.alt_response(503, response=response_name(503))
@variables_api.doc(
    responses={
        200: {
            "links": {
                "get_variable": link(
                    "get",
                    "/api/v1/variables/{datastore}/{name}",
                    datastore="$response.body#/hits/0/datastore",
                    name="$response.body#/hits/0/name",
                )
            }
        }
    }
)
def search(args: dict[str, Any]) -> Any:
    """Search variables.

    Free text over names, technical names, labels and descriptions in every language,
    register, data product, categories, unit type, temporality and code titles; filters
    and facet counts as in the variable browser."""
    page = searching.search_variables(context(), search_request(args, request_language()))
    # Serialised by hand: this is the hottest endpoint, and marshmallow would spend more
    # time on its ~200 small objects than the search itself takes. SearchResponseSchema
    # still describes it (and a test holds the two together).
    return jsonify(search_payload(page))


def search_payload(page: searching.SearchPage) -> dict[str, Any]:
    return {
        "found": page.found,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "sort": page.sort,
        "hits": [_hit(h) for h in page.hits],
        "facets": {
            name: [
                {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                for v in values
            ]
            for name, values in page.facets.items()
        },
    }


def _hit(h: searching.HitView) -> dict[str, Any]:
    out = {name: getattr(h, name) for name in _HIT_FIELDS}
    for day in ("valid_from", "valid_until"):
        out[day] = out[day].isoformat() if out[day] else None
    out["url"] = page_path(h.datastore, h.name)
    out["api_url"] = f"{variables_api.url_prefix}/{quote(h.datastore)}/{quote(h.name)}"
    return out


_HIT_FIELDS = tuple(n for n in HitSchema._declared_fields if n not in ("url", "api_url"))


@variables_api.get("/<string:datastore>/<string:name>")
@variables_api.arguments(VariableArgsSchema, location="query", as_kwargs=False)
@variables_api.response(200, VariableSchema)
@variables_api.alt_response(304, response=response_name(304))
@variables_api.alt_response(
    404, schema=ErrorSchema, description="Unknown datastore, variable, or version"
)
def get_variable(args: dict[str, Any], datastore: str, name: str) -> Any:
    """One variable: full metadata, code list by validity period, and version history."""
    view = searching.variable_view(context(), datastore, name, args.get("version"))
    return variable_document(view, request_language())


@variables_api.after_request
def _cache(response: Response) -> Response:
    return caching.conditional(response)


def api_docs() -> str:
    """Interactive documentation of the whole /api/v1 (the OpenAPI document)."""
    return render_template(
        "api_docs.html",
        swagger_ui=url_for("api_docs_asset", filename=""),
        spec_url=url_for("api-docs.openapi_json"),
    )


def api_docs_asset(filename: str) -> Response:
    """Swagger UI's files from the installed swagger-ui-bundle package: no CDN, no network."""
    import swagger_ui_bundle

    if filename not in ("swagger-ui.css", "swagger-ui-bundle.js"):
        abort(404)
    response = send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
    return response


def init_app(app: Flask) -> None:
    register_api_blueprint(app, variables_api)
    if "/api/v1/docs" not in {rule.rule for rule in app.url_map.iter_rules()}:
        app.add_url_rule("/api/v1/docs", "api_docs", api_docs)
        app.add_url_rule("/api/v1/docs/assets/<path:filename>", "api_docs_asset", api_docs_asset)
