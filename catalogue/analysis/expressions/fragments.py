"""SQL fragments: SQL text we wrote plus the parameters bound to its `?` placeholders, in
order. User text never becomes SQL text: literals travel only as parameters, and the only
names in the SQL are whitelisted variables quoted by `column()`.

A few templates must use an argument twice (a guard such as `CASE WHEN x > 0 THEN x END`);
nested, those double the SQL at each level. We never use SQL shorthands that DuckDB expands
into such copies behind our back (nullif, simple CASE), so the text length is an honest
measure of the work DuckDB does, and `render` refuses to build beyond MAX_SQL_LENGTH."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

from .limits import MAX_SQL_LENGTH
from .types import ValueType

_FORMATTER = Formatter()


@dataclass(frozen=True, slots=True)
class Fragment:
    sql: str
    params: tuple[object, ...]
    type: ValueType | None  # None: a missing literal whose type the context decides
    nullable: bool = True  # False when the SQL can never yield NULL
    literal: str | None = None  # the value of a string literal (prefixes, date("..."))


class SqlTooLong(Exception):
    """The SQL would exceed MAX_SQL_LENGTH (raised before building it)."""


def render(template: str, *parts: Fragment) -> tuple[str, tuple[object, ...]]:
    """Fill `{0}`, `{1}`, ... in our own template with the parts' SQL, collecting their
    parameters in the order the placeholders appear (a part used twice binds twice)."""
    pieces = list(_FORMATTER.parse(template))
    length = sum(len(text) + (len(parts[int(f)].sql) if f else 0) for text, f, _, _ in pieces)
    if length > MAX_SQL_LENGTH:
        raise SqlTooLong(length)
    sql: list[str] = []
    params: list[object] = []
    for text, field, _spec, _conversion in pieces:
        sql.append(text)
        if field is not None:
            part = parts[int(field)]
            sql.append(part.sql)
            params.extend(part.params)
    return "".join(sql), tuple(params)


def build(
    template: str, result: ValueType | None, *parts: Fragment, nullable: bool = True
) -> Fragment:
    sql, params = render(template, *parts)
    return Fragment(sql, params, result, nullable)


def bound(value: object, value_type: ValueType, sql_type: str) -> Fragment:
    """A literal as a parameter. The cast states the type in the SQL itself, so the fragment
    means the same whatever the driver infers from the Python value (and in engines whose
    parameters are untyped)."""
    return Fragment(f"CAST(? AS {sql_type})", (value,), value_type, nullable=False)


def finite(template: str, *parts: Fragment) -> Fragment:
    """A DOUBLE result in which infinity and NaN become missing, as in Stata, instead of
    leaking non-numbers into tables and models. It repeats the result, so it is kept for
    results that cannot be guarded by their inputs (power, number())."""
    value = build(template, ValueType.NUMBER, *parts)
    return build("(CASE WHEN isfinite({0}) THEN {0} END)", ValueType.NUMBER, value)


def resolve(part: Fragment, value_type: ValueType) -> Fragment:
    """Give an untyped missing value (`.`, or min/max of only `.`) a type, in the SQL too."""
    if part.type is not None:
        return part
    return Fragment(f"CAST({part.sql} AS {value_type.sql})", part.params, value_type)


def truth(part: Fragment) -> Fragment:
    """A condition that is never NULL: in and/or/not a missing truth value counts as false."""
    if not part.nullable:
        return part
    return build("COALESCE({0}, FALSE)", ValueType.BOOL, part, nullable=False)
