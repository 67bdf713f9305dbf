"""register.json (a register's manifest) and the unit-type definition files."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from catalogue.domain.enums import SensitivityLevel
from catalogue.domain.register import (
    DataProduct,
    Owner,
    Register,
    RegisterDefaults,
    UnitType,
)
from schemas.common import texts_field, to_texts

_KEY = validate.Regexp(r"^[a-z0-9][a-z0-9-]*$", error="use lower-case a-z, 0-9 and '-'")


class OwnerSchema(Schema):
    name = texts_field(required=True)
    uri = fields.Url(allow_none=True)
    email = fields.Email(allow_none=True)


class DataProductSchema(Schema):
    id = fields.String(required=True, validate=_KEY)
    title = texts_field(required=True)
    description = texts_field()


class DefaultsSchema(Schema):
    sensitivityLevel = fields.String(validate=validate.OneOf([s.value for s in SensitivityLevel]))
    dataProduct = fields.String(allow_none=True)
    exportable = fields.Boolean()
    populationDescription = texts_field()
    spatialCoverageDescription = texts_field()


class RegisterManifestSchema(Schema):
    register = fields.String(required=True, validate=_KEY)
    name = texts_field(required=True)
    description = texts_field()
    owner = fields.Nested(OwnerSchema, required=True)
    dataProducts = fields.List(fields.Nested(DataProductSchema))
    defaults = fields.Nested(DefaultsSchema)


def load_register(raw: dict[str, Any]) -> Register:
    data = RegisterManifestSchema().load(raw)
    d = data.get("defaults", {})
    return Register(
        key=data["register"],
        name=to_texts(data["name"]),
        description=to_texts(data.get("description")),
        owner=Owner(
            to_texts(data["owner"]["name"]), data["owner"].get("uri"), data["owner"].get("email")
        ),
        data_products=tuple(
            DataProduct(p["id"], to_texts(p["title"]), to_texts(p.get("description")))
            for p in data.get("dataProducts", [])
        ),
        defaults=RegisterDefaults(
            sensitivity=SensitivityLevel(d["sensitivityLevel"])
            if "sensitivityLevel" in d
            else None,
            data_product=d.get("dataProduct"),
            exportable=d.get("exportable"),
            population=to_texts(d.get("populationDescription")),
            spatial_coverage=to_texts(d.get("spatialCoverageDescription")),
        ),
    )


class UnitTypeSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9_]*$"))
    label = texts_field(required=True)
    description = texts_field(required=True)
    identifierFormat = fields.String(required=True)
    requiresPseudonymization = fields.Boolean(load_default=True)


def load_unit_type(raw: dict[str, Any]) -> UnitType:
    data = UnitTypeSchema().load(raw)
    return UnitType(
        name=data["name"],
        label=to_texts(data["label"]),
        description=to_texts(data["description"]),
        identifier_format=data["identifierFormat"],
        requires_pseudonymization=data["requiresPseudonymization"],
    )
