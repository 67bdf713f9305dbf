"""/api/v1/users and /api/v1/me: accounts as an administrator enrols and sees them, and the
signed-in account as it sees itself."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.domain.accounts import Role
from schemas.api.fields import INSTITUTION_KEY, USERNAME, Timestamp

_ROLE = fields.String(validate=validate.OneOf([r.value for r in Role]))


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    email = fields.String()
    institution = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    steward_of = fields.List(fields.String())
    active = fields.Boolean()
    deactivated_reason = fields.String(allow_none=True)
    last_active_at = Timestamp()
    accepted_agreement = fields.Boolean()
    has_password = fields.Boolean()


class MeSchema(UserSchema):
    via = fields.String(metadata={"description": "session or token"})
    scopes = fields.List(fields.String(), metadata={"description": "What this request may do"})
    agreement_version = fields.String()
    institution_agreement_valid = fields.Boolean()


class EnrolArgs(Schema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(load_default="", validate=validate.Length(max=300))
    email = fields.String(load_default="", validate=validate.Length(max=300))
    institution = fields.String(validate=INSTITUTION_KEY)
    roles = fields.List(_ROLE, load_default=lambda: [Role.RESEARCHER.value])
    steward_of = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    password = fields.String(load_only=True, validate=validate.Length(max=1000))


class RolesArgs(Schema):
    roles = fields.List(_ROLE, required=True, metadata={"description": "The new roles, all."})
    steward_of = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
