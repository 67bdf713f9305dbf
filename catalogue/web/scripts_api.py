"""/api/v1/scripts: running an analysis script. HTTP only: the route, its owner (the
researcher of the token or session, as for workspaces) and the status; parsing and running
are catalogue.services.scripts, which goes through the workspace use cases, so a script
releases what the same JSON requests would and nothing else.

A script that does not parse is answered 422 and nothing runs. One that parses is answered
200 with its output, and with the first error of its run (in the error shape's body, the
status the API would give it) when one stopped it.

With `Accept: application/x-ndjson` the answer is streamed instead, one JSON object per
line of output as each command ends (`{"line", "command", "output", "error"}`), then
`{"done": true, "commands_run", "error"}`: what `regcat script run` shows as progress."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request, stream_with_context

from catalogue.domain.errors import RegcatError
from catalogue.domain.finite_json import dumps
from catalogue.services import scripts
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, register_api_blueprint
from catalogue.web.auth import require_identity
from catalogue.web.language import request_language
from schemas.api.errors import ErrorSchema
from schemas.api.scripts import ScriptRunResultSchema, ScriptRunSchema

STREAM = "application/x-ndjson"

bp = ApiBlueprint(
    "scripts",
    __name__,
    url_prefix="/api/v1/scripts",
    description="Analysis scripts in microdata.no's command language, run through the "
    "workspace API under the same output control (docs/SCRIPT_LANGUAGE.md).",
)


def as_api_error(error: RegcatError | None, language: str) -> dict[str, Any] | None:
    if error is None:
        return None
    # As the API answers a service's 400 (catalogue.web.errors): the request fitted its
    # schema, its content could not be served.
    if error.http_status == 400:
        error = dataclasses.replace(error, http_status=422)
    body: dict[str, Any] = error.as_dict(language)["error"]
    return body


@bp.post("/run")
@bp.arguments(ScriptRunSchema)
@bp.response(200, ScriptRunResultSchema)
@bp.alt_response(
    422,
    schema=ErrorSchema,
    description="The script does not parse (details.line, details.column); nothing ran.",
)
def run(body: dict[str, Any]) -> Any:
    """Run a script: its results in order, its text blocks, and the first error."""
    language = request_language()
    # The owner, as for workspaces: the signed-in researcher (the route's rule required one).
    owner = require_identity().username
    script = scripts.parse(body["script"])  # a script that does not parse: 422, nothing runs
    if request.accept_mimetypes.best == STREAM:
        lines = _streamed(scripts.run_items(context(), owner, script, language), language)
        return Response(stream_with_context(lines), mimetype=STREAM)
    ran = scripts.collect(scripts.run_items(context(), owner, script, language))
    return {
        "output": ran.output,
        "error": as_api_error(ran.error, language),
        "commands_run": ran.commands_run,
    }


def _streamed(items: Iterator[scripts.Ran], language: str) -> Iterator[str]:
    commands_run = 0
    error = None
    for ran in items:
        error = as_api_error(ran.error, language)
        commands_run += ran.counts
        line = {
            "line": ran.item.at.line,
            "command": ran.command,
            "output": list(ran.output),
            "error": error,
        }
        yield dumps(line, ensure_ascii=False, default=str) + "\n"
    done = {"done": True, "commands_run": commands_run, "error": error}
    yield dumps(done, ensure_ascii=False) + "\n"


def init_app(app: Flask) -> None:
    register_api_blueprint(app, bp)
