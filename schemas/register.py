"""register.json (a register's manifest) and the unit-type definition files."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue.domain.enums import SensitivityLevel
from catalogue.domain.identifiers import MAX_CHECKED_DIGITS, Checksum, IdentifierRule
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


class DigitRangeSchema(Schema):
    min = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    max = fields.Integer(required=True, validate=validate.Range(min=1, max=100))


class ChecksumSchema(Schema):
    weights = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))
    modulus = fields.Integer(load_default=11, validate=validate.Range(min=2, max=1000))


class IdentifierRuleSchema(Schema):
    """`digits`: the exact number of decimal digits, or {"min": m, "max": n}."""

    digits = fields.Raw(required=True)
    checksums = fields.List(fields.Nested(ChecksumSchema), load_default=list)
    description = texts_field(required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        try:
            low, high = _digit_range(data["digits"])
        except ValidationError as e:
            raise ValidationError(e.messages, "digits") from None
        if low > high:
            raise ValidationError("the least number of digits is larger than the largest", "digits")
        for checksum in data["checksums"]:
            if high > MAX_CHECKED_DIGITS:
                raise ValidationError(
                    f"checksums need at most {MAX_CHECKED_DIGITS} digits", "checksums"
                )
            if low != high:
                raise ValidationError("checksums need a fixed number of digits", "checksums")
            if len(checksum["weights"]) != low:
                raise ValidationError(f"a checksum has one weight per digit ({low})", "checksums")


def _digit_range(raw: Any) -> tuple[int, int]:
    if isinstance(raw, dict):
        loaded = DigitRangeSchema().load(raw)
        return loaded["min"], loaded["max"]
    exact: int = fields.Integer(strict=True, validate=validate.Range(min=1, max=100)).deserialize(
        raw
    )
    return exact, exact


class UnitTypeSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9_]*$"))
    label = texts_field(required=True)
    description = texts_field(required=True)
    identifierFormat = fields.String(required=True)
    identifierRule = fields.Nested(IdentifierRuleSchema, required=True)
    requiresPseudonymization = fields.Boolean(load_default=True)


def load_unit_type(raw: dict[str, Any]) -> UnitType:
    data = UnitTypeSchema().load(raw)
    rule = data["identifierRule"]
    low, high = _digit_range(rule["digits"])
    return UnitType(
        name=data["name"],
        label=to_texts(data["label"]),
        description=to_texts(data["description"]),
        identifier_format=data["identifierFormat"],
        identifier_rule=IdentifierRule(
            low,
            high,
            tuple(Checksum(tuple(c["weights"]), c["modulus"]) for c in rule["checksums"]),
            to_texts(rule["description"]),
        ),
        requires_pseudonymization=data["requiresPseudonymization"],
    )
