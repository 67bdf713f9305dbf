"""/api/v1/export-requests: what a researcher asks for, what a steward decides, and the
request as both see it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.domain.accounts import ExportFormat
from catalogue.services import export_requests
from schemas.api.fields import VERSION, JsonBoolean, Timestamp, objects


class DecisionSchema(Schema):
    register = fields.String()
    approved = fields.Boolean()
    comment = fields.String()
    steward = fields.String()
    decided_at = Timestamp()


class PopulationSourceSchema(Schema):
    dataset = fields.String()
    register = fields.String()


class PopulationSchema(Schema):
    steps = objects("The workspace steps that made the population")
    datasets = fields.List(
        fields.Nested(PopulationSourceSchema),
        metadata={"description": "Every dataset those steps read; their registers approve too"},
    )


class ExportRequestSchema(Schema):
    id = fields.Integer()
    requester = fields.String()
    datastore = fields.String()
    version = fields.String()
    workspace = fields.String(allow_none=True)
    purpose = fields.String()
    file_format = fields.String()
    status = fields.String(metadata={"description": "pending, approved, rejected or downloaded"})
    variables = fields.List(fields.String())
    registers = fields.List(
        fields.String(),
        metadata={
            "description": "Registers that must approve: the variables' and those "
            "whose data defined the workspace's population"
        },
    )
    awaiting = fields.List(fields.String(), metadata={"description": "Registers yet to answer"})
    population = fields.Nested(
        PopulationSchema,
        allow_none=True,
        metadata={"description": "How the population was made (requests from a workspace)"},
    )
    decisions = fields.List(fields.Nested(DecisionSchema))
    created_at = Timestamp()
    decided_at = Timestamp(allow_none=True)
    downloaded_at = Timestamp(allow_none=True)


class NewExportArgs(Schema):
    variables = fields.List(
        fields.String(validate=validate.Length(min=1, max=128)),
        required=True,
        validate=validate.Length(min=1, max=export_requests.MAX_VARIABLES),
    )
    purpose = fields.String(
        required=True,
        validate=validate.Length(min=export_requests.MIN_PURPOSE, max=5000),
        metadata={"description": "Why, so the stewards can judge it."},
    )
    file_format = fields.String(
        load_default=ExportFormat.PARQUET.value,
        validate=validate.OneOf([f.value for f in ExportFormat]),
    )
    datastore = fields.String(validate=validate.Length(max=200))
    version = fields.String(validate=VERSION)
    workspace = fields.String(validate=validate.Length(max=100))


class DecisionArgs(Schema):
    approve = JsonBoolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))
