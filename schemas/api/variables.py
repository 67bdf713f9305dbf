"""/api/v1/variables: the search's parameters (also the search page's form) and answer, and
one variable's full metadata.

The search answer is written by hand in catalogue.web.variables_api (the hottest endpoint);
SearchResponseSchema describes it, and a test holds the two together."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from catalogue.services import searching
from schemas.api.fields import VERSION, Day, QueryBoolean, QueryInteger, Timestamp, keyed


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
    # Written by the web layer, which knows the routes.
    url = fields.String(dump_only=True, metadata={"description": "The variable's page"})
    api_url = fields.String(dump_only=True)


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
    facets = keyed(
        fields.List(fields.Nested(FacetValueSchema)),
        "Counts per value of register, product, category, unit_type, "
        "temporality and exportable; a facet with an active filter is counted without it.",
    )


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
    import_step = keyed(fields.String(), "The analysis API step that imports the variable")
    script = fields.String(metadata={"description": "The same as a microdata.no script line"})
    url = fields.String()


class VariableArgsSchema(Schema):
    version = fields.String(
        validate=VERSION, metadata={"description": "Show the metadata of this release"}
    )
    lang = fields.String(validate=validate.OneOf(["nb", "en"]))


# One instance each: webargs would build one per request.
SEARCH_ARGS = SearchArgsSchema()
SEARCH_FORM_ARGS = SearchFormArgsSchema()


def search_request(args: dict[str, Any], lang: str) -> searching.SearchRequest:
    """The search the loaded arguments ask for; in `lang` unless they name a language."""
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
