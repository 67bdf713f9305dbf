"""One error shape: JSON for /api, an HTML page otherwise, in the request's language
(marshmallow's field messages included, see schemas.translations)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from catalogue.domain.errors import RegcatError
from schemas.problems import flatten_messages
from schemas.translations import translate_messages


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(error: RegcatError) -> tuple[Response | str, int]:
    lang = getattr(g, "lang", "nb")
    if _wants_json():
        return jsonify(error.as_dict(lang)), error.http_status
    return (
        render_template("error.html", error=error, message=error.message(lang)),
        error.http_status,
    )


def field_problems(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each field an error page should name (already translated)."""
    fields = details.get("fields")
    return flatten_messages(fields) if isinstance(fields, dict | list) else []


def init_app(app: Flask) -> None:
    app.jinja_env.globals["field_problems"] = field_problems

    @app.errorhandler(RegcatError)
    def _regcat_error(error: RegcatError) -> tuple[Response | str, int]:
        return _respond(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        details = {}
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            details["fields"] = translate_messages(messages, getattr(g, "lang", "nb"))
        return _respond(
            RegcatError(
                f"http-{status}",
                _NB.get(status, _NB_OTHER),
                error.description or error.name,
                details,
                status,
            )
        )


# werkzeug describes its errors in English only.
_NB = {
    400: "Ugyldig forespørsel.",
    401: "Du må logge inn for å bruke dette.",
    403: "Du har ikke tilgang til dette.",
    404: "Siden eller ressursen finnes ikke.",
    405: "Metoden er ikke tillatt her.",
    406: "Formatet du ba om, tilbys ikke.",
    408: "Forespørselen tok for lang tid.",
    409: "Forespørselen er i konflikt med tilstanden på tjeneren.",
    410: "Ressursen finnes ikke lenger.",
    411: "Forespørselen mangler lengden på innholdet.",
    413: "Innholdet i forespørselen er for stort.",
    414: "Adressen er for lang.",
    415: "Innholdet har en type som ikke støttes.",
    422: "Forespørselen kunne ikke behandles.",
    429: "For mange forespørsler; vent litt og prøv igjen.",
    431: "Forespørselen har for store overskrifter (headers).",
    500: "Intern feil.",
    501: "Dette er ikke implementert.",
    502: "Feil fra en tjeneste bak denne.",
    503: "Tjenesten er ikke tilgjengelig akkurat nå; prøv igjen senere.",
}
_NB_OTHER = "Forespørselen kunne ikke utføres."
