"""Field types of the JSON API, each accepting exactly what the JSON Schema it publishes
allows, so that the server validates what the OpenAPI description says and no more or less.

marshmallow's own fields are lenient in ways the published schema is not: `Boolean` takes
1 and "yes", `Integer` takes "5" and true, `Date` takes "2020-1-5", and `Regexp` lets "$"
match before a trailing newline. The fields here close those gaps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields, validate

from catalogue.domain import accounts as domain_accounts

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FullMatch(validate.Regexp):
    """A pattern the whole value must match, as JSON Schema's `pattern` with ^...$ means."""

    def __init__(self, pattern: str, error: str | None = None) -> None:
        super().__init__(pattern, error=error)

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise validate.ValidationError(self._format_error(value))
        return value


# MAJOR.MINOR.PATCH.DRAFT, as catalogue.domain.version parses it.
VERSION = FullMatch(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", error="Not a version number (1.0.0.0).")

# The formats the domain checks, published as the same patterns.
USERNAME = FullMatch(
    domain_accounts.USERNAME.pattern, error="Lower-case letters, digits, . _ @ -; 2-200."
)
INSTITUTION_KEY = FullMatch(
    domain_accounts.INSTITUTION_KEY.pattern, error="Lower-case letters, digits, -."
)


class Timestamp(fields.DateTime):
    """A moment as RFC 3339 `date-time` in UTC with its offset ("2026-12-05T03:11:59+00:00").

    Storage hands every moment back timezone-aware; a naive one here is a bug (which zone it
    meant cannot be known), so it is refused rather than written without an offset."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"{attr}: a timestamp must be a timezone-aware datetime ({value!r})")
        return value.astimezone(UTC).isoformat()


class Day(fields.Date):
    """RFC 3339 `full-date`: YYYY-MM-DD exactly; an impossible day (2021-02-30) is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or _DAY.fullmatch(value) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JsonBoolean(fields.Boolean):
    """A JSON true or false; not 1, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(fields.Boolean):
    """A query parameter spelled true or false, as OpenAPI serialises a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)


class JsonInteger(fields.Integer):
    """A JSON integer; not "5", 5.5 or true."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JsonNumber(fields.Float):
    """A JSON number; not "1.5" or true."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(fields.Integer):
    """A query parameter spelled as a plain decimal integer (not " 5", "5_000" or "٥")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or _INTEGER.fullmatch(value) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_INTEGER = re.compile(r"-?[0-9]+")


def an_object(description: str) -> fields.Dict:
    """A JSON object whose keys `description` tells (published as `type: object` with it)."""
    return fields.Dict(metadata={"description": description})


def objects(description: str) -> fields.List:
    """A list of JSON objects whose keys `description` tells (`type: array` of objects)."""
    return fields.List(fields.Dict(), metadata={"description": description})


def keyed(values: fields.Field, description: str) -> fields.Dict:
    """A JSON object from names (strings) to `values`, described by `description`."""
    return fields.Dict(keys=fields.String(), values=values, metadata={"description": description})
