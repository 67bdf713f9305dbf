"""/api/v1: JSON API described by OpenAPI (flask-smorest)."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, Request, g
from flask_smorest import Api, Blueprint
from marshmallow import Schema, ValidationError, fields
from webargs.flaskparser import FlaskParser

from catalogue.domain.errors import invalid_input
from catalogue.services import reading, releasing
from catalogue.web import context
from schemas.translations import translate_messages


class ArgumentsParser(FlaskParser):
    """Arguments that do not fit their schema are the caller's mistake: 400 in the standard
    error shape, naming the fields."""

    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        messages = error.normalized_messages()
        problems: Any = messages
        if isinstance(messages, dict) and len(messages) == 1:
            problems = next(iter(messages.values()))  # drop the location ("json", "query")
        names = ", ".join(sorted(map(str, problems))) if isinstance(problems, dict) else None
        raise invalid_input(
            "invalid-parameters",
            f"Ugyldige parametere: {names}." if names else "Ugyldig innhold i forespørselen.",
            f"Invalid parameters: {names}." if names else "Invalid request body.",
            fields=translate_messages(problems, g.get("lang", "nb")),
        )


PARSER = ArgumentsParser()


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose argument errors use the standard error shape."""

    ARGUMENTS_PARSER = PARSER


datastores = ApiBlueprint(
    "datastores",
    __name__,
    url_prefix="/api/v1/datastores",
    description="Datastores and their released versions",
)


class DatastoreSchema(Schema):
    name = fields.String(required=True)
    latest_version = fields.String(allow_none=True)
    versions = fields.List(fields.String())
    dataset_count = fields.Integer()


class ChangeSchema(Schema):
    dataset = fields.String()
    operation = fields.String()
    note = fields.String()
    staged_by = fields.String()


class VersionSchema(Schema):
    datastore = fields.String()
    version = fields.String()
    description = fields.String()
    released_at = fields.DateTime()
    released_by = fields.String()
    dataset_count = fields.Integer()
    changes = fields.List(fields.Nested(ChangeSchema))


@datastores.get("/")
@datastores.response(200, DatastoreSchema(many=True))
def list_datastores() -> Any:
    """Every datastore with its released versions."""
    return reading.datastore_summaries(context())


@datastores.get("/<string:name>/versions")
@datastores.response(200, VersionSchema(many=True))
def list_versions(name: str) -> Any:
    """Released versions of a datastore, newest first, with the changelog."""
    return releasing.list_versions(context(), name)


def init_app(app: Flask) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "regcat: register metadata catalogue"}})
    api.register_blueprint(datastores)
    app.extensions["regcat_api"] = api


def register_api_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """For the other web modules: add a blueprint to the one OpenAPI description."""
    app.extensions["regcat_api"].register_blueprint(blueprint)
