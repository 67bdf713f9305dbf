"""The request of every statistic, built from the registry (catalogue/analysis/statistic.py):
one schema per request shape, named Analysis<request>, with exactly the fields the
statistic declares, and the operation the API publishes for it.

Why built here: a statistic declares its fields as plain data, because marshmallow lives
only in schemas/ and the analysis engine knows nothing of the web. The schema is the
declaration translated field by field, so the description publishes what the engine reads;
the engine still checks the content (422) of what the schema lets through."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from catalogue.analysis.statistic import Field, Statistic, Takes, registry
from schemas.api.fields import JsonBoolean, JsonInteger, JsonNumber

_VALUE: dict[Takes, type[fields.Field]] = {
    Takes.VARIABLE: fields.String,
    Takes.TERM: fields.String,
    Takes.TEXT: fields.String,
    Takes.WHOLE_NUMBER: JsonInteger,
    Takes.NUMBER: JsonNumber,
    Takes.TRUTH: JsonBoolean,
}


def _checks(field: Field) -> list[validate.Validator]:
    """What one value must be (a list's length is checked on the list)."""
    checks: list[validate.Validator] = []
    if field.choices:
        checks.append(validate.OneOf(field.choices))
    if field.bounds is not None:
        low, high = field.bounds
        inclusive = not field.exclusive
        checks.append(validate.Range(low, high, min_inclusive=inclusive, max_inclusive=inclusive))
    return checks


def request_field(field: Field) -> fields.Field:
    """The marshmallow field of a declared request field."""
    metadata = {"description": field.description.en} if field.description else {}
    value = _VALUE[field.takes]
    if not field.many:
        return value(required=field.required, validate=_checks(field), metadata=metadata)
    return fields.List(
        value(validate=_checks(field)),
        required=field.required,
        validate=validate.Length(*field.count) if field.count is not None else None,
        metadata=metadata,
    )


def request_schema(statistic: Statistic) -> type[Schema]:
    """The statistic's request schema; statistics of one request shape share one."""
    return _schema(statistic.request, statistic.fields)


_BUILT: dict[str, tuple[tuple[Field, ...], type[Schema]]] = {}


def _schema(request: str, declared: tuple[Field, ...]) -> type[Schema]:
    found = _BUILT.get(request)
    if found is not None:
        if found[0] != declared:
            raise RuntimeError(f"statistics of request shape {request!r} declare other fields")
        return found[1]
    built: type[Schema] = type(
        f"Analysis{request}Schema", (Schema,), {f.name: request_field(f) for f in declared}
    )
    _BUILT[request] = (declared, built)
    return built


@dataclass(frozen=True)
class StatisticOperation:
    """What the API publishes for one statistic: its route's last segment, its request
    schema, a one-line summary (English, as the API description is) and a description
    with the bokmål line and the kinds of result it releases."""

    name: str
    schema: type[Schema]
    summary: str
    description: str


def operation(statistic: Statistic) -> StatisticOperation:
    return StatisticOperation(
        statistic.name,
        request_schema(statistic),
        statistic.description.en,
        f"{statistic.description.nb}\n\nReleases controlled results of kind: "
        f"{', '.join(statistic.releases)}.",
    )


def operations() -> list[StatisticOperation]:
    """One operation per statistic of the registry, in the registry's order."""
    return [operation(s) for s in registry().values()]
