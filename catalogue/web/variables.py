"""The search page (/) and one page per variable (/variables/<datastore>/<NAME>)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, make_response, render_template, request
from werkzeug.datastructures import MultiDict

from catalogue.domain.text import by_language, pick
from catalogue.services import searching
from catalogue.web import caching, context, crawlers, variables_api
from catalogue.web.api import PARSER
from catalogue.web.language import request_language
from catalogue.web.variable_presenter import json_ld_script, page_path, page_url
from catalogue.web.wording import word
from schemas.api.variables import SEARCH_FORM_ARGS, search_request

variables = Blueprint("variables", __name__)

# Content types the variable URL also serves (by the linked-data module, once present).
_RDF_TYPES = ("text/turtle", "application/ld+json")


@variables.get("/")
def search_page() -> Response:
    args = PARSER.parse(SEARCH_FORM_ARGS, request, location="query")
    result = searching.search_variables(context(), search_request(args, request_language()))
    html = render_template("index.html", result=result, req=result.request)
    return caching.conditional(make_response(html), max_age=60)


@variables.get("/variables/<string:datastore>/<string:name>")
def variable_page(datastore: str, name: str) -> Response:
    rdf = _rdf_response(datastore, name)
    if rdf is not None:
        return rdf
    version = request.args.get("version") or None
    view = searching.variable_view(context(), datastore, name, version)
    lang = request_language()
    html = render_template(
        "variable.html",
        view=view,
        meta=view.shown.metadata,
        json_ld=json_ld_script(view, lang),
        canonical=page_url(datastore, name, lang),
        alternates={code: page_url(datastore, name, code) for code in ("nb", "en")},
    )
    response = make_response(html)
    if version:  # an old version's page is not the canonical one: keep it out of indexes
        response.headers["X-Robots-Tag"] = "noindex"
    return caching.conditional(response, last_modified=view.last_modified)


def _rdf_response(datastore: str, name: str) -> Response | None:
    best = request.accept_mimetypes.best_match(["text/html", *_RDF_TYPES])
    if best not in _RDF_TYPES:
        return None
    from catalogue.web import linked_data

    serve = getattr(linked_data, "variable_rdf_response", None)
    if serve is None:  # linked data not available yet: the HTML page is the answer
        return None
    response: Response = serve(datastore, name, best)
    return response


def _url_with(**changes: Any) -> str:
    """The current page's URL with some parameters replaced (None removes one). Any
    change but a page change goes back to page 1."""
    args = MultiDict(request.args)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        args.pop(key, None)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            for v in value:
                args.add(key, v)
        else:
            args.add(key, value)
    query = urlencode([(k, v) for k, v in args.items(multi=True) if v != ""])
    return request.path + (f"?{query}" if query else "")


def _sort_link(column: str) -> dict[str, str]:
    """Link and state of a sortable column header: a first click sorts ascending (yes
    before no for "exportable", newest first for dates), a second click reverses."""
    current = request.args.get("sort", "")
    first = {"exportable": "-exportable", "valid_from": "-valid_from"}.get(column, column)
    other = first[1:] if first.startswith("-") else f"-{first}"
    if current == first:
        nxt, state = other, "descending" if first.startswith("-") else "ascending"
    elif current == other:
        nxt, state = first, "ascending" if first.startswith("-") else "descending"
    else:
        nxt, state = first, "none"
    return {"href": _url_with(sort=nxt), "aria": state}


def init_app(app: Flask) -> None:
    app.register_blueprint(variables)
    variables_api.init_app(app)
    crawlers.init_app(app)

    @app.context_processor
    def _page_helpers() -> dict[str, object]:
        lang = request_language()
        return {
            "w": lambda key, **kw: word(key, lang, **kw),
            "url_with": _url_with,
            "sort_link": _sort_link,
            "pick": lambda texts: pick(texts, lang),
            "as_json": lambda value: json.dumps(value, ensure_ascii=False),
            "pick_lang": lambda values: pick(by_language(values), lang),
            "variable_url": lambda hit: (
                page_path(hit.datastore, hit.name) + ("?lang=en" if lang == "en" else "")
            ),
        }
