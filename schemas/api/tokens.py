"""/api/v1/tokens: API tokens as listed (never their secrets), and the one answer that
shows a new token's secret."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.domain.accounts import Scope
from schemas.api.fields import JsonInteger, Timestamp


class TokenSchema(Schema):
    prefix = fields.String()
    name = fields.String()
    scopes = fields.List(fields.String())
    created_at = Timestamp()
    expires_at = Timestamp()
    revoked_at = Timestamp(allow_none=True)
    last_used_at = Timestamp(allow_none=True)
    state = fields.String()


class NewTokenArgs(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))
    scopes = fields.List(
        fields.String(validate=validate.OneOf([s.value for s in Scope])),
        required=True,
        validate=validate.Length(min=1, max=len(Scope)),
    )
    days = JsonInteger(
        validate=validate.Range(1, 3650),
        metadata={"description": "Lifetime; at most the server's token_days (else 422)."},
    )


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The token itself: shown this once only."})
