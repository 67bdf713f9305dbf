"""The one error shape of the JSON API, declared once.

Every error answer of every operation, whatever produced it (a service's RegcatError, the
argument parser, werkzeug's 404/405/413, the rate limiter), has this body, and the OpenAPI
description names this schema for every error status it declares:

    {"error": {"code": "unknown-variable", "status": 404, "message": "...", "details": {}}}

`status` repeats the HTTP status; `message` is in the request's language (bokmål unless
`lang=en`); `details` says where the problem is (for a request that does not fit its schema:
`fields`, the messages per field) and never holds a secret."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "Stable error code to act on, e.g. unknown-variable"},
    )
    status = fields.Integer(required=True, metadata={"description": "The HTTP status again"})
    message = fields.String(
        required=True,
        metadata={"description": "What went wrong and how to fix it, in the request's language"},
    )
    details = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Where the problem is, e.g. fields: the messages per field"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
