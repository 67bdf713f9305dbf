"""/api/v1/scripts (saved scripts) and /api/v1/scripts/library: HTTP only. Whose a saved
script is, the pins, the library and its search are catalogue.services.saved_scripts; a
run goes through catalogue.services.scripts as POST /api/v1/scripts/run does, and is
answered in its shape (200, with the run's first error in the body)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter

from catalogue.services import saved_scripts
from catalogue.services.scripts import ScriptRun
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, register_api_blueprint
from catalogue.web.auth import require_identity
from catalogue.web.language import request_language
from catalogue.web.scripts_api import as_api_error
from schemas.api.errors import ErrorSchema
from schemas.api.saved_scripts import (
    LibraryEntrySchema,
    LibrarySearchArgsSchema,
    SavedScriptRunSchema,
    SavedScriptSchema,
    ScriptForkSchema,
    ScriptPublishSchema,
    ScriptSaveSchema,
)

bp = ApiBlueprint(
    "saved_scripts",
    __name__,
    url_prefix="/api/v1/scripts",
    description="Saved scripts: a script with the datastore versions its requires resolved "
    "to, under a stable id; rerun on those versions it gives the same answer. A saved script "
    "is its owner's only (docs/SCRIPT_LANGUAGE.md).",
)
library = ApiBlueprint(
    "script_library",
    __name__,
    url_prefix="/api/v1/scripts/library",
    description="The script library: scripts researchers published and the standard "
    "snippets regcat ships; search, read, fork into your saved scripts, run.",
)


class ScriptIdConverter(BaseConverter):
    """A saved script's id in a path (<script_id:…>): only that form matches, so the
    fixed paths beside it (/run, /library) are not also read as an id (their Allow
    headers would list the id's methods)."""

    regex = saved_scripts.SCRIPT_ID_PATTERN
    example = "scr-0123456789abcdef"  # for tests that visit every route


def _id_parameter(_: ScriptIdConverter) -> dict[str, Any]:
    """The id's form in the OpenAPI description (clients and fuzzers make only ids)."""
    return {"type": "string", "pattern": f"^{saved_scripts.SCRIPT_ID_PATTERN}$"}


_unknown = bp.alt_response(404, schema=ErrorSchema, description="No such script of yours.")
_unknown_entry = library.alt_response(404, schema=ErrorSchema, description="No such library entry.")


def _owner() -> str:
    return require_identity().username


def _ran(entry: str, pins: Any, ran: ScriptRun) -> dict[str, Any]:
    return {
        "id": entry,
        "pins": saved_scripts.pins_json(pins),
        "output": ran.output,
        "error": as_api_error(ran.error, request_language()),
        "commands_run": ran.commands_run,
    }


@bp.post("")
@bp.arguments(ScriptSaveSchema)
@bp.response(201, SavedScriptSchema)
@bp.alt_response(422, schema=ErrorSchema, description="The script does not parse.")
@bp.alt_response(404, schema=ErrorSchema, description="A require names no released version.")
def save(body: dict[str, Any]) -> Any:
    """Save a script: its `require`s are pinned to the versions they resolve to now."""
    saved = saved_scripts.save_script(context(), _owner(), body["title"], body["script"])
    return saved_scripts.saved_json(saved)


@bp.get("")
@bp.response(200, SavedScriptSchema(many=True))
def list_mine() -> Any:
    """Your saved scripts, newest first."""
    return [saved_scripts.saved_json(s) for s in saved_scripts.list_scripts(context(), _owner())]


@bp.get("/<script_id:script_id>")
@bp.response(200, SavedScriptSchema)
@_unknown
def get_one(script_id: str) -> Any:
    """One of your saved scripts."""
    return saved_scripts.saved_json(saved_scripts.get_script(context(), _owner(), script_id))


@bp.delete("/<script_id:script_id>")
@bp.response(204)
@_unknown
def delete(script_id: str) -> Any:
    """Delete one of your saved scripts (a library entry published from it stays)."""
    saved_scripts.delete_script(context(), _owner(), script_id)
    return ""


@bp.post("/<script_id:script_id>/run")
@bp.response(200, SavedScriptRunSchema)
@_unknown
def rerun(script_id: str) -> Any:
    """Run a saved script again, on its pinned versions: the same answer as before."""
    saved, ran = saved_scripts.rerun_script(context(), _owner(), script_id, request_language())
    return _ran(saved.script_id, saved.pins, ran)


@bp.post("/<script_id:script_id>/publish")
@bp.arguments(ScriptPublishSchema)
@bp.response(201, LibraryEntrySchema)
@_unknown
@bp.alt_response(409, schema=ErrorSchema, description="Already published.")
def publish(body: dict[str, Any], script_id: str) -> Any:
    """Publish a saved script to the library (a copy: text, pins, title)."""
    entry = saved_scripts.publish_script(
        context(), _owner(), script_id, body["description"], body["tags"]
    )
    return entry.to_json_dict()


@library.get("")
@library.arguments(LibrarySearchArgsSchema, location="query", as_kwargs=False)
@library.response(200, LibraryEntrySchema(many=True))
def search(args: dict[str, Any]) -> Any:
    """Search the library: the shipped snippets, then published scripts, newest first."""
    found = saved_scripts.search_library(context(), args["q"], request_language())
    return [entry.to_json_dict() for entry in found]


@library.get("/<string:entry>")
@library.response(200, LibraryEntrySchema)
@_unknown_entry
def get_entry(entry: str) -> Any:
    """One library entry, with its text."""
    return saved_scripts.library_entry(context(), entry, request_language()).to_json_dict()


@library.post("/<string:entry>/fork")
@library.arguments(ScriptForkSchema, required=False)
@library.response(201, SavedScriptSchema)
@_unknown_entry
def fork(body: dict[str, Any], entry: str) -> Any:
    """Copy a library entry into your saved scripts (it records where it came from)."""
    saved = saved_scripts.fork_entry(
        context(), _owner(), entry, (body or {}).get("title"), request_language()
    )
    return saved_scripts.saved_json(saved)


@library.post("/<string:entry>/run")
@library.response(200, SavedScriptRunSchema)
@_unknown_entry
def run_entry(entry: str) -> Any:
    """Run a library entry as yourself (a published one on its pinned versions)."""
    found, ran = saved_scripts.run_entry(context(), _owner(), entry, request_language())
    return _ran(found.entry_id, found.pins, ran)


def init_app(app: Flask) -> None:
    app.url_map.converters["script_id"] = ScriptIdConverter
    app.extensions["regcat_api"].register_converter(ScriptIdConverter, _id_parameter)
    register_api_blueprint(app, library)
    register_api_blueprint(app, bp)
