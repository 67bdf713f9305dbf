"""/api/v1/variables: search with facets, and one variable's full metadata."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    g,
    jsonify,
    render_template,
    send_from_directory,
    url_for,
)
from marshmallow import Schema, fields, pre_load, validate

from catalogue.services import searching
from catalogue.web import caching, context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.api_responses import response_name
from catalogue.web.variable_presenter import page_path, quote, variable_document
from schemas.api.errors import ErrorSchema
from schemas.api.fields import VERSION, Day, QueryBoolean, QueryInteger, Timestamp

variables_api = ApiBlueprint(
    "variables_api",
    __name__,
    url_prefix="/api/v1/variables",
    description="Search variables (free text, filters, facets) and read one variable's metadata",
)


def _listed(**kwargs: Any) -> fields.List:
    return fields.List(fields.String(), load_default=list, **kwargs)


class SearchArgsSchema(Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=searching.MAX_QUERY_LENGTH),
        metadata={
            "description": "Free text: words are stemmed (bokmål, English), æ/ø/å folded and "
            "matched as prefixes too. Query syntax characters are ordinary separators."
        },
    )
    datastore = fields.String(metadata={"description": "Only this datastore (default: all)."})
    version = fields.String(
        validate=VERSION,
        metadata={
            "description": "Search a released version (e.g. 1.0.0.0) instead of the latest; "
            "without `datastore` the default datastore's."
        },
    )
    valid_from = Day(
        metadata={"description": "With valid_until: variables valid at some time in the interval."}
    )
    valid_until = Day(metadata={"description": "Not before valid_from (else 422)."})
    exportable = QueryBoolean(
        metadata={"description": "true: only variables that can be exported."}
    )
    register = _listed(metadata={"description": "Register key(s), e.g. kreftregisteret."})
    product = _listed(metadata={"description": "Data product id(s)."})
    category = _listed(metadata={"description": "Subject category (its bokmål title)."})
    unit_type = _listed(metadata={"description": "Unit type(s), e.g. PERSON."})
    temporality = fields.List(
        fields.String(validate=validate.OneOf(searching.TEMPORALITIES)), load_default=list
    )
    sort = fields.String(
        validate=validate.OneOf(searching.SORTS),
        metadata={"description": "Default: relevance with q, else name. '-' sorts descending."},
    )
    page = QueryInteger(load_default=1, validate=validate.Range(1, searching.MAX_PAGE))
    per_page = QueryInteger(load_default=25, validate=validate.Range(1, searching.MAX_PER_PAGE))
    lang = fields.String(validate=validate.OneOf(["nb", "en"]))


class SearchFormArgsSchema(SearchArgsSchema):
    """The search page's form: the same parameters, but an empty field means no filter."""

    @pre_load
    def _blank_is_absent(self, data: Any, **_: Any) -> dict[str, Any]:
        """An HTML form sends empty fields ("valid_from="): they mean "no filter"."""
        out: dict[str, Any] = {}
        for key in data:
            value = data[key]
            if isinstance(value, list):
                value = [v for v in value if isinstance(v, str) and v.strip()]
                if value:
                    out[key] = value
            elif not (isinstance(value, str) and not value.strip() and key != "q"):
                out[key] = value
        return out


def search_request(args: dict[str, Any], lang: str) -> searching.SearchRequest:
    return searching.SearchRequest(
        q=args.get("q", ""),
        datastore=args.get("datastore"),
        version=args.get("version"),
        valid_from=args.get("valid_from"),
        valid_until=args.get("valid_until"),
        exportable=args.get("exportable"),
        register=tuple(args.get("register", ())),
        product=tuple(args.get("product", ())),
        category=tuple(args.get("category", ())),
        unit_type=tuple(args.get("unit_type", ())),
        temporality=tuple(args.get("temporality", ())),
        sort=args.get("sort"),
        page=args.get("page", 1),
        per_page=args.get("per_page", 25),
        lang=args.get("lang") or lang,
    )


