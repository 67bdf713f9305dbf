"""/api/v1/institutions: institutions and the dates of their agreements."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.api.fields import INSTITUTION_KEY, Day


class InstitutionSchema(Schema):
    key = fields.String()
    name = fields.String()
    agreement_from = Day()
    agreement_until = Day(allow_none=True)
    agreement_valid = fields.Boolean()


class InstitutionArgs(Schema):
    key = fields.String(required=True, validate=INSTITUTION_KEY)
    name = fields.String(load_default="", validate=validate.Length(max=300))
    agreement_from = Day(required=True)
    agreement_until = Day(load_default=None, allow_none=True)


class AgreementArgs(Schema):
    agreement_from = Day(required=True)
    agreement_until = Day(load_default=None, allow_none=True)
