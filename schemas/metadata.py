"""NAME.json: microdata.no's dataset metadata model plus regcat's optional `catalogue` block."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue.domain.enums import DataType, SensitivityLevel, Temporality
from catalogue.domain.register import Register
from catalogue.domain.variable import (
    Code,
    Extensions,
    Measure,
    SentinelCode,
    TemporalEnd,
    ValueDomain,
    VariableMetadata,
)
from schemas.common import IsoDate, from_date, from_texts, texts_field, to_date, to_texts
from schemas.problems import flatten_messages


class CodeItemSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1))
    categoryTitle = texts_field(required=True)
    validFrom = IsoDate(required=True)
    validUntil = IsoDate(allow_none=True)

    @validates_schema
    def _period_in_order(self, data: dict[str, Any], **_: Any) -> None:
        until = data.get("validUntil")
        if until is not None and until < data["validFrom"]:
            raise ValidationError("validUntil is before validFrom", "validUntil")


class SentinelItemSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1))
    categoryTitle = texts_field(required=True)


class ValueDomainSchema(Schema):
    uriDefinition = fields.List(fields.String(allow_none=True))
    description = texts_field()
    measurementType = fields.String(allow_none=True)
    measurementUnitDescription = texts_field()
    codeList = fields.List(fields.Nested(CodeItemSchema))
    sentinelAndMissingValues = fields.List(fields.Nested(SentinelItemSchema))

    @validates_schema
    def _described_or_enumerated(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("codeList"):
            return
        if not data.get("description"):
            raise ValidationError(
                "a value domain needs either a codeList (enumerated) or a description (described)",
                "description",
            )


class MeasureSchema(Schema):
    name = texts_field(required=True)
    description = texts_field(required=True)
    dataType = fields.String(validate=validate.OneOf([d.value for d in DataType]))
    unitType = fields.String()
    format = fields.String(allow_none=True)
    uriDefinition = fields.List(fields.String(allow_none=True))
    valueDomain = fields.Nested(ValueDomainSchema)

    @validates_schema
    def _typed_or_unit(self, data: dict[str, Any], **_: Any) -> None:
        if "unitType" in data:
            return
        if "dataType" not in data:
            raise ValidationError("required unless the measure is a unitType", "dataType")
        if "valueDomain" not in data:
            raise ValidationError("required unless the measure is a unitType", "valueDomain")


class IdentifierSchema(Schema):
    unitType = fields.String(required=True)


class TemporalEndSchema(Schema):
    description = texts_field(required=True)
    successors = fields.List(fields.String())


class DataRevisionSchema(Schema):
    description = texts_field(required=True)
    temporalEnd = fields.Nested(TemporalEndSchema, allow_none=True)
    temporalEndOfSeries = fields.Boolean()  # older microdata.no extracts carry it


class CatalogueBlockSchema(Schema):
    register = fields.String(allow_none=True)
    dataProduct = fields.String(allow_none=True)
    exportable = fields.Boolean()
    technicalName = fields.String(allow_none=True)
    validFrom = IsoDate(allow_none=True)
    validUntil = IsoDate(allow_none=True)
    categories = fields.List(texts_field())
    definitionLinks = fields.List(fields.Url())


class DatasetMetadataSchema(Schema):
    shortName = fields.String()
    temporalityType = fields.String(
        required=True, validate=validate.OneOf([t.value for t in Temporality])
    )
    sensitivityLevel = fields.String(validate=validate.OneOf([s.value for s in SensitivityLevel]))
    populationDescription = texts_field()
    spatialCoverageDescription = texts_field()
    subjectFields = fields.List(texts_field())
    dataRevision = fields.Nested(DataRevisionSchema)
    identifierVariables = fields.List(
        fields.Nested(IdentifierSchema), required=True, validate=validate.Length(equal=1)
    )
    measureVariables = fields.List(
        fields.Nested(MeasureSchema), required=True, validate=validate.Length(equal=1)
    )
    catalogue = fields.Nested(CatalogueBlockSchema)


# One instance, reused: the schema holds no state between loads, and building it (its nested
# schemas and fields copied) cost more than loading a document. A release reads every
# variable's document, and a workspace on an older release reads them again.
_DATASET_METADATA = DatasetMetadataSchema()


# What the schema loaded from documents it has already passed, by the digest of the
# document's canonical JSON: every runtime reads its release's documents (a fresh catalogue
# runtime's first workspace, each export request, each publishing check), and the same
# documents come back again and again (the samples' 35, no.ssb.fdb's ~700). The schema's
# load was 85 % of reading a release (`reading.released_datasets`: 0.10 of 0.12 s of CPU
# for the samples); a digest is ~1 % of a load. Only documents that passed are kept, so a
# bad document is refused each time it is read, with the schema's own messages. Equal
# canonical JSON is an equal document to the schema: JSON keeps what the schema looks at
# (true is not 1, 1 is not 1.0, keys are strings), and a document JSON cannot write
# exactly (NaN, keys of mixed types, objects that are not JSON) is loaded without the
# cache. The loaded mapping is shared between callers: read it, never change it (the
# domain objects built from it are frozen, and copy what they keep). Bounded, and
# locked: the web serves requests on several threads.
_LOADED: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
_LOADED_MAX = 4096
_LOADED_LOCK = threading.Lock()


def _digest(raw: Any) -> bytes | None:
    try:
        text = json.dumps(raw, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest()


def _validated(raw: Any) -> dict[str, Any]:
    """The schema's load of a NAME.json document (raises ValidationError), once per
    distinct document and process."""
    key = _digest(raw)
    if key is not None:
        with _LOADED_LOCK:
            data = _LOADED.get(key)
            if data is not None:
                _LOADED.move_to_end(key)
                return data
    data = _DATASET_METADATA.load(raw)
    if key is not None:
        with _LOADED_LOCK:
            _LOADED[key] = data
            while len(_LOADED) > _LOADED_MAX:
                _LOADED.popitem(last=False)
    return data


def metadata_problems(raw: Any) -> list[tuple[str, str]]:
    """(field path, message) for every schema problem in a NAME.json document."""
    try:
        _validated(raw)
    except ValidationError as e:
        return flatten_messages(e.messages)
    return []


def load_variable_metadata(
    raw: dict[str, Any], name: str, register: Register | None = None
) -> VariableMetadata:
    """Build the domain object from a NAME.json document (validated first, raises
    ValidationError), filling what it leaves out from the register manifest's defaults."""
    data = _validated(raw)
    defaults = register.defaults if register else None
    block = data.get("catalogue", {})
    measure_raw = data["measureVariables"][0]
    domain_raw = measure_raw.get("valueDomain", {})
    sensitivity = data.get("sensitivityLevel") or (
        defaults.sensitivity.value if defaults and defaults.sensitivity else None
    )
    if sensitivity is None:
        raise ValidationError(
            {"sensitivityLevel": ["Missing data for required field (no register default)."]}
        )
    population = to_texts(data.get("populationDescription")) or (
        defaults.population if defaults else ()
    )
    if not population:
        raise ValidationError(
            {"populationDescription": ["Missing data for required field (no register default)."]}
        )
    exportable = block.get("exportable")
    if exportable is None:
        exportable = bool(defaults and defaults.exportable)
    revision = data.get("dataRevision") or {}
    end = revision.get("temporalEnd")
    return VariableMetadata(
        name=name,
        temporality=Temporality(data["temporalityType"]),
        sensitivity=SensitivityLevel(sensitivity),
        unit_type=data["identifierVariables"][0]["unitType"],
        measure=Measure(
            label=to_texts(measure_raw["name"]),
            description=to_texts(measure_raw["description"]),
            data_type=DataType(measure_raw.get("dataType", DataType.STRING.value)),
            unit_type=measure_raw.get("unitType"),
            format=measure_raw.get("format"),
            uri_definition=tuple(u for u in measure_raw.get("uriDefinition", []) if u),
            value_domain=ValueDomain(
                description=to_texts(domain_raw.get("description")),
                measurement_unit=to_texts(domain_raw.get("measurementUnitDescription")),
                measurement_type=domain_raw.get("measurementType"),
                codes=tuple(
                    Code(
                        c["code"], to_texts(c["categoryTitle"]), c["validFrom"], c.get("validUntil")
                    )
                    for c in domain_raw.get("codeList", [])
                ),
                sentinels=tuple(
                    SentinelCode(s["code"], to_texts(s["categoryTitle"]))
                    for s in domain_raw.get("sentinelAndMissingValues", [])
                ),
                uri_definition=tuple(u for u in domain_raw.get("uriDefinition", []) if u),
            ),
        ),
        population=population,
        subject_fields=tuple(to_texts(s) for s in data.get("subjectFields", [])),
        spatial_coverage=to_texts(data.get("spatialCoverageDescription"))
        or (defaults.spatial_coverage if defaults else ()),
        revision_note=to_texts(revision.get("description")),
        temporal_end=TemporalEnd(to_texts(end["description"]), tuple(end.get("successors", [])))
        if end
        else None,
        extensions=Extensions(
            register=register.key if register else block.get("register"),
            data_product=block.get("dataProduct") or (defaults.data_product if defaults else None),
            exportable=exportable,
            technical_name=block.get("technicalName"),
            valid_from=block.get("validFrom"),
            valid_until=block.get("validUntil"),
            categories=tuple(to_texts(c) for c in block.get("categories", [])),
            definition_links=tuple(block.get("definitionLinks", [])),
        ),
    )


