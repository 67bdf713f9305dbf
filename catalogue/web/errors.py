"""One error shape: JSON for /api, an HTML page otherwise."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from catalogue.domain.errors import RegcatError


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


def init_app(app: Flask) -> None:
    @app.errorhandler(RegcatError)
    def _regcat_error(error: RegcatError) -> tuple[Response | str, int]:
        return _respond(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        details = {}
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            details["fields"] = messages
        return _respond(
            RegcatError(
                f"http-{status}",
                _NB.get(status, error.name),
                error.description or error.name,
                details,
                status,
            )
        )


_NB = {
    400: "Ugyldig forespørsel.",
    404: "Siden eller ressursen finnes ikke.",
    405: "Metoden er ikke tillatt her.",
    406: "Formatet du ba om, tilbys ikke.",
    422: "Forespørselen kunne ikke behandles.",
    500: "Intern feil.",
}
