"""/api/v1: JSON API described by OpenAPI (flask-smorest)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from catalogue.services import reading, releasing
from catalogue.web import context

datastores = Blueprint(
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
