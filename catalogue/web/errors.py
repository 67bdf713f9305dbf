"""One error shape: JSON for /api (schemas.api.errors), an HTML page otherwise.

Every error goes through here: a service's RegcatError, the argument parser's, werkzeug's
404/405/413 (with their headers: a 405 keeps its `Allow`) and the rate limiter's 429.

On the API, 400 means that the request does not fit the schema the OpenAPI description
publishes (or HTTP's own rules: malformed JSON, a web form without its CSRF token); those
errors are raised as MalformedRequest. A request that fits the schema but whose content a
service refuses (an unknown variable in an expression, a date range the wrong way round, a
weak password) is answered 422 instead of the service's 400: a client can then tell a
request it built wrongly from one the data cannot serve, and no schema-valid request is
ever answered 400. Pages and the CLI keep the service's status."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from catalogue.domain.error_codes import HTTP_STATUS_CODES
from catalogue.domain.errors import RegcatError
from catalogue.web.language import request_language
from schemas.api.errors import ErrorSchema
from schemas.problems import flatten_messages
from schemas.translations import translate_messages

ERROR_SCHEMA = ErrorSchema()

# Headers an HTTP error brings that belong in the answer (405's Allow, 429's Retry-After).
_KEPT_HEADERS = ("Allow", "Retry-After")


class MalformedRequest(RegcatError):
    """The request does not fit its published schema or HTTP's rules: always 400."""


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    return _is_api() or request.accept_mimetypes.best == "application/json"


def _api_status(error: RegcatError) -> RegcatError:
    if error.http_status == 400 and not isinstance(error, MalformedRequest) and _is_api():
        return dataclasses.replace(error, http_status=422)
    return error


def _respond(error: RegcatError, headers: dict[str, str] | None = None) -> Response:
    error = _api_status(error)
    lang = request_language()
    if _wants_json():
        response = jsonify(ERROR_SCHEMA.dump(error.as_dict(lang)))
    else:
        response = Response(
            render_template("error.html", error=error, message=error.message(lang)),
            mimetype="text/html",
        )
    response.status_code = error.http_status
    response.headers.update(headers or {})
    return response


# The longest URL (path and query) the API reads; a real query is far shorter.
URL_LIMIT = 8192


def _refuse_long_urls() -> None:
    if _is_api() and len(request.full_path.encode()) > URL_LIMIT:
        raise RegcatError(
            "uri-too-long",
            f"Adressen er for lang; bruk høyst {URL_LIMIT} tegn.",
            f"The URL is too long; use at most {URL_LIMIT} characters.",
            {"limit": URL_LIMIT},
            414,
        )


# A NUL or a lone surrogate cannot be stored (PostgreSQL refuses NUL in text; a lone
# surrogate cannot be encoded as UTF-8, so SQLite's driver and every writer raise): any
# such character anywhere in a request is refused here, once for every route, before a
# service could half-handle it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _first_unstorable(value: Any, where: str) -> tuple[str, str, int] | None:
    """The first field (as a path into the body) holding such a character: its path, its
    text and where in it."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        return (where, value, found.start()) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            hit = _first_unstorable(key, where) or _first_unstorable(item, f"{where}.{key}")
            if hit:
                return hit
    if isinstance(value, list):
        for index, item in enumerate(value):
            hit = _first_unstorable(item, f"{where}[{index}]")
            if hit:
                return hit
    return None


def _refuse_unstorable_text() -> None:
    found = None
    # Bodies only: they are what routes store; a query string is read, not kept (a
    # search for a NUL is a search like any other).
    for name, value in request.form.items(multi=True):
        found = found or _first_unstorable(name, name) or _first_unstorable(value, name)
    if found is None and request.is_json:
        found = _first_unstorable(request.get_json(silent=True), "body")
    if found is not None:
        field, text, position = found
        # Line and column too: the text may be a script or a description of many lines.
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise RegcatError(
            "unstorable-text",
            f"«{field}» har et tegn som ikke kan lagres (NUL eller et enslig surrogat) på "
            f"linje {line}, tegn {column}; fjern det og send igjen.",
            f"'{field}' holds a character that cannot be stored (NUL or a lone surrogate) "
            f"at line {line}, column {column}; remove it and send again.",
            {"field": field, "line": line, "column": column},
            422,
        )


def field_problems(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each field an error page should name (already translated)."""
    fields = details.get("fields")
    return flatten_messages(fields) if isinstance(fields, dict | list) else []


def init_app(app: Flask) -> None:
    app.before_request(_refuse_long_urls)
    app.before_request(_refuse_unstorable_text)
    app.jinja_env.globals["field_problems"] = field_problems

    @app.errorhandler(RegcatError)
    def _regcat_error(error: RegcatError) -> Response:
        return _respond(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        details = {}
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            details["fields"] = translate_messages(messages, request_language())
        kind = MalformedRequest if status == 400 else RegcatError
        headers = {name: value for name, value in error.get_headers() if name in _KEPT_HEADERS}
        return _respond(
            kind(
                f"http-{status}",
                _bokmål(status),
                error.description or error.name,
                details,
                status,
            ),
            headers,
        )


# werkzeug describes its errors in English only; the bokmål is the catalogue's.
_NB_OTHER = "Forespørselen kunne ikke utføres."


def _bokmål(status: int) -> str:
    known = HTTP_STATUS_CODES.get(f"http-{status}")
    return known.nb if known else _NB_OTHER
