"""The one place the engine calls the expression language: it hands over the workspace's
variables (without UNIT variables, which hold pseudonyms) and maps every variable name the
expression uses onto the internal column that holds it."""

from __future__ import annotations

from ...expressions import CompiledExpression, ValueType, compile_expression, quote_identifier
from ...variables import Schema


def compile_in(
    text: str, schema: Schema, alias: str, *, expected: ValueType | None = None
) -> CompiledExpression:
    names, columns = schema.expression_names()

    def column(name: str) -> str:
        return f"{alias}.{quote_identifier(columns[name])}"

    return compile_expression(text, names, column, expected=expected)
