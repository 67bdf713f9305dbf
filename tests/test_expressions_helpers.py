"""Shared builders for the expression-language tests (no tests here): a workspace schema,
a real in-memory DuckDB table with missing values, and a check that compiled SQL holds
nothing but our own vocabulary."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pytest

from catalogue.analysis.expressions import (
    CompiledExpression,
    ValueType,
    compile_expression,
    quote_identifier,
)
from catalogue.domain.errors import RegcatError

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL

SCHEMA: dict[str, ValueType] = {
    "alder": N,  # BIGINT
    "inntekt": N,  # DOUBLE
    "fodselsdato": D,
    "dato": D,
    "icd": S,
    "kjonn": S,
    "syk": B,
    "kommune_2020": N,
    "bosted_øst": S,
}
COLUMNS = {
    "alder": "BIGINT",
    "inntekt": "DOUBLE",
    "fodselsdato": "DATE",
    "dato": "DATE",
    "icd": "VARCHAR",
    "kjonn": "VARCHAR",
    "syk": "BOOLEAN",
    "kommune_2020": "BIGINT",
    "bosted_øst": "VARCHAR",
}

# Row 0: ordinary values; row 1: everything missing; row 2: other values.
ROWS: list[dict[str, Any]] = [
    {
        "alder": 45,
        "inntekt": 512_000.5,
        "fodselsdato": datetime.date(1975, 3, 14),
        "dato": datetime.date(2020, 1, 5),
        "icd": "C501",
        "kjonn": "2",
        "syk": True,
        "kommune_2020": 301,
        "bosted_øst": "Oslo",
    },
    dict.fromkeys(COLUMNS),
    {
        "alder": 17,
        "inntekt": 0.0,
        "fodselsdato": datetime.date(2000, 2, 29),
        "dato": datetime.date(2021, 2, 28),
        "icd": "D50",
        "kjonn": "1",
        "syk": False,
        "kommune_2020": 4601,
        "bosted_øst": "Bergen",
    },
]


def connect(rows: Sequence[Mapping[str, Any]] = ROWS) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database with table t (rid, then the schema's columns)."""
    con = duckdb.connect()
    columns = ", ".join(f"{quote_identifier(n)} {t}" for n, t in COLUMNS.items())
    con.execute(f"CREATE TABLE t (rid INTEGER, {columns})")
    placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    for rid, row in enumerate(rows):
        con.execute(f"INSERT INTO t VALUES ({placeholders})", [rid, *(row.get(n) for n in COLUMNS)])
    return con


def run(con: duckdb.DuckDBPyConnection, compiled: CompiledExpression) -> list[Any]:
    """Evaluate a compiled expression on every row of t, in row order."""
    assert_safe_sql(compiled)
    result = con.execute(f"SELECT {compiled.sql} FROM t ORDER BY rid", compiled.params)
    return [row[0] for row in result.fetchall()]


_shared: dict[str, duckdb.DuckDBPyConnection] = {}


def evaluate(
    text: str,
    rows: Sequence[Mapping[str, Any]] = ROWS,
    *,
    expected: ValueType | None = None,
) -> list[Any]:
    compiled = compile_expression(text, SCHEMA, expected=expected)
    if rows is ROWS:  # the common case: one database for the whole session (read-only use)
        if "rows" not in _shared:
            _shared["rows"] = connect(ROWS)
        return run(_shared["rows"], compiled)
    con = connect(rows)
    try:
        return run(con, compiled)
    finally:
        con.close()


def value(text: str) -> Any:
    """The value of an expression that uses no variables (evaluated on row 0)."""
    return evaluate(text)[0]


def failure(text: str, schema: Mapping[str, ValueType] = SCHEMA, **kwargs: Any) -> RegcatError:
    with pytest.raises(RegcatError) as caught:
        compile_expression(text, schema, **kwargs)
    return caught.value


# -- the SQL holds only our own text --------------------------------------------------------

OUR_STRINGS = {"'%Y-%m-%d'", "'%Y%m%d'", "'%04d-%02d-%02d'"}
OUR_WORDS = {
    "CAST", "TRY_CAST", "AS", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "BOOLEAN", "INTEGER",
    "UBIGINT", "DECIMAL", "NULL", "TRUE", "FALSE", "NOT", "AND", "OR", "IN", "IS", "BETWEEN",
    "CASE", "WHEN", "THEN", "END", "COALESCE", "trunc", "round", "abs", "ln", "exp", "sqrt",
    "power", "isfinite", "least", "greatest", "starts_with", "year", "month", "day",
    "strftime", "printf", "TRY_STRPTIME", "substr",
    # expressions/library.py (log10, log2 and atan2 read as a word and a number)
    "ELSE", "acos", "asin", "atan", "cbrt", "ceil", "concat", "contains", "cos", "cosh",
    "dayofweek", "dayofyear", "ends_with", "floor", "isoyear", "left", "length", "lgamma",
    "list_avg", "list_median", "list_stddev_samp", "list_sum", "list_value", "log", "lower",
    "lpad", "ltrim", "pi", "quarter", "repeat", "replace", "reverse", "right", "rpad", "rtrim",
    "sign", "sin", "sinh", "strpos", "tan", "tanh", "trim", "upper", "week",
}  # fmt: skip
OUR_NUMBERS = {
    "0", "4", "6", "709.78", "10000",
    # expressions/library.py: the normal distribution's coefficients, bounds, halves
    "0.2316419", "0.31938153", "0.356563782", "0.5", "1", "1.330274429", "1.781477937",
    "1.821255978", "10", "1000", "2",
}  # fmt: skip
_TOKEN = re.compile(r"\s+|[A-Za-z_]+|[0-9]+(?:\.[0-9]+)?|\?|\|\||//|<>|<=|>=|[-+*/=<>(),]")


def assert_safe_sql(compiled: CompiledExpression) -> None:
    """Every identifier in the SQL is one of the expression's variables as we quote them,
    every string constant is one of ours, and the rest is our own SQL vocabulary: there is
    no path by which text the researcher wrote could appear in the SQL."""
    sql = compiled.sql
    allowed = {quote_identifier(name) for name in compiled.variables}
    for identifier in re.findall(r'"(?:[^"]|"")*"', sql):
        assert identifier in allowed, identifier
    sql = re.sub(r'"(?:[^"]|"")*"', " ", sql)
    for constant in re.findall(r"'[^']*'", sql):
        assert constant in OUR_STRINGS, constant
    sql = re.sub(r"'[^']*'", " ", sql)
    assert "--" not in sql and "/*" not in sql and ";" not in sql
    position = 0
    while position < len(sql):
        match = _TOKEN.match(sql, position)
        assert match is not None, f"unexpected SQL text at {sql[position : position + 20]!r}"
        token = match.group()
        if token[0].isalpha() or token[0] == "_":
            assert token in OUR_WORDS, token
        elif token[0].isdigit():
            assert token in OUR_NUMBERS, token
        position = match.end()
    assert compiled.sql.count("?") == len(compiled.params)
