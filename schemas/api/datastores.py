"""/api/v1/datastores: the datastores and their released versions, with the changelog."""

from __future__ import annotations

from marshmallow import Schema, fields

from schemas.api.fields import Timestamp


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
    released_at = Timestamp()
    released_by = fields.String()
    dataset_count = fields.Integer()
    changes = fields.List(fields.Nested(ChangeSchema))