def dump_variable_metadata(meta: VariableMetadata) -> dict[str, Any]:
    """The NAME.json document of `meta`, with every default resolved; loads back equal."""
    domain = meta.measure.value_domain
    measure: dict[str, Any] = {
        "name": from_texts(meta.measure.label),
        "description": from_texts(meta.measure.description),
    }
    if meta.measure.unit_type:
        measure["unitType"] = meta.measure.unit_type
    else:
        measure["dataType"] = meta.measure.data_type.value
        vd: dict[str, Any] = {"uriDefinition": list(domain.uri_definition)}
        if domain.codes:
            vd["codeList"] = [
                {
                    "code": c.code,
                    "categoryTitle": from_texts(c.title),
                    "validFrom": from_date(c.valid_from),
                    **({"validUntil": from_date(c.valid_until)} if c.valid_until else {}),
                }
                for c in domain.codes
            ]
            if domain.sentinels:
                vd["sentinelAndMissingValues"] = [
                    {"code": s.code, "categoryTitle": from_texts(s.title)} for s in domain.sentinels
                ]
        else:
            vd["description"] = from_texts(domain.description)
            if domain.measurement_type:
                vd["measurementType"] = domain.measurement_type
            if domain.measurement_unit:
                vd["measurementUnitDescription"] = from_texts(domain.measurement_unit)
        measure["valueDomain"] = vd
    if meta.measure.format:
        measure["format"] = meta.measure.format
    if meta.measure.uri_definition:
        measure["uriDefinition"] = list(meta.measure.uri_definition)
    ext = meta.extensions
    revision: dict[str, Any] = {"description": from_texts(meta.revision_note)}
    if meta.temporal_end:
        revision["temporalEnd"] = {
            "description": from_texts(meta.temporal_end.description),
            "successors": list(meta.temporal_end.successors),
        }
    doc: dict[str, Any] = {
        "shortName": meta.name,
        "temporalityType": meta.temporality.value,
        "sensitivityLevel": meta.sensitivity.value,
        "populationDescription": from_texts(meta.population),
        "spatialCoverageDescription": from_texts(meta.spatial_coverage),
        "subjectFields": [from_texts(s) for s in meta.subject_fields],
        "identifierVariables": [{"unitType": meta.unit_type}],
        "measureVariables": [measure],
        "dataRevision": revision,
        "catalogue": {
            "register": ext.register,
            "dataProduct": ext.data_product,
            "exportable": ext.exportable,
            "technicalName": ext.technical_name,
            "validFrom": from_date(ext.valid_from),
            "validUntil": from_date(ext.valid_until),
            "categories": [from_texts(c) for c in ext.categories],
            "definitionLinks": list(ext.definition_links),
        },
    }
    return doc


def register_of(meta: VariableMetadata) -> str | None:
    return meta.extensions.register


__all__ = [
    "DatasetMetadataSchema",
    "dump_variable_metadata",
    "load_variable_metadata",
    "metadata_problems",
    "to_date",
]
