"""/api/v1/scripts (saved scripts) and /api/v1/scripts/library: saving a script with its
pinned datastore versions, rerunning it, publishing it to the library, searching the
library and forking an entry (docs/SCRIPT_LANGUAGE.md, "Saving, rerunning and the
library"). A rerun answers what POST /api/v1/scripts/run answers (schemas.api.scripts)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.script.limits import MAX_CHARACTERS
from schemas.api.fields import Timestamp, keyed
from schemas.api.scripts import ScriptRunResultSchema

MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
MAX_TAGS = 20
MAX_TAG = 40
MAX_QUERY = 200


class PinSchema(Schema):
    datastore = fields.String()
    version = fields.String()


_PINS = keyed(
    fields.Nested(PinSchema),
    "What each `require NAME:MAJOR` of the script resolved to when it was "
    "saved: a rerun computes on these versions, never a newer release.",
)


class ScriptSaveSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, MAX_TITLE))
    script = fields.String(
        required=True,
        validate=validate.Length(1, MAX_CHARACTERS),
        metadata={"description": "The script's text, as POST /api/v1/scripts/run takes it."},
    )


class SavedScriptSchema(Schema):
    id = fields.String(metadata={"description": "The stable id: GET /api/v1/scripts/{id}."})
    title = fields.String()
    owner = fields.String()
    created_at = Timestamp()
    script = fields.String(metadata={"description": "The text as saved."})
    pins = _PINS
    forked_from = fields.String(
        allow_none=True,
        metadata={"description": "The library entry it was forked from; null if written here."},
    )


class SavedScriptRunSchema(ScriptRunResultSchema):
    id = fields.String(metadata={"description": "The saved script (or library entry) run."})
    pins = _PINS


class ScriptPublishSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(1, MAX_DESCRIPTION))
    tags = fields.List(
        fields.String(validate=validate.Length(1, MAX_TAG)),
        load_default=list,
        validate=validate.Length(max=MAX_TAGS),
    )


class ScriptForkSchema(Schema):
    title = fields.String(
        load_default=None,
        validate=validate.Length(1, MAX_TITLE),
        metadata={"description": "The fork's title; default the entry's."},
    )


class LibrarySearchArgsSchema(Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_QUERY),
        metadata={
            "description": "Words that must all occur (case-insensitive, as parts of words) "
            "in the title, description or tags; empty lists everything."
        },
    )


class LibraryEntrySchema(Schema):
    entry = fields.String(
        metadata={"description": "std-… a snippet regcat ships; lib-… a published script."}
    )
    title = fields.String()
    description = fields.String()
    tags = fields.List(fields.String())
    publisher = fields.String()
    published_at = Timestamp(allow_none=True)
    shipped = fields.Boolean(metadata={"description": "A standard snippet regcat ships."})
    script = fields.String(metadata={"description": "The text."})
    pins = _PINS
