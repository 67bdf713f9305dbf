"""Shared field types: multilingual text and ISO dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from catalogue.domain.text import LANGUAGES, LocalizedString, Texts


class LocalizedStringSchema(Schema):
    languageCode = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    value = fields.String(required=True)


def texts_field(required: bool = False, **kwargs: Any) -> fields.Field:
    return fields.List(
        fields.Nested(LocalizedStringSchema),
        required=required,
        validate=validate.Length(min=1) if required else None,
        **kwargs,
    )


def to_texts(items: list[dict[str, str]] | None) -> Texts:
    return tuple(LocalizedString(i["languageCode"], i["value"]) for i in items or ())


def from_texts(values: Texts) -> list[dict[str, str]]:
    return [{"languageCode": t.language, "value": t.value} for t in values]


def to_date(text: str | date | None) -> date | None:
    if text is None or isinstance(text, date):
        return text
    return date.fromisoformat(text)


def from_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


class IsoDate(fields.Date):
    """Strict YYYY-MM-DD; impossible dates (2021-02-30) are rejected."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)