class HitSchema(Schema):
    datastore = fields.String()
    name = fields.String()
    label = fields.String()
    description = fields.String()
    exportable = fields.Boolean()
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    technical_name = fields.String(allow_none=True)
    register = fields.String(allow_none=True)
    register_name = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    product_title = fields.String(allow_none=True)
    unit_type = fields.String()
    temporality = fields.String()
    version = fields.String(metadata={"description": "The release this metadata is from."})
    score = fields.Float()
    url = fields.Function(
        lambda h: url_for("variables.variable_page", datastore=h.datastore, name=h.name),
        metadata={"description": "The variable's page"},
    )
    api_url = fields.Function(
        lambda h: url_for("variables_api.get_variable", datastore=h.datastore, name=h.name)
    )


class FacetValueSchema(Schema):
    value = fields.String()
    label = fields.String()
    count = fields.Integer()
    selected = fields.Boolean()


class SearchResponseSchema(Schema):
    found = fields.Integer(metadata={"description": "Number of matching variables"})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    sort = fields.String()
    hits = fields.List(fields.Nested(HitSchema))
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetValueSchema)),
        metadata={
            "description": "Counts per value of register, product, category, unit_type, "
            "temporality and exportable; a facet with an active filter is counted without it."
        },
    )


# One instance each: webargs would build one per request.
SEARCH_ARGS = SearchArgsSchema()
SEARCH_FORM_ARGS = SearchFormArgsSchema()


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
    page = searching.search_variables(context(), search_request(args, g.lang))
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


class TextSchema(Schema):
    language = fields.String()
    value = fields.String()


class CodeSchema(Schema):
    code = fields.String()
    title = fields.String()


class CodePeriodSchema(Schema):
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    codes = fields.List(fields.Nested(CodeSchema))


class ValueDomainSchema(Schema):
    description = fields.String(allow_none=True)
    unit_of_measure = fields.String(allow_none=True)
    code_list = fields.List(fields.Nested(CodePeriodSchema))
    missing_values = fields.List(fields.Nested(CodeSchema))


class ReleaseSchema(Schema):
    version = fields.String()
    released_at = Timestamp()
    operation = fields.String()
    note = fields.String()
    superseded_in = fields.String(allow_none=True)
    row_count = fields.Integer()
    unit_count = fields.Integer()


class NamedSchema(Schema):
    key = fields.String()
    label = fields.String()


class VariableSchema(Schema):
    datastore = fields.String()
    name = fields.String()
    version = fields.String(metadata={"description": "The release shown"})
    latest_version = fields.String(allow_none=True)
    current = fields.Boolean()
    removed_in = fields.String(allow_none=True)
    label = fields.String()
    description = fields.String()
    labels = fields.List(fields.Nested(TextSchema))
    descriptions = fields.List(fields.Nested(TextSchema))
    technical_name = fields.String(allow_none=True)
    register = fields.Nested(NamedSchema, allow_none=True)
    owner = fields.String(allow_none=True)
    product = fields.Nested(NamedSchema, allow_none=True)
    unit_type = fields.Nested(NamedSchema)
    temporality = fields.Nested(NamedSchema)
    sensitivity = fields.String()
    data_type = fields.String()
    exportable = fields.Boolean()
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    categories = fields.List(fields.String())
    subject_fields = fields.List(fields.String())
    population = fields.String()
    definition_links = fields.List(fields.String())
    value_domain = fields.Nested(ValueDomainSchema)
    history = fields.List(fields.Nested(ReleaseSchema))
    import_step = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "The analysis API step that imports the variable"},
    )
    script = fields.String(metadata={"description": "The same as a microdata.no script line"})
    url = fields.String()


class VariableArgsSchema(Schema):
    version = fields.String(
        validate=VERSION, metadata={"description": "Show the metadata of this release"}
    )
    lang = fields.String(validate=validate.OneOf(["nb", "en"]))


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
    return variable_document(view, args.get("lang") or g.lang)


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
